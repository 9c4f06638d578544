"""Returns created for the buyer by an integration (an `Idempotency-Key` is
required: a replayed call creates nothing more):

    POST /api/v1/returns                                 a return, on the buyer's behalf
    POST /api/v1/orders/{reference}/withdrawal-notices   a withdrawal received another way

Both are the portal's own actions (confirm.create_on_behalf,
withdrawal.record_notice): the same eligibility, under the version each line
is pinned to, and the same checks as the buyer's own return or withdrawal
button. A seller's token reaches its own lines only: another seller's line is
one the order does not have.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Path, Query

from core.api.errors import ApiError, ErrorCode, error_responses
from marketplace.auth import token_auth
from marketplace.models import ApiToken, Order, OrderLine
from policy_pages.rules import Resolution, ShippingMethod

from .. import confirm, steps, withdrawal
from ..draft import Draft, StepError
from ..exchanges import offer
from ..models import ActorKind
from ..refunds.estimate import shipping_cost
from ..services import orders_for_decisions
from . import idempotency
from .acting import acting_user
from .creation_inputs import CreateReturnIn, WithdrawalNoticeIn
from .idempotency import RequiredKey
from .lookups import scope, scoped_order
from .occurred import checked_instant
from .perform import as_api_errors, read_body, run_once
from .return_actions import body_doc
from .returns_data import detail_data, details
from .returns_router import router
from .returns_schemas import LangParams, OrderReference, ReturnOut, WithdrawalNoticeOut

STAFF = ActorKind.STAFF
CREATE_RESPONSES = {201: ReturnOut, 200: ReturnOut, **error_responses(400, 401, 403, 409, 413, 415)}
NOTICE_RESPONSES = {
    201: WithdrawalNoticeOut,
    200: WithdrawalNoticeOut,
    **error_responses(400, 401, 403, 404, 409, 413, 415),
}
# The portal's step fields, as the API's body names them.
STEP_FIELDS = {"items": "lines", "key": idempotency.HEADER}
# The resolution step's field of a line's replacement: "exchange-<line reference>".
EXCHANGE_FIELD = "exchange-"


def _step_errors(error: Exception, exchange: dict[str, int] | None = None) -> ApiError | None:
    """A step's refusal as the body's fields. `exchange`: the index in the body's
    `exchange` of each line's replacement, for the steps' `exchange-<line>` keys."""
    if isinstance(error, StepError):
        errors: dict[str, list] = {}
        for field, messages in error.errors.items():
            errors.setdefault(_body_field(field, exchange or {}), []).extend(messages)
        return ApiError(400, code=ErrorCode.CONSTRAINT, errors=errors)
    return None


def _body_field(field: str, exchange: dict[str, int]) -> str:
    if field.startswith(EXCHANGE_FIELD):
        index = exchange.get(field.removeprefix(EXCHANGE_FIELD))
        return "exchange" if index is None else f"exchange[{index}].sku"
    return STEP_FIELDS.get(field, field)


def _no_such_line() -> str:
    return _("This order has no line with this reference.")


def _own_lines(token: ApiToken, order: Order) -> dict[str, OrderLine]:
    """The order's lines the token reaches, by reference."""
    lines = scope(token).filter(OrderLine.objects.filter(order=order))
    return {line.reference: line for line in lines}


def _check_lines(references: list[str], own: dict, path: str) -> None:
    errors: dict[str, list] = {}
    code = ErrorCode.UNKNOWN
    for index, reference in enumerate(references):
        if reference not in own:
            errors[path.format(index=index)] = [_no_such_line()]
        elif reference in references[:index]:
            errors[path.format(index=index)] = [_("This line is named twice.")]
            code = ErrorCode.CONSTRAINT
    if errors:
        raise ApiError(400, code=code, errors=errors)


def _check_exchange(body: CreateReturnIn) -> dict[str, int]:
    """The body's exchange fits its resolution and lines: each line returned named
    once at most (the steps check that each has one, and the SKUs). The index of
    each line's entry, by line reference."""
    errors: dict[str, list] = {}
    exchange = body.resolution == Resolution.EXCHANGE
    if not exchange:
        if body.exchange:
            errors["exchange"] = [_("Give replacements for an exchange only.")]
        if body.difference_by is not None:
            errors["difference_by"] = [_("Give how to settle a difference for an exchange only.")]
    elif not body.exchange:
        errors["exchange"] = [_("Give the replacement of each line returned.")]
    returned = {entry.line for entry in body.lines}
    indexes: dict[str, int] = {}
    for index, entry in enumerate(body.exchange if exchange else ()):
        if entry.line not in returned:
            errors[f"exchange[{index}].line"] = [_("This line is not among the lines returned.")]
        elif entry.line in indexes:
            errors[f"exchange[{index}].line"] = [_("This line is named twice.")]
        else:
            indexes[entry.line] = index
    if errors:
        raise ApiError(400, code=ErrorCode.CONSTRAINT, errors=errors)
    return indexes


def _check_nothing_to_settle(body: CreateReturnIn, own: dict[str, OrderLine]) -> None:
    """An exchange without `difference_by` leaves nothing to settle: the portal
    asks the buyer, so the API does not choose for them. What it cannot judge yet
    (a SKU not offered, a reason or shipping not allowed) the steps refuse after."""
    items = [(own[entry.line], entry.quantity) for entry in body.lines]
    try:
        choice = offer.check_choice(items, {e.line: e.sku for e in body.exchange}, "")
        rules = items[0][0].pin.version.rules
    except (StepError, ObjectDoesNotExist):
        return
    reason = steps.reason_for(body.reason)
    method = body.shipping_method
    option = rules.shipping_option(ShippingMethod(method)) if method else None
    if reason is None or option is None or Resolution.EXCHANGE not in rules.resolutions:
        return
    if choice.balance(shipping_cost(option, reason.is_defect)):
        message = _("This exchange leaves a difference to settle: choose payment or credit.")
        raise ApiError(400, code=ErrorCode.CONSTRAINT, errors={"difference_by": [message]})


