"""The back office's actions on one return, for integrations:

    POST /api/v1/returns/{rma}/approve | reject | receive | inspect | resolve | close

Each calls the action the admin calls (lifecycle, receiving), as the token's
acting user, so the same checks hold: the seller scope, the steps the
marketplace leaves to its sellers (403 otherwise), the transition table (409
`transition`, nothing changed). Each takes an optional `occurred_at` (reported
after the fact) and an optional `Idempotency-Key` (the same call again is done
once and answers the same). The answer is the return after the action.

`occurred_at` is checked under the return's row lock, in the action's own
transaction (occurred.locked_instant): an event committed by a concurrent call
while this one waited is seen, and an earlier instant is a 400, nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Path, Query
from pydantic import BaseModel

from core.api.body import JSON_BODY_ERRORS
from core.api.errors import ApiError, ErrorCode, error_responses
from core.api.late_body import request_body
from marketplace.auth import token_auth

from .. import inspection, lifecycle, receiving
from ..inspection_rules import deducts_for_handling
from ..models import ActorKind, InspectionCheck, ReturnRequest
from .acting import acting_user
from .idempotency import OptionalKey
from .lookups import scoped_return
from .occurred import locked_instant
from .perform import as_api_errors, read_body, run_once
from .returns_data import detail_data, details
from .returns_inputs import ApproveIn, CloseIn, InspectIn, ReceiveIn, RejectIn, ResolveIn
from .returns_router import router
from .returns_schemas import LangParams, ReturnOut, Rma, TransitionErrorOut

STAFF = ActorKind.STAFF
ACTION_RESPONSES = {
    200: ReturnOut,
    **error_responses(401, 403, 404, *JSON_BODY_ERRORS),
    409: TransitionErrorOut,
}
ACTION_DESCRIPTION = (
    " Optional occurred_at: when it happened (not in the future, not before the return's "
    "last event; 400 constraint otherwise). Optional Idempotency-Key: the same call again "
    "is done once and answers the same. 409 transition when the return's status does not "
    "allow it (nothing changed); 403 when the marketplace keeps this step for its operator; "
    "404 for a return the token does not see."
)


def body_doc(schema: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    extra = request_body(schema)
    extra["requestBody"]["required"] = required
    return extra


Do = Callable[[ReturnRequest, Any, Any, datetime], Any]


def act(
    request: HttpRequest,
    response: HttpResponse,
    rma: str,
    key: str | None,
    operation: str,
    schema: type[BaseModel],
    do: Do,
) -> Any:
    """Find the return in the token's scope, read the body, and run `do(return,
    body, user, at)` once per key; answer the return as it is now."""
    token = request.auth
    target = scoped_return(token, rma, ReturnRequest.objects.all())
    body = read_body(request, schema)

    def run() -> tuple[int, dict]:
        with transaction.atomic():  # the lock is held from the check to the action's end
            at = locked_instant(target, body.occurred_at)
            with as_api_errors():
                do(target, body, acting_user(token), at)
        return 200, detail_data(details().get(pk=target.pk))

    return run_once(request, response, key=key, operation=operation, target=rma, run=run)


@router.post(
    "/returns/{rma}/approve",
    auth=token_auth,
    response=ACTION_RESPONSES,
    operation_id="approveReturn",
    summary="Approve a requested return",
    description="The buyer gets the label or QR code and a ship-by date." + ACTION_DESCRIPTION,
    openapi_extra=body_doc(ApproveIn, required=False),
)
def approve(
    request: HttpRequest,
    response: HttpResponse,
    rma: Path[Rma],
    params: Query[LangParams],
    idempotency_key: OptionalKey = None,
):
    def do(r, body: ApproveIn, user, at):
        lifecycle.approve(r, actor=user, actor_kind=STAFF, at=at, note=body.note)

    return act(request, response, rma, idempotency_key, "approveReturn", ApproveIn, do)


@router.post(
    "/returns/{rma}/reject",
    auth=token_auth,
    response=ACTION_RESPONSES,
    operation_id="rejectReturn",
    summary="Reject a requested return",
    description="With a reason of the marketplace's list (its code) and, optionally, your "
    "own words (required with the code other); the buyer reads both in their language. "
    "An unknown or inactive code is a 400 (constraint)." + ACTION_DESCRIPTION,
    openapi_extra=body_doc(RejectIn),
)
def reject(
    request: HttpRequest,
    response: HttpResponse,
    rma: Path[Rma],
    params: Query[LangParams],
    idempotency_key: OptionalKey = None,
):
    def do(r, body: RejectIn, user, at):
        lifecycle.reject(r, actor=user, actor_kind=STAFF, code=body.code, note=body.note, at=at)

    return act(request, response, rma, idempotency_key, "rejectReturn", RejectIn, do)


def _receipts(r: ReturnRequest, body: ReceiveIn) -> dict[int, receiving.LineReceipt]:
    """The receipt per ReturnLine pk, from the order lines' references."""
    pks = dict(r.lines.values_list("order_line__reference", "pk"))
    errors: dict[str, list] = {}
    receipts: dict[int, receiving.LineReceipt] = {}
    code = ErrorCode.UNKNOWN
    for index, entry in enumerate(body.lines):
        path = f"lines[{index}].line"
        pk = pks.get(entry.line)
        if pk is None:
            errors[path] = [_("This return has no line with this reference.")]
        elif pk in receipts:
            errors[path] = [_("This line is already in the receipt.")]
            code = ErrorCode.CONSTRAINT
        else:
            receipts[pk] = receiving.LineReceipt(
                received=entry.received, lost=entry.lost, wrong_item=entry.wrong_item,
                short=entry.short,
            )  # fmt: skip
    if errors:
        raise ApiError(400, code=code, errors=errors)
    return receipts


@router.post(
    "/returns/{rma}/receive",
    auth=token_auth,
    response=ACTION_RESPONSES,
    operation_id="receiveReturn",
    summary="Record a receipt of the parcel, per line",
    description="For each line, the units that arrived this time and those accounted for "
    "otherwise: lost in transit, a wrong item, not sent. The return is received once "
    "every unit is accounted for, partly received before. More units than are still "
    "expected is a 400 (constraint)." + ACTION_DESCRIPTION,
    openapi_extra=body_doc(ReceiveIn),
)
def receive(
    request: HttpRequest,
    response: HttpResponse,
    rma: Path[Rma],
    params: Query[LangParams],
    idempotency_key: OptionalKey = None,
):
    def do(r, body: ReceiveIn, user, at):
        receiving.receive(r, _receipts(r, body), actor=user, actor_kind=STAFF, at=at)

    return act(request, response, rma, idempotency_key, "receiveReturn", ReceiveIn, do)


def _unit_path(index: int, name: str) -> str:
    """The body path of a field the inspection's rules name (inspection_rules:
    a check's code for its pass/fail, "<code>_note" for its note)."""
    base = f"units[{index}]"
    if name.endswith("_note"):
        return f"{base}.checks.{name.removesuffix('_note')}.note"
    if name in InspectionCheck.values:
        return f"{base}.checks.{name}.passed"
    return f"{base}.{name}"


def _unit_results(r: ReturnRequest, body: InspectIn) -> list:
    """(ReturnLine pk, unit, UnitResult) per unit, each judged by the inspection's
    own rules first, so that an error names its field (units[0].deduction)."""
    lines = {
        line.order_line.reference: line
        for line in r.lines.select_related("order_line__pin__version")
    }
    errors: dict[str, list] = {}
    code = ErrorCode.UNKNOWN
    results = []
    for index, entry in enumerate(body.units):
        line = lines.get(entry.line)
        if line is None:
            errors[f"units[{index}].line"] = [_("This return has no line with this reference.")]
            continue
        line.return_request = r
        result = inspection.UnitResult(
            outcome=entry.outcome,
            checks={name: inspection.CheckResult(c.passed, c.note) for name, c in entry.checks},
            deduction=entry.deduction,
            deduction_reason=entry.deduction_reason,
            justification=entry.justification,
            disposition=entry.disposition or "",
        )
        problems = inspection.result_errors(
            result,
            earnings=inspection.unit_earnings(line),
            deduction_allowed=deducts_for_handling(line),
            currency=r.currency,
        )
        for name, message in problems.items():
            errors[_unit_path(index, name)] = [message]
            code = ErrorCode.CONSTRAINT
        results.append((line.pk, entry.unit, result))
    if errors:
        raise ApiError(400, code=code, errors=errors)
    return results


@router.post(
    "/returns/{rma}/inspect",
    auth=token_auth,
    response=ACTION_RESPONSES,
    operation_id="inspectReturn",
    summary="Record the inspection of received units",
    description="Per unit: every check of the checklist, passed or failed (a failure says "
    "why), and the outcome: full_refund, partial_refund (with a deduction for the loss of "
    "value from handling and its reason, never more than the unit earns), repair, "
    "replacement, store_credit, or refused (with a justification and where the goods go). "
    "The return is inspected once every received unit has its result. A unit not "
    "received or already inspected is a 400 (constraint)." + ACTION_DESCRIPTION,
    openapi_extra=body_doc(InspectIn),
)
def inspect(
    request: HttpRequest,
    response: HttpResponse,
    rma: Path[Rma],
    params: Query[LangParams],
    idempotency_key: OptionalKey = None,
):
    def do(r, body: InspectIn, user, at):
        inspection.inspect_units(r, _unit_results(r, body), actor=user, actor_kind=STAFF, at=at)

    return act(request, response, rma, idempotency_key, "inspectReturn", InspectIn, do)


@router.post(
    "/returns/{rma}/resolve",
    auth=token_auth,
    response=ACTION_RESPONSES,
    operation_id="resolveReturn",
    summary="Settle an inspected return",
    description="Decides the settlement (each amount with its reason and clause) and books "
    "its refunds across the order's means of payment." + ACTION_DESCRIPTION,
    openapi_extra=body_doc(ResolveIn, required=False),
)
def resolve(
    request: HttpRequest,
    response: HttpResponse,
    rma: Path[Rma],
    params: Query[LangParams],
    idempotency_key: OptionalKey = None,
):
    def do(r, body: ResolveIn, user, at):
        lifecycle.resolve(r, actor=user, actor_kind=STAFF, at=at)

    return act(request, response, rma, idempotency_key, "resolveReturn", ResolveIn, do)


@router.post(
    "/returns/{rma}/close",
    auth=token_auth,
    response=ACTION_RESPONSES,
    operation_id="closeReturn",
    summary="Close a settled return",
    description="Nothing is left to do on it." + ACTION_DESCRIPTION,
    openapi_extra=body_doc(CloseIn, required=False),
)
def close(
    request: HttpRequest,
    response: HttpResponse,
    rma: Path[Rma],
    params: Query[LangParams],
    idempotency_key: OptionalKey = None,
):
    def do(r, body: CloseIn, user, at):
        lifecycle.close(r, actor=user, actor_kind=STAFF, at=at)

    return act(request, response, rma, idempotency_key, "closeReturn", CloseIn, do)
