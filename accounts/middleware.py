from urllib.parse import urlencode, urlsplit, urlunsplit

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.urls import Resolver404, resolve
from django_htmx.http import HttpResponseClientRedirect

from .mfa import staff_mfa_redirect

ADMIN_PREFIX = "/admin/"
# The login page itself sits under /admin/ and must stay reachable.
EXEMPT_PATHS = ("/admin/login/", "/admin/logout/")


class StaffMFARequiredMiddleware:
    """The admin is staff-only: staff without a TOTP authenticator are sent to
    enrol one, and a session that has not passed TOTP to confirm a code, before
    any admin page opens (accounts.mfa). Staff-only views outside /admin/ are
    wrapped in `accounts.mfa.staff_only` instead; public pages are unaffected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith(ADMIN_PREFIX) and not path.startswith(EXEMPT_PATHS):
            response = staff_mfa_redirect(request)
            if response is not None:
                return response
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
