"""A year of orders and returns, written straight into the tables in bulk, so the
KPI dashboard means something at first sight (`make run`) and the bench has
volume (bench/insights_bench.py, with a larger `scale`).

Deterministic for a given seed and day. The returns go through every stage with
realistic delays, refunds (some late, with the French surcharge), inspections
and survey answers; one seller, Atelier Lumière, has far more "arrived damaged"
returns than its category's other seller, so "Needs attention" has something
real to show.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from marketplace.models import Order, OrderLine, OrderPayment, ProductCategory, Seller
from policy_pages.pins import LinePin
from policy_pages.timeline import policy_in_force
from return_portal.models import (
    ActorKind,
    InspectionOutcome,
    Refund,
    RefundKind,
    RefundStatus,
    ReturnEvent,
    ReturnLine,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
    UnitInspection,
)

from .csat_models import CsatSurvey
from .history_plan import CATALOGUE, EXTRA_SELLERS, RESOLUTIONS, outcome_of, stages_of, weighted
from .rebuild import rebuild_range

PREFIX = "HIST-"
S = ReturnStatus
H = dt.timedelta(hours=1)


def seed_demo_history() -> int:
    """The demo's year (`make run`): DEMO_HISTORY_DAYS days, 365 unless set."""
    return seed_history(days=getattr(settings, "DEMO_HISTORY_DAYS", 365))


def already_seeded() -> bool:
    return Order.objects.filter(reference__startswith=PREFIX).exists()


def seed_history(days: int = 365, orders_per_day: int = 24, seed: int = 7, today=None) -> int:
    """Write `days` days of history ending yesterday; returns the orders written."""
    if already_seeded() or not ReturnReason.objects.exists():
        return 0
    today = today or timezone.localdate()
    rng = random.Random(seed)
    sellers = _sellers()
    categories = {
        c.code: c for c in ProductCategory.objects.filter(code__in={p.category for p in CATALOGUE})
    }
    catalogue = [p for p in CATALOGUE if p.seller in sellers and p.category in categories]
    if not catalogue:
        return 0
    reasons = {r.code: r for r in ReturnReason.objects.filter(locale__language_code="en")}
    zone = timezone.get_current_timezone()
    with transaction.atomic():
        orders, lines_of = [], {}
        for offset in range(days, 0, -1):
            day = today - dt.timedelta(days=offset)
            for number in range(orders_per_day + rng.randint(-6, 6)):
                placed = dt.datetime.combine(day, dt.time(8), tzinfo=zone) + dt.timedelta(
                    minutes=rng.randint(0, 13 * 60)
                )
                products = rng.sample(catalogue, k=rng.choice((1, 1, 1, 2)))
                ref = f"{PREFIX}{day:%Y%m%d}-{number:03d}"
                lines_of[ref] = [(p, rng.choice((1, 1, 1, 2))) for p in products]
                total = sum(p.price * q for p, q in lines_of[ref]) + Decimal("4.90")
                orders.append(
                    Order(
                        reference=ref,
                        buyer_email=f"history{rng.randint(1, 4000)}@example.com",
                        market=rng.choice(("FR", "FR", "FR", "DE", "BE")),
                        currency="EUR",
                        placed_at=placed,
                        withdrawal_info_given=True,
                        withdrawal_info_given_at=placed,
                        shipping_standard_amount=Decimal("4.90"),
                        payment_method="card",
                        payment_amount=total,
                        payload_hash=ref,
                    )
                )
        Order.objects.bulk_create(orders, batch_size=500)
        orders = {o.reference: o for o in Order.objects.filter(reference__startswith=PREFIX)}
        OrderPayment.objects.bulk_create(
            [
                OrderPayment(order=o, position=0, method="card", amount=o.payment_amount)
                for o in orders.values()
            ],
            batch_size=500,
        )
        lines = []
        for ref, items in lines_of.items():
            order = orders[ref]
            for position, (product, quantity) in enumerate(items):
                lines.append(
                    OrderLine(
                        order=order,
                        position=position,
                        reference=f"L{position + 1}",
                        seller=sellers[product.seller],
                        seller_is_trader=True,
                        sku=product.sku,
                        title=product.title,
                        category=categories[product.category],
                        quantity=quantity,
                        unit_price=product.price,
                        delivered_at=order.placed_at + dt.timedelta(days=rng.randint(2, 4)),
                    )
                )
        OrderLine.objects.bulk_create(lines, batch_size=500)
        saved = list(
            OrderLine.objects.filter(order__reference__startswith=PREFIX).select_related(
                "order", "seller", "category"
            )
        )
        _pin(saved)
        start_of_today = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
        _returns(rng, saved, catalogue, reasons, start_of_today)
    rebuild_range(today - dt.timedelta(days=days + 1), today)
    return len(orders)


