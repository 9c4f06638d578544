"""Exception handlers of the API: every error becomes the envelope."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError

from .body import invalid_json_error, is_json, media_type_error, too_large_error
from .constraints import validation_code
from .errors import STATUS_CODES, ApiError, error_response
from .messages import errors_by_path


def handle_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(request, exc)


def handle_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = exc.errors
    if _body_missing(errors):
        # ninja reads no empty body: refuse it like a bad one.
        return error_response(
            request, invalid_json_error() if is_json(request) else media_type_error()
        )
    code = validation_code(errors)
    return error_response(request, ApiError(400, code=code, errors=errors_by_path(errors)))


def _body_missing(errors: list[dict]) -> bool:
    return any(
        error.get("source") == "body" and error.get("type") == "missing" and not error.get("path")
        for error in errors
    )


def handle_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, ApiError):  # raised by our parser, wrapped by ninja
        return error_response(request, cause)
    if isinstance(exc, AuthenticationError):
        return error_response(request, ApiError(401))
    status = exc.status_code if exc.status_code in STATUS_CODES else 400
    return error_response(request, ApiError(status))


def handle_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, ApiError(404))


def handle_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    # An action refusing its actor (return_portal.actors.ActionDenied is one).
    return error_response(request, ApiError(403))


def handle_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(request, too_large_error())


def install(api) -> None:
    api.add_exception_handler(ApiError, handle_api_error)
    api.add_exception_handler(ValidationError, handle_validation_error)
    api.add_exception_handler(HttpError, handle_http_error)
    api.add_exception_handler(PermissionDenied, handle_permission_denied)
    api.add_exception_handler(Http404, handle_not_found)
    api.add_exception_handler(RequestDataTooBig, handle_too_large)
