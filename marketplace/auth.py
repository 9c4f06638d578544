"""Bearer-token authentication for the machine API (RFC 6750): one ninja
auth, `token_auth`, used by every authenticated endpoint."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer

from core.api.errors import ApiError, ErrorCode

from .models import ApiToken

REALM = "returns-hub"


def _unauthorized(message, error: str | None) -> ApiError:
    challenge = f'Bearer realm="{REALM}"'
    if error:
        challenge += f', error="{error}"'
    return ApiError(
        401,
        message,
        code=ErrorCode.UNAUTHORIZED,
        errors={"authorization": [message]},
        headers={"WWW-Authenticate": challenge},
    )


class TokenAuth(HttpBearer):
    """A valid, unrevoked ApiToken; `request.auth` and `request.api_token`
    name it. Token-authenticated operations need no CSRF protection: a
    browser never sends the Authorization header on its own."""

    def __call__(self, request: HttpRequest) -> ApiToken:
        header = request.headers.get("Authorization", "")
        if not header:
            raise _unauthorized(_("Send an API token: Authorization: Bearer <token>."), None)
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != self.openapi_scheme or not token.strip():
            raise _unauthorized(
                _("Use the Bearer scheme: Authorization: Bearer <token>."), "invalid_request"
            )
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        api_token = ApiToken.authenticate(token)
        if api_token is None:
            raise _unauthorized(_("This API token is not valid or was revoked."), "invalid_token")
        request.api_token = api_token
        return api_token


token_auth = TokenAuth()
# The name API 1.0's document gave the scheme (ninja would use the class name).
SECURITY_SCHEME_NAME = "bearerToken"
