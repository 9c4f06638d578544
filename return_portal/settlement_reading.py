"""Reading a return for its settlement: `settlement_input` gathers from the
database what the pure `settle` (return_portal.settlement) needs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.db.models import Count, Prefetch

from policy_pages.rules import ShippingMethod

from .inspection_rules import PAID_OUTCOMES
from .models import ReturnLine, ReturnRequest, ReturnStatus, UnitInspection
from .refunds import surcharge
from .refunds.estimate import FigureCode
from .settlement_facts import LineFacts, SettlementInput, UnitFacts
from .settlement_figures import ZERO

__all__ = ["SETTLED", "settlement_input"]

SETTLED = (ReturnStatus.RESOLVED, ReturnStatus.CLOSED)


def settlement_input(
    return_request: ReturnRequest,
    at: datetime | None = None,
    *,
    paid_at: datetime | None = None,
) -> SettlementInput:
    """What `settle` needs, read for a return: its lines with each unit's
    inspection (UnitInspection) and each line's own pinned rules, the order's
    payments, what earlier refunds and settled returns took, the refund's due
    date and the back office's late-surcharge bands. Read it under the booking's
    locks to book it. `at` is when it is decided (kept by the caller with the
    result); `paid_at`, when the refund is paid (None: not yet, no surcharge).

    The return's own amounts follow the first line's pinned policy: the policy
    the return was quoted under (the estimate, steps.quote, takes the first
    line's), so the return-shipping fee is the one the buyer was shown."""
    r = return_request
    order = r.order
    lines = list(
        ReturnLine.objects.filter(return_request_id=r.pk)
        .select_related("order_line__pin__version")
        .prefetch_related(
            Prefetch("unit_inspections", queryset=UnitInspection.objects.order_by("unit"))
        )
        .order_by("pk")
    )
    if not lines:
        raise ValueError("A return without lines has nothing to settle.")
    # The return's amounts: the first line's pinned policy, as the estimate
    # (steps.quote) quoted it; each line's figures: its own (LineFacts.rules).
    rules = lines[0].order_line.pin.version.rules
    order_lines = {ol.pk: ol for ol in order.lines.all()}
    others = ReturnRequest.objects.filter(order_id=order.pk, status__in=SETTLED).exclude(pk=r.pk)
    given_back = dict(
        UnitInspection.objects.filter(
            return_line__return_request__in=others, outcome__in=PAID_OUTCOMES
        )
        .values_list("return_line__order_line_id")
        .annotate(units=Count("pk"))
    )
    # Units another settled return let the buyer keep were given back too, uninspected.
    for order_line_id, units in ReturnLine.objects.filter(
        return_request__in=others.filter(kept=True)
    ).values_list("order_line_id", "quantity"):
        given_back[order_line_id] = given_back.get(order_line_id, 0) + units
    shipping_before = any(
        figure.get("code") == FigureCode.ORIGINAL_SHIPPING
        for stored in others.exclude(settlement={}).values_list("settlement", flat=True)
        for figure in (stored or {}).get("figures", [])
        if isinstance(figure, Mapping)
    )
    payments = order.payments.all()
    method = r.shipping_method
    return SettlementInput(
        rules=rules,
        market=order.market,
        currency=r.currency,
        lines=tuple(_line_facts(line, order_lines[line.order_line_id]) for line in lines),
        resolution=r.resolution,
        statutory=r.statutory,
        defect=r.reason_is_defect,
        shipping=rules.shipping_option(ShippingMethod(method)) if method else None,
        standard_shipping_paid=order.shipping_standard_amount,
        express_surcharge_paid=order.shipping_express_surcharge,
        payments_left=sum((p.amount - p.refunded_amount for p in payments), ZERO),
        order_units={pk: ol.quantity - given_back.get(pk, 0) for pk, ol in order_lines.items()},
        shipping_refunded_before=shipping_before,
        refund_due_by=r.refund_due_by,
        paid_at=paid_at,
        bands=surcharge.rules_of(),
        kept=r.kept,
        kept_clause=r.keep_it_clause,
    )


def _line_facts(line: ReturnLine, order_line) -> LineFacts:
    return LineFacts(
        order_line=order_line.pk,
        title=order_line.title,
        unit_price=order_line.unit_price,
        quantity=line.quantity,
        units=tuple(
            UnitFacts(
                unit=row.unit,
                outcome=row.outcome,
                earnings=row.earnings,
                deduction=row.deduction,
                deduction_reason=row.deduction_reason,
                justification=row.justification,
                disposition=row.disposition,
            )
            for row in line.unit_inspections.all()
        ),
        received=line.received_quantity or 0,
        lost=line.lost_quantity,
        wrong_item=line.wrong_item_quantity,
        short=line.short_quantity,
        refundable_left=order_line.unit_price * order_line.quantity - order_line.refunded_amount,
        rules=line.order_line.pin.version.rules,
    )
