"""Who must use multi-factor authentication, and whether they do.

The rule for staff (anyone who may enter the Wagtail admin): every staff-only
URL needs a TOTP authenticator on the account AND a session that passed it.
allauth records each authentication step of the session (password, then
"mfa" once a TOTP or recovery code was entered, at sign-in or when
re-authenticating); a session signed in by password alone, or opened before
the authenticator was enrolled, has no "mfa" step and is sent to confirm one.

Staff-only URLs are the admin (`/admin/`, StaffMFARequiredMiddleware) and any
view outside it wrapped in `staff_only`. A view that serves both a buyer's
own object and staff (a support attachment) asks `staff_session_verified(request)`
before it lets the staff branch through, and `staff_mfa_redirect(request)` for
where to send staff who are not verified yet.
"""

from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

MFA_METHOD = "mfa"  # allauth's name for a TOTP (or recovery code) step


def requires_mfa(user) -> bool:
    """Staff, i.e. anyone who may enter the Wagtail admin, must use TOTP."""
    if not settings.STAFF_MFA_REQUIRED or not user.is_authenticated:
        return False
    return user.is_superuser or user.is_staff or user.has_perm("wagtailadmin.access_admin")


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def session_passed_mfa(request) -> bool:
    """This session entered a TOTP (or recovery) code for its own user."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == MFA_METHOD for record in records)


def staff_mfa_redirect(request) -> HttpResponseRedirect | None:
    """Where staff must go before a staff-only page opens: enrol an authenticator,
    or confirm this session with a code. None when nothing is missing (and for
    anyone who is not staff: their own checks decide)."""
    user = request.user
    if not requires_mfa(user):
        return None
    if not has_totp(user):
        messages.warning(
            request,
            _("Set up an authenticator app before using the admin: staff accounts need it."),
        )
        return HttpResponseRedirect(reverse("mfa_activate_totp"))
    if not session_passed_mfa(request):
        messages.warning(
            request,
            _("Enter a code from your authenticator app: staff pages need it in every session."),
        )
        query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('mfa_reauthenticate')}?{query}")
    return None


def staff_session_verified(request) -> bool:
    """The signed-in user's account has TOTP and this session passed it (always
    True when STAFF_MFA_REQUIRED is off). A view's staff branch needs it."""
    user = request.user
    if not user.is_authenticated:
        return False
    if not settings.STAFF_MFA_REQUIRED:
        return True
    return has_totp(user) and session_passed_mfa(request)


def staff_only(view):
    """A staff-only view outside /admin/: staff without a TOTP-verified session
    are sent to enrol or confirm first (the view checks its own permissions)."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        response = staff_mfa_redirect(request)
        if response is not None:
            return response
        return view(request, *args, **kwargs)

    guarded.staff_only = True
    return guarded


def current_totp_code(authenticator: Authenticator) -> str:
    """The code an authenticator app would show now (demo and browser tests)."""
    secret = decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
