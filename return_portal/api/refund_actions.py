"""Money sent back, through the API (an `Idempotency-Key` is required: a refund
replayed is never paid twice):

    POST /api/v1/returns/{rma}/refunds               refund an amount of a return
    POST /api/v1/returns/{rma}/external-refunds      record one your own system paid
    POST /api/v1/orders/{reference}/goodwill-refunds a gesture, with or without a return

Each is the back office's own action (refunds.manual, refunds.external,
refunds.goodwill): split across the order's means of payment in the policy's
order, never beyond what remains (a 400 with `remaining`), under the
marketplace's rule for who settles (a seller's token above the operator's
limit: 403).

When it happened (`occurred_at`, an external refund's `paid_at`) is checked
under the lock the action takes, in its transaction (occurred.locked_instant,
locked_order_instant): never in the future, never before what the return (or,
for a goodwill refund of the order alone, the order) already records.
"""

from __future__ import annotations

from typing import Any

from babel.numbers import get_currency_precision
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Path, Query

from core.api.errors import ApiError, ErrorCode, error_responses
from marketplace.auth import token_auth
from marketplace.fields import STATE_KEY, Seen

from ..models import ActorKind, ReturnRequest
from ..refunds import RefundTooLarge, external, goodwill, manual
from . import idempotency
from .acting import acting_user
from .idempotency import RequiredKey
from .lookups import scoped_order, scoped_return, visible_returns
from .occurred import locked_instant, locked_order_instant
from .perform import as_api_errors, read_body, run_once
from .return_actions import body_doc
from .returns_data import money, refund_data
from .returns_inputs import ExternalRefundIn, GoodwillIn, MoneyIn, RefundIn
from .returns_router import router
from .returns_schemas import (
    LangParams,
    OrderReference,
    RefundsOut,
    RefundTooLargeOut,
    Rma,
    TransitionErrorOut,
)

STAFF = ActorKind.STAFF
REFUND_RESPONSES = {
    201: RefundsOut,
    **error_responses(401, 403, 404, 413, 415),
    400: RefundTooLargeOut,
    409: TransitionErrorOut,
}
REFUND_DESCRIPTION = (
    " Idempotency-Key is required: the same call again is done once and answers the same. "
    "Beyond what remains to be refunded: 400 constraint, with `remaining`. 403 when the "
    "marketplace keeps this step (or this amount) for its operator; 404 for what the token "
    "does not see."
)
WHEN = (
    " Optional occurred_at: when it was decided, if earlier than now (not in the future, "
    "not before what is already recorded; 400 constraint otherwise)."
)


def _context(currency: str) -> dict:
    # The amount's decimals are the currency's (0 for JPY), as intake reads them.
    return {STATE_KEY: Seen(places=min(2, get_currency_precision(currency)))}


def _same_currency(body: MoneyIn, currency: str) -> None:
    if body.currency != currency:
        message = _("Refunds of this order are in %(currency)s.") % {"currency": currency}
        raise ApiError(400, code=ErrorCode.CONSTRAINT, errors={"currency": [message]})


def _refused(currency: str, return_request: ReturnRequest | None):
    """The refunds' own exceptions as the envelope."""

    def mapped(error: Exception) -> ApiError | None:
        if isinstance(error, RefundTooLarge):
            message = str(error)
            return ApiError(
                400,
                message,
                code=ErrorCode.CONSTRAINT,
                errors={"amount": [message]},
                extra={
                    "remaining": money(error.remaining, currency),
                    "currency": currency,
                },
            )
        if isinstance(error, manual.RefundInputError | external.ExternalRefundError):
            field = {"key": idempotency.HEADER}.get(error.field, error.field)
            if not field and return_request is not None:
                # Refused for the return's state (not accepted, or released).
                return ApiError(
                    409,
                    str(error),
                    code=ErrorCode.TRANSITION,
                    extra={"return_status": return_request.status},
                )
            return ApiError(400, code=ErrorCode.CONSTRAINT, errors={field or "body": [str(error)]})
        return None

    return mapped


def _answer(refunds, market: str, rma: str | None) -> tuple[int, dict[str, Any]]:
    return 201, {"rma": rma, "refunds": [refund_data(refund, market) for refund in refunds]}


