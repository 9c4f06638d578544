"""Who must use multi-factor authentication, and whether they do."""

import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings


def requires_mfa(user) -> bool:
    """Staff, i.e. anyone who may enter the Wagtail admin, must use TOTP."""
    if not settings.STAFF_MFA_REQUIRED or not user.is_authenticated:
        return False
    return user.is_superuser or user.is_staff or user.has_perm("wagtailadmin.access_admin")


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def current_totp_code(authenticator: Authenticator) -> str:
    """The code an authenticator app would show now (demo and browser tests)."""
    secret = decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
