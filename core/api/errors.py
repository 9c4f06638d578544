"""One error envelope for the whole API.

Every error answers ``{status, code, message, errors, detail}``: the HTTP
status, a stable machine code (ErrorCode, an enum in the schema), a message
in the request's language, and messages per field path (``lines[1].quantity``,
``seller.name``, a query parameter by name). ``errors`` and ``detail`` are the
keys API v1.0 answered with; they stay so that existing clients keep working.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from ninja import Schema
from pydantic import Field

Messages = Mapping[str, list[Any]]  # path -> messages (str or lazy)


class ErrorCode(StrEnum):
    """Stable machine codes: clients branch on these, never on messages."""

    # The request's shape or a value's format is wrong: what the schema says.
    INVALID = "invalid"
    # Valid by the schema, refused by what it cannot say: names something the
    # database does not know (a category, a line of the order) ...
    UNKNOWN = "unknown"
    # ... or breaks a rule between fields or against stored data (a delivery
    # before the order was placed, a category its own parent).
    CONSTRAINT = "constraint"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    CONFLICT = "conflict"
    # A 409 of its own: the action is not allowed from the object's current state
    # (a return that is received cannot be approved); nothing was changed.
    TRANSITION = "transition"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    TOO_MANY_REQUESTS = "too_many_requests"
    # What the answer would be built from failed its integrity check (a policy
    # version whose hash no longer matches): refused rather than served.
    INTEGRITY = "integrity"


# The code and the generic message of each status (lazy: rendered per request).
STATUS_CODES: dict[int, tuple[ErrorCode, Promise]] = {
    400: (ErrorCode.INVALID, gettext_lazy("The request is not valid.")),
    401: (ErrorCode.UNAUTHORIZED, gettext_lazy("Authentication is required.")),
    403: (ErrorCode.FORBIDDEN, gettext_lazy("You are not allowed to do this.")),
    404: (ErrorCode.NOT_FOUND, gettext_lazy("Not found.")),
    405: (ErrorCode.METHOD_NOT_ALLOWED, gettext_lazy("This method is not allowed here.")),
    406: (ErrorCode.NOT_ACCEPTABLE, gettext_lazy("This representation is not available.")),
    409: (ErrorCode.CONFLICT, gettext_lazy("This conflicts with the current state.")),
    413: (ErrorCode.PAYLOAD_TOO_LARGE, gettext_lazy("The request body is too large.")),
    415: (
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        gettext_lazy("Send JSON with Content-Type: application/json."),
    ),
    429: (ErrorCode.TOO_MANY_REQUESTS, gettext_lazy("Too many requests.")),
    503: (
        ErrorCode.INTEGRITY,
        gettext_lazy("This answer cannot be served: its data failed an integrity check."),
    ),
}


class ApiError(Exception):
    """An error answer. Raise it from views, auth or dependencies; the API's
    handler renders the envelope in the request's language (messages may be
    lazy). `extra` adds top-level keys (e.g. the echoed `query`)."""

    def __init__(
        self,
        status: int,
        message: str | Promise | None = None,
        *,
        code: ErrorCode | None = None,
        errors: Messages | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        default_code, default_message = STATUS_CODES.get(status, (ErrorCode.INVALID, ""))
        self.status = status
        self.code = code or default_code
        self.message = message if message is not None else default_message
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        super().__init__(status, str(self.code))

    @classmethod
    def field(cls, path: str, message: str | Promise, **kwargs: Any) -> ApiError:
        """A 400 naming one field (`code` defaults to invalid)."""
        return cls(400, errors={path: [message]}, **kwargs)


class ErrorOut(Schema):
    """The error envelope."""

    status: int = Field(description="The HTTP status, repeated.")
    code: ErrorCode = Field(description="Stable machine code.")
    message: str = Field(description="What went wrong, in the requested language.")
    errors: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Messages per field path: a query parameter by name, a body field "
        "as lines[1].quantity or seller.name, `body` for the body as a whole.",
        examples=[{"market": ["This parameter is required."]}],
    )
    detail: str = Field(description="The same as message (kept from API 1.0).")


def error_body(
    status: int,
    code: ErrorCode,
    message: str | Promise,
    errors: Messages | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The envelope as a dict, messages rendered in the active language."""
    text = str(message)
    body = {
        "status": status,
        "code": code.value,
        "message": text,
        "errors": {path: [str(m) for m in messages] for path, messages in (errors or {}).items()},
        "detail": text,
    }
    body.update(extra)
    return body


def error_response(request: HttpRequest | None, error: ApiError) -> HttpResponse:
    body = error_body(error.status, error.code, error.message, error.errors, **error.extra)
    response = JsonResponse(body, status=error.status, json_dumps_params={"ensure_ascii": False})
    # Errors depend on the request alone and must never be served from a cache.
    response["Cache-Control"] = "no-store"
    for header, value in error.headers.items():
        response[header] = value
    return response


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The `response=` entries documenting these error statuses with the envelope."""
    return dict.fromkeys(statuses, ErrorOut)
