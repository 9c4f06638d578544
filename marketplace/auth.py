"""Bearer-token authentication for the machine API (RFC 6750)."""

from __future__ import annotations

from functools import wraps

from django.http import JsonResponse
from django.utils.translation import gettext as _

from .models import ApiToken

REALM = "returns-hub"


def _unauthorized(message: str, error: str | None) -> JsonResponse:
    response = JsonResponse(
        {"errors": {"authorization": [message]}},
        status=401,
        json_dumps_params={"ensure_ascii": False},
    )
    challenge = f'Bearer realm="{REALM}"'
    if error:
        challenge += f', error="{error}"'
    response["WWW-Authenticate"] = challenge
    response["Cache-Control"] = "no-store"
    return response


def token_required(view):
    """Let the view run only for a valid, unrevoked token; `request.api_token`
    names it. Token-authenticated views are CSRF-exempt by construction: a
    browser never sends the Authorization header on its own."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if not header:
            return _unauthorized(_("Send an API token: Authorization: Bearer <token>."), None)
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorized(
                _("Use the Bearer scheme: Authorization: Bearer <token>."), "invalid_request"
            )
        api_token = ApiToken.authenticate(token.strip())
        if api_token is None:
            return _unauthorized(_("This API token is not valid or was revoked."), "invalid_token")
        request.api_token = api_token
        return view(request, *args, **kwargs)

    return wrapper