@router.post(
    "/returns",
    auth=token_auth,
    response=CREATE_RESPONSES,
    operation_id="createReturn",
    summary="Create a return for the buyer",
    description="For lines of one seller of an order: judged by the same eligibility and "
    "the same checks as the buyer's own return in the portal (quantities still returnable, "
    "the reason, the resolutions and shipping the pinned policy allows), and approved at "
    "once where the marketplace's rules say so. Refusals are a 400 (constraint) naming the "
    "field; an order or line the token does not reach, a 400 (unknown). occurred_at: when "
    "the buyer asked (not in the future, not before the order). An exchange names each "
    "line's replacement in exchange (one of the line's variants in stock) and, when it "
    "leaves a difference to settle, difference_by. Idempotency-Key is "
    "required: the same call again creates nothing more and answers the same.",
    openapi_extra=body_doc(CreateReturnIn),
)
def create_return(
    request: HttpRequest,
    response: HttpResponse,
    idempotency_key: RequiredKey,
    params: Query[LangParams],
):
    token = request.auth
    body = read_body(request, CreateReturnIn)
    order = scope(token).filter_orders(Order.objects.filter(reference=body.order)).first()
    if order is None:
        message = _("No order has this reference.")
        raise ApiError(400, code=ErrorCode.UNKNOWN, errors={"order": [message]})
    own = _own_lines(token, order)
    _check_lines([entry.line for entry in body.lines], own, "lines[{index}].line")
    _check_lines(list(dict.fromkeys(body.opened)), own, "opened[{index}]")
    exchange = _check_exchange(body)

    def run():
        at = checked_instant(body.occurred_at, not_before=order.placed_at)
        key = idempotency.provider_key(token, "createReturn", idempotency_key)
        draft = Draft(
            order_id=order.pk,
            key=key,
            quantities={entry.line: entry.quantity for entry in body.lines},
            opened=list(dict.fromkeys(body.opened)),
            reason_code=body.reason,
            condition=body.condition,
            comment=body.comment,
            resolution=body.resolution,
            exchange_skus={entry.line: entry.sku for entry in body.exchange},
            difference_by=body.difference_by or "",
            shipping_method=body.shipping_method or "",
        )
        if body.resolution == Resolution.EXCHANGE and body.difference_by is None:
            _check_nothing_to_settle(body, own)
        with as_api_errors(refused=lambda error: _step_errors(error, exchange)):
            created, new = confirm.create_on_behalf(
                order, draft, key=key, actor=acting_user(token), actor_kind=STAFF, at=at
            )
        return (201 if new else 200), detail_data(details().get(pk=created.pk))

    return run_once(
        request,
        response,
        key=idempotency_key,
        operation="createReturn",
        target=body.order,
        run=run,
    )


@router.post(
    "/orders/{reference}/withdrawal-notices",
    auth=token_auth,
    response=NOTICE_RESPONSES,
    operation_id="recordWithdrawalNotice",
    summary="Record a withdrawal received another way",
    description="A buyer withdrew from the contract by email, phone, letter or the "
    "storefront's own button: recorded at notified_at, when the notice reached you, which "
    "starts the 14-day refund clock (Art. 13) and the buyer's 14 days to send the goods; "
    "the statutory period is judged at that instant. One return per seller of the lines, "
    "approved at once (the right needs no approval); the buyer gets the acknowledgement. "
    "Lines outside the withdrawal period: 400 (constraint). Idempotency-Key is required.",
    openapi_extra=body_doc(WithdrawalNoticeIn),
)
def withdrawal_notice(
    request: HttpRequest,
    response: HttpResponse,
    reference: Path[OrderReference],
    idempotency_key: RequiredKey,
    params: Query[LangParams],
):
    token = request.auth
    order = scoped_order(token, reference)
    body = read_body(request, WithdrawalNoticeIn)
    own = _own_lines(token, order)
    _check_lines(body.lines, own, "lines[{index}]")

    def run():
        notified_at = checked_instant(
            body.notified_at, not_before=order.placed_at, field="notified_at"
        )
        references = body.lines or _withdrawable(token, order, own, notified_at)
        with as_api_errors(refused=_step_errors):
            returns, new = withdrawal.record_notice(
                order,
                references,
                notified_at=notified_at,
                channel=body.channel,
                key=idempotency.provider_key(token, "recordWithdrawalNotice", idempotency_key),
                actor=acting_user(token),
                actor_kind=STAFF,
            )
        answers = [detail_data(r) for r in details().filter(pk__in=[r.pk for r in returns])]
        return (201 if new else 200), {"returns": answers}

    return run_once(
        request,
        response,
        key=idempotency_key,
        operation="recordWithdrawalNotice",
        target=reference,
        run=run,
    )


def _withdrawable(token: ApiToken, order: Order, own: dict, at) -> list[str]:
    """Every line the token reaches that a notice at `at` covers; an operator's token
    leaves the choice to the action (every line covered)."""
    if scope(token).is_operator:
        return []
    judged = orders_for_decisions(Order.objects.filter(pk=order.pk)).get()
    covered = [line.reference for line, _d in withdrawal.notice_lines(judged, at)]
    references = [reference for reference in covered if reference in own]
    if not references:
        message = _("The withdrawal period of this order has ended.")
        raise ApiError(400, code=ErrorCode.CONSTRAINT, errors={"lines": [message]})
    return references