def _sellers() -> dict[str, Seller]:
    for reference, (name, country) in EXTRA_SELLERS.items():
        Seller.objects.get_or_create(
            reference=reference,
            defaults={
                "name": name,
                "is_trader": True,
                "country": country,
                "returns_address": f"{name}, Lichtstraße 4, 10115 Berlin, Germany",
            },
        )
    return {
        s.reference: s for s in Seller.objects.filter(reference__in={p.seller for p in CATALOGUE})
    }


def _pin(lines: list[OrderLine]) -> None:
    """Each line pinned, as intake does, to the version in force when it was bought."""
    versions = {}
    pins = []
    for line in lines:
        key = (line.order.market, line.seller.reference, line.order.placed_at.date())
        if key not in versions:
            versions[key] = policy_in_force(
                line.order.market, line.seller.reference, line.category.code, line.order.placed_at
            )
        if versions[key] is not None:
            pins.append(LinePin(line=line, version=versions[key]))
    LinePin.objects.bulk_create(pins, batch_size=500)


def _returns(rng, lines, catalogue, reasons, now):
    """Returns of the lines, each as far along as `now` allows."""
    by_sku = {p.sku: p for p in catalogue}
    plans = []
    for line in lines:
        product = by_sku[line.sku]
        if rng.random() >= product.return_rate:
            continue
        created = line.delivered_at + dt.timedelta(hours=rng.uniform(12, 24 * 12))
        if created >= now:
            continue
        reason = reasons.get(weighted(rng, product.reasons))
        if reason is None:
            continue
        plans.append((line, created, reason, weighted(rng, dict(RESOLUTIONS))))
    requests = []
    for number, (line, created, reason, resolution) in enumerate(plans):
        roll = rng.random()
        stages = stages_of(rng, created, reason.is_defect)
        reached = [(status, at) for status, at in stages if at < now]
        if roll < 0.03:
            reached = [(S.CANCELLED, created + rng.uniform(1, 20) * H)]
        elif roll < 0.08 and not reason.is_defect:
            reached = [(S.REJECTED, created + rng.uniform(2, 60) * H)]
        reached = [(status, at) for status, at in reached if at < now]
        status = reached[-1][0] if reached else S.REQUESTED
        requests.append(
            (
                ReturnRequest(
                    order=line.order,
                    status=status,
                    idempotency_key=f"history-{line.pk}-{number}",
                    reason=reason,
                    reason_is_defect=reason.is_defect,
                    resolution=resolution,
                    shipping_method="drop_off",
                    currency="EUR",
                    seller=line.seller,
                    approval_due_by=created + 48 * H,
                    refund_due_by=created + dt.timedelta(days=14),
                    notice_at=created,
                ),
                line,
                created,
                reason,
                reached,
            )
        )
    ReturnRequest.objects.bulk_create([r for r, *_ in requests], batch_size=500)
    for request, _line, created, *_ in requests:
        request.created_at = created
    ReturnRequest.objects.bulk_update([r for r, *_ in requests], ["created_at"], batch_size=500)
    returned, events, refunds, units, surveys = [], [], [], [], []
    refunded_by_order: dict[int, Decimal] = {}
    for request, line, created, _reason, reached in requests:
        quantity = rng.randint(1, line.quantity)
        returned.append(ReturnLine(return_request=request, order_line=line, quantity=quantity))
        previous = S.REQUESTED
        events.append(
            ReturnEvent(
                return_request=request,
                from_status="",
                to_status=S.REQUESTED,
                at=created,
                actor_kind=ActorKind.BUYER,
            )
        )
        for status, at in reached:
            events.append(
                ReturnEvent(
                    return_request=request,
                    from_status=previous,
                    to_status=status,
                    at=at,
                    actor_kind=ActorKind.STAFF,
                )
            )
            previous = status
    ReturnLine.objects.bulk_create(returned, batch_size=500)
    ReturnEvent.objects.bulk_create(events, batch_size=1000)
    for (request, line, created, reason, reached), return_line in zip(
        requests, returned, strict=True
    ):
        at = dict(reached)
        if S.INSPECTED not in at:
            continue
        earned = Decimal("0.00")
        for unit in range(1, return_line.quantity + 1):
            outcome, defect_found, share = outcome_of(rng, reason)
            price = line.unit_price if outcome != InspectionOutcome.REFUSED else Decimal("0.00")
            deduction = (price * Decimal(str(share))).quantize(Decimal("0.01"))
            checks = {
                code: {"passed": True, "note": ""}
                for code in ("visual", "packaging", "accessories", "functional", "as_described")
            }
            if defect_found:
                checks["functional"] = {"passed": False, "note": "Fault confirmed"}
            units.append(
                UnitInspection(
                    return_line=return_line,
                    unit=unit,
                    checks=checks,
                    outcome=outcome,
                    earnings=price,
                    deduction=deduction,
                    deduction_reason="Signs of use" if deduction else "",
                    justification="Not in a returnable state"
                    if outcome == InspectionOutcome.REFUSED
                    else "",
                    disposition="return_to_buyer" if outcome == InspectionOutcome.REFUSED else "",
                    inspected_at=at[S.INSPECTED],
                )
            )
            earned += price - deduction
        if S.RESOLVED in at and earned > 0 and request.resolution != "exchange":
            due = created + dt.timedelta(days=14)
            paid = at[S.RESOLVED]
            late = paid > due
            surcharge = (
                (earned * Decimal("0.10")).quantize(Decimal("0.01"))
                if late and line.order.market == "FR"
                else Decimal("0.00")
            )
            paid_total = refunded_by_order.get(line.order_id, Decimal("0.00")) + earned + surcharge
            if paid_total > line.order.payment_amount:
                continue
            refunded_by_order[line.order_id] = paid_total
            refunds.append(
                Refund(
                    order=line.order,
                    return_request=request,
                    kind=RefundKind.SETTLEMENT,
                    amount=earned,
                    surcharge=surcharge,
                    currency="EUR",
                    resolution=request.resolution,
                    status=RefundStatus.SUCCEEDED,
                    idempotency_key=f"history-{request.pk}",
                    due_by=due,
                    completed_at=paid,
                    paid_externally=True,
                )
            )
        if S.RESOLVED in at and rng.random() < 0.45:
            rating = rng.choices(
                (5, 4, 3, 2, 1),
                weights=(5, 3, 1, 1, 1) if reason.is_defect else (6, 3, 1, 0.5, 0.5),
            )[0]
            answered = at[S.RESOLVED] + rng.uniform(4, 90) * H
            if answered < now:
                surveys.append(
                    CsatSurvey(
                        return_request=request,
                        token_hash=f"history{request.pk:056d}",
                        language="fr",
                        sent_at=at[S.RESOLVED],
                        answered_at=answered,
                        rating=rating,
                    )
                )
    UnitInspection.objects.bulk_create(units, batch_size=1000)
    Refund.objects.bulk_create(refunds, batch_size=500)
    CsatSurvey.objects.bulk_create(surveys, batch_size=500)
    _book_refunds(refunded_by_order)


def _book_refunds(refunded_by_order: dict[int, Decimal]) -> None:
    """What the refunds paid back, on the orders and their payments."""
    orders = list(Order.objects.filter(pk__in=refunded_by_order))
    payments = list(OrderPayment.objects.filter(order_id__in=refunded_by_order, position=0))
    for order in orders:
        order.refunded_amount = refunded_by_order[order.pk]
    for payment in payments:
        payment.refunded_amount = refunded_by_order[payment.order_id]
    Order.objects.bulk_update(orders, ["refunded_amount"], batch_size=500)
    OrderPayment.objects.bulk_update(payments, ["refunded_amount"], batch_size=500)
