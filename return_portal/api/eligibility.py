"""GET /api/v1/orders/{reference}/eligibility (token-authenticated).

A seller's token (marketplace.scoping) sees an order only when it has a line of
its seller (another order answers 404, as an unknown reference), and only its
own lines of it: another seller's line is unknown here, in `opened` too.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router

from core.api.errors import ApiError, ErrorCode, error_responses
from core.api.headers import no_store
from marketplace.auth import token_auth
from marketplace.models import Order
from marketplace.scoping import scope_of_token
from policy_pages.pinning import pinned_policy_data

from ..eligibility import Decision
from ..services import Declarations, decide_order, orders_for_decisions
from .schemas import EligibilityParams, OrderEligibilityOut, OrderReference

router = Router(tags=["orders"])
router.add_decorator(no_store, mode="view")

MAX_UNKNOWN_REPORTED = 10


def _iso(instant: datetime | None) -> str | None:
    # Deadlines are already in the market's zone: the end of their last day there.
    return instant.isoformat() if instant else None


def decision_data(line, decision: Decision) -> dict:
    return {
        "reference": line.reference,
        "sku": line.sku,
        "title": line.title,
        "quantity": line.quantity,
        "eligible": decision.eligible,
        "returnable_quantity": decision.returnable_quantity if decision.eligible else 0,
        "remaining_quantity": decision.returnable_quantity,
        "policy_deadline": _iso(decision.policy_deadline),
        "statutory_deadline": _iso(decision.statutory_deadline),
        "deadline": _iso(decision.deadline),
        "statutory_right": decision.statutory_right,
        "conditions_apply": decision.conditions_apply,
        "policy": pinned_policy_data(line),
        "reasons": [
            {
                "code": reason.code.value,
                "message": reason.message,
                "clause": reason.clause or None,
                "statute": reason.statute or None,
            }
            for reason in decision.reasons
        ],
    }


@router.get(
    "/orders/{reference}/eligibility",
    auth=token_auth,
    response={200: OrderEligibilityOut, **error_responses(400, 401, 404)},
    operation_id="orderEligibility",
    summary="Can each line of an order be returned, and why",
    description="Runs the portal's decision as of any instant: the policy window of the "
    "version each line is pinned to, and the statutory withdrawal period. A seller's token "
    "sees only orders with a line of its seller (another answers 404), and only its lines.",
    url_name="order_eligibility",
)
def eligibility(
    request: HttpRequest,
    reference: Path[OrderReference],
    params: Query[EligibilityParams],
):
    scope = scope_of_token(request.auth)
    orders = scope.filter_orders(Order.objects.filter(reference=reference))
    order = orders_for_decisions(orders).first()
    if order is None:
        raise ApiError(404, _("No order has this reference."))
    own = {line.reference for line in order.lines.all() if scope.allows(line.seller_id)}
    opened = params.opened_lines()
    unknown = sorted(opened - own)
    if unknown:
        raise ApiError(
            400,
            code=ErrorCode.UNKNOWN,
            errors={
                "opened": [
                    _("This order has no line with the reference %(reference)s.")
                    % {"reference": ref}
                    for ref in unknown[:MAX_UNKNOWN_REPORTED]
                ]
            },
        )
    at = params.at or timezone.now()
    decisions = decide_order(order, at, Declarations.of(opened))
    return {
        "order": order.reference,
        "market": order.market,
        "at": at.isoformat(),
        "lang": params.lang,
        "opened": sorted(opened),
        "lines": [
            decision_data(line, decision) for line, decision in decisions if line.reference in own
        ],
    }
