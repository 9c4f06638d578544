"""A small, hand-checkable world for the KPI tests: two sellers, two
categories, a handful of orders and returns with known times and amounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from return_portal.models import (
    ActorKind,
    Refund,
    RefundKind,
    RefundStatus,
    ReturnEvent,
    ReturnReason,
    ReturnStatus,
    UnitInspection,
)
from tests.marketplace.factories import (
    CategoryFactory,
    OrderFactory,
    OrderLineFactory,
    SellerFactory,
)
from tests.return_portal.factories import ReturnLineFactory

PARIS = ZoneInfo("Europe/Paris")
DAY = dt.date(2026, 3, 2)
# 10:00 in Paris on DAY.
MORNING = dt.datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
HOUR = dt.timedelta(hours=1)


def reason(code: str) -> ReturnReason:
    return ReturnReason.objects.get(code=code, locale__language_code="en")


def sell(seller, category, sku, quantity, price, at=MORNING, market="FR"):
    order = OrderFactory(placed_at=at, market=market)
    return OrderLineFactory(
        order=order,
        seller=seller,
        category=category,
        sku=sku,
        quantity=quantity,
        unit_price=Decimal(price),
    )


def request_return(
    line,
    quantity,
    reason_code,
    *,
    at=MORNING,
    status=ReturnStatus.REQUESTED,
    resolution="refund",
    **fields,
):
    returned = ReturnLineFactory(
        order_line=line,
        quantity=quantity,
        return_request__status=status,
        return_request__reason=reason(reason_code),
        return_request__reason_is_defect=reason(reason_code).is_defect,
        return_request__resolution=resolution,
        **{f"return_request__{name}": value for name, value in fields.items()},
    )
    request = returned.return_request
    type(request).objects.filter(pk=request.pk).update(created_at=at)
    request.refresh_from_db()
    return returned


def event(request, to_status, at, code=""):
    return ReturnEvent.objects.create(
        return_request=request,
        from_status="",
        to_status=to_status,
        at=at,
        actor_kind=ActorKind.SYSTEM,
        code=code,
    )


def refund(
    request,
    amount,
    *,
    due_by,
    paid_at,
    resolution="refund",
    surcharge="0.00",
    kind=RefundKind.SETTLEMENT,
):
    return Refund.objects.create(
        order=request.order,
        return_request=request,
        kind=kind,
        amount=Decimal(amount),
        surcharge=Decimal(surcharge),
        currency=request.currency,
        resolution=resolution,
        status=RefundStatus.SUCCEEDED if paid_at else RefundStatus.PENDING,
        idempotency_key=f"k-{request.pk}-{amount}-{kind}",
        due_by=due_by,
        completed_at=paid_at,
    )


def inspect(return_line, unit, outcome, *, failed=(), deduction="0.00", earnings="10.00"):
    checks = {
        code: {"passed": code not in failed, "note": ""}
        for code in ("visual", "packaging", "accessories", "functional", "as_described")
    }
    return UnitInspection.objects.create(
        return_line=return_line,
        unit=unit,
        checks=checks,
        outcome=outcome,
        earnings=Decimal("0.00") if outcome == "refused" else Decimal(earnings),
        deduction=Decimal(deduction),
        deduction_reason="Scuffed" if Decimal(deduction) else "",
        justification="Not the item sold" if outcome == "refused" else "",
        disposition="return_to_buyer" if outcome == "refused" else "",
        inspected_at=MORNING + 48 * HOUR,
    )


def two_sellers():
    shoes = CategoryFactory(code="shoes")
    coats = CategoryFactory(code="coats")
    return SellerFactory(reference="maison-a"), SellerFactory(reference="maison-b"), shoes, coats
