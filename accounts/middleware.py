from urllib.parse import urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from .mfa import has_totp, requires_mfa

ADMIN_PREFIX = "/admin/"
# The login page itself sits under /admin/ and must stay reachable.
EXEMPT_PATHS = ("/admin/login/", "/admin/logout/")


class StaffMFARequiredMiddleware:
    """Send staff without a TOTP authenticator to enrol before the admin works."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if (
            path.startswith(ADMIN_PREFIX)
            and not path.startswith(EXEMPT_PATHS)
            and requires_mfa(request.user)
            and not has_totp(request.user)
        ):
            messages.warning(
                request,
                _("Set up an authenticator app before using the admin: staff accounts need it."),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class HtmxSignInRedirectMiddleware:
    """When a session ends while a page stays open (the return status polls, a
    message is sent from an old tab), login_required answers an htmx request with a
    redirect to sign in. htmx would follow it and swap the sign-in page into a
    fragment of the page; send the whole window there instead, coming back to the
    page the buyer was on (not to the fragment's URL)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 302 or not getattr(request, "htmx", False):
            return response
        target = urlsplit(response["Location"])
        if target.netloc or not _is_sign_in(target.path):
            return response
        current = urlsplit(request.htmx.current_url or "")
        # Only a page of this site (the header is the client's word): never send
        # anyone elsewhere after signing in.
        ours = current.path.startswith("/") and current.netloc in ("", request.get_host())
        back = urlunsplit(("", "", current.path, current.query, "")) if ours else ""
        query = urlencode({REDIRECT_FIELD_NAME: back}) if back else target.query
        return HttpResponseClientRedirect(urlunsplit(("", "", target.path, query, "")))


def _is_sign_in(path: str) -> bool:
    try:
        return resolve(path).url_name == "account_login"
    except Resolver404:
        return False
