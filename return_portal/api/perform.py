"""How every action of the returns API runs, in one place:

1. the target, within the token's scope (another seller's answers 404);
2. the body, read after that (a body sent to nothing is a 404, not a 400);
3. the `Idempotency-Key`: a replay answers what the first call answered;
4. the action itself, as the token's acting user (acting.py), whose refusals
   become the envelope (`as_api_errors`);
5. the answer, built from the database after the change.

The actions are the portal's and the back office's own functions: the API
only translates HTTP to them and back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Status
from pydantic import BaseModel

from core.api.body import read_json
from core.api.errors import ApiError, ErrorCode
from core.api.late_body import parse_body

from ..actors import ActionDenied
from ..draft import StepError
from ..lifecycle import TransitionError
from . import idempotency
from .idempotency import Answer

M = TypeVar("M", bound=BaseModel)


def read_body(request: HttpRequest, schema: type[M], *, context: dict | None = None) -> M:
    """The body as `schema`. An action whose fields are all optional may be sent
    without a body (it is `{}`); any other empty body is refused as a bad one."""
    optional = not any(field.is_required() for field in schema.model_fields.values())
    if not request.body and optional:
        return schema.model_validate({}, context=context or {})
    return parse_body(request, schema, context=context)


def _messages(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("body" if field == "__all__" else field): [str(m) for m in messages]
            for field, messages in error.message_dict.items()
        }
    return {"body": [str(m) for m in error.messages]}


@contextmanager
def as_api_errors(
    *, refused: Callable[[Exception], ApiError | None] | None = None
) -> Iterator[None]:
    """An action's refusals as the envelope. `refused` maps a provider's own
    exceptions first (e.g. a refund beyond what remains)."""
    try:
        yield
    except ApiError:
        raise
    except Exception as error:
        mapped = refused(error) if refused is not None else None
        if mapped is not None:
            raise mapped from None
        if isinstance(error, TransitionError):
            raise ApiError(
                409,
                str(error),
                code=ErrorCode.TRANSITION,
                extra={"return_status": error.current},
            ) from None
        if isinstance(error, ActionDenied):
            # Within the token's scope (else the lookup said 404): a step (or an
            # amount) the marketplace keeps for its operator (BackOfficeSettings),
            # or an order with other sellers' lines.
            raise ApiError(403, str(error) or None) from None
        if isinstance(error, StepError):
            raise ApiError(400, code=ErrorCode.CONSTRAINT, errors=error.errors) from None
        if isinstance(error, DjangoValidationError):
            raise ApiError(400, code=ErrorCode.CONSTRAINT, errors=_messages(error)) from None
        if isinstance(error, ValueError):
            # The actions' own refusals of a value (a rejection without its reason).
            raise ApiError(
                400, str(error), code=ErrorCode.CONSTRAINT, errors={"body": [str(error)]}
            ) from None
        raise


def answer(response: HttpResponse, done: Answer) -> Status:
    if done.replayed:
        response[idempotency.REPLAYED_HEADER] = "true"
    return Status(done.status, done.body)


def run_once(
    request: HttpRequest,
    response: HttpResponse,
    *,
    key: str | None,
    operation: str,
    target: str,
    run: Callable[[], tuple[int, Any]],
) -> Status:
    """Run `run` (→ status, body) once per Idempotency-Key and answer it. The key
    stands for this request: the operation, its target and the JSON body sent
    (read already, so valid), key order and spacing aside."""
    token = request.auth
    sent = read_json(request) if request.body else {}
    print_ = idempotency.fingerprint(operation, target, sent)
    return answer(response, idempotency.once(token, key, operation, print_, run))
