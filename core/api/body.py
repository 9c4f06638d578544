"""JSON request bodies: the media type, the size and the syntax, checked
before a schema sees the data.

The API's parser (`JsonParser`, installed by ReturnsHubApi) answers:
- 415 unsupported_media_type unless Content-Type is application/json;
- 413 payload_too_large beyond DATA_UPLOAD_MAX_MEMORY_SIZE (Django raises
  RequestDataTooBig when the body is read; handlers.py answers it);
- 400 invalid for bad UTF-8, bad JSON, NaN/Infinity or nesting too deep.
An operation taking a body documents these with `JSON_BODY_ERRORS`.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.parser import Parser

from .errors import ApiError, ErrorCode

JSON_MEDIA_TYPE = "application/json"
JSON_BODY_ERRORS = (400, 413, 415)


def not_json_message():
    return _("The request body is not valid JSON.")


def media_type_error() -> ApiError:
    message = _("Send JSON with Content-Type: application/json.")
    return ApiError(415, message, errors={"body": [message]})


def too_large_error() -> ApiError:
    message = _("The request body is too large.")
    return ApiError(413, message, errors={"body": [message]})


def invalid_json_error() -> ApiError:
    return ApiError(400, not_json_message(), errors={"body": [not_json_message()]})


def is_json(request: HttpRequest) -> bool:
    return (request.content_type or "") == JSON_MEDIA_TYPE


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def read_json(request: HttpRequest) -> Any:
    """The decoded JSON body, or ApiError (415 or 400; 413 propagates as
    RequestDataTooBig). For code outside ninja operations (e.g. a command
    reads files with json.loads and the same schemas)."""
    body = request.body  # may raise RequestDataTooBig
    if not is_json(request):
        raise media_type_error()
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # bad UTF-8, bad JSON, over-long integers too
        raise invalid_json_error() from None


class JsonParser(Parser):
    """ninja calls parse_body only for a non-empty body; an empty one is the
    body schema's "missing" error, which handlers.py turns into the same 415
    or 400 as here."""

    def parse_body(self, request: HttpRequest) -> Any:
        return read_json(request)


__all__ = [
    "JSON_BODY_ERRORS",
    "JSON_MEDIA_TYPE",
    "ErrorCode",
    "JsonParser",
    "invalid_json_error",
    "is_json",
    "media_type_error",
    "read_json",
    "too_large_error",
]