@router.post(
    "/returns/{rma}/refunds",
    auth=token_auth,
    tags=["refunds"],
    response=REFUND_RESPONSES,
    operation_id="refundReturn",
    summary="Refund an amount of a return",
    description="What the settlement did not pay (a deduction given back, a lost parcel "
    "found to be the carrier's fault), back to the order's means of payment, never more "
    "than remains of the returned items' price and of the payments; occurred_at not before "
    "the return's last event." + WHEN + REFUND_DESCRIPTION,
    openapi_extra=body_doc(RefundIn),
)
def refund(
    request: HttpRequest,
    response: HttpResponse,
    rma: Path[Rma],
    idempotency_key: RequiredKey,
    params: Query[LangParams],
):
    token = request.auth
    target = scoped_return(token, rma, ReturnRequest.objects.select_related("order"))
    body = read_body(request, RefundIn, context=_context(target.currency))
    _same_currency(body, target.currency)

    def run():
        with transaction.atomic():  # the return's lock, from the check to the booking
            at = locked_instant(target, body.occurred_at)
            with as_api_errors(refused=_refused(target.currency, target)):
                refunds = manual.refund_return(
                    target,
                    body.amount,
                    body.reason,
                    actor=acting_user(token),
                    actor_kind=STAFF,
                    key=idempotency.provider_key(token, "refundReturn", idempotency_key),
                    at=at,
                )
        return _answer(refunds, target.order.market, target.rma)

    return run_once(
        request,
        response,
        key=idempotency_key,
        operation="refundReturn",
        target=rma,
        run=run,
    )


@router.post(
    "/returns/{rma}/external-refunds",
    auth=token_auth,
    tags=["refunds"],
    response=REFUND_RESPONSES,
    operation_id="recordExternalRefund",
    summary="Record a refund your own payment system paid",
    description="Booked like any refund, against the order's means of payment and the "
    "return's lines, with the date it was paid (paid_at: not in the future, not before the "
    "return's last event nor its request; 400 constraint otherwise): days late and the "
    "French late surcharge (L242-4) follow from it." + REFUND_DESCRIPTION,
    openapi_extra=body_doc(ExternalRefundIn),
)
def external_refund(
    request: HttpRequest,
    response: HttpResponse,
    rma: Path[Rma],
    idempotency_key: RequiredKey,
    params: Query[LangParams],
):
    token = request.auth
    target = scoped_return(token, rma, ReturnRequest.objects.select_related("order"))
    body = read_body(request, ExternalRefundIn, context=_context(target.currency))
    _same_currency(body, target.currency)

    def run():
        with transaction.atomic():  # the return's lock, from the check to the booking
            paid_at = locked_instant(target, body.paid_at, field="paid_at", requested=True)
            with as_api_errors(refused=_refused(target.currency, target)):
                refunds = external.record_external_refund(
                    target,
                    body.amount,
                    paid_at,
                    actor=acting_user(token),
                    actor_kind=STAFF,
                    key=idempotency.provider_key(token, "recordExternalRefund", idempotency_key),
                    reference=body.reference,
                    reason=body.reason,
                )
        return _answer(refunds, target.order.market, target.rma)

    return run_once(
        request,
        response,
        key=idempotency_key,
        operation="recordExternalRefund",
        target=rma,
        run=run,
    )


@router.post(
    "/orders/{reference}/goodwill-refunds",
    auth=token_auth,
    tags=["refunds"],
    response=REFUND_RESPONSES,
    operation_id="goodwillRefund",
    summary="A goodwill refund of an order",
    description="A gesture (a late delivery, a scuffed box the buyer keeps), about one of "
    "the order's returns (rma) or the order alone, back to its means of payment. Without a "
    "return, a seller's token must hold every line of the order. occurred_at: not before "
    "the return's last event, or without a return the order's last recorded instant (placed, "
    "delivered, its latest refund)." + WHEN + REFUND_DESCRIPTION,
    openapi_extra=body_doc(GoodwillIn),
)
def goodwill_refund(
    request: HttpRequest,
    response: HttpResponse,
    reference: Path[OrderReference],
    idempotency_key: RequiredKey,
    params: Query[LangParams],
):
    token = request.auth
    order = scoped_order(token, reference)
    body = read_body(request, GoodwillIn, context=_context(order.currency))
    _same_currency(body, order.currency)
    about = None
    if body.rma is not None:
        about = visible_returns(token, ReturnRequest.objects.filter(order=order, rma=body.rma))
        about = about.first()
        if about is None:
            message = _("This order has no return with this RMA number.")
            raise ApiError(400, code=ErrorCode.UNKNOWN, errors={"rma": [message]})

    def run():
        with transaction.atomic():  # the return's (or the order's) lock, check to booking
            if about is not None:
                at = locked_instant(about, body.occurred_at)
            else:
                at = locked_order_instant(order, body.occurred_at)
            with as_api_errors(refused=_refused(order.currency, about)):
                refunds = goodwill.goodwill_refund(
                    order,
                    body.amount,
                    body.reason,
                    actor=acting_user(token),
                    actor_kind=STAFF,
                    key=idempotency.provider_key(token, "goodwillRefund", idempotency_key),
                    return_request=about,
                    at=at,
                )
        return _answer(refunds, order.market, about.rma if about else None)

    return run_once(
        request,
        response,
        key=idempotency_key,
        operation="goodwillRefund",
        target=reference,
        run=run,
    )
