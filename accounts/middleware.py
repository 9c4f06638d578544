from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

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
