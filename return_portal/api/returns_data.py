"""The returns API's answers, built from the rows (returns_schemas.py documents
them), and the querysets that read those rows in a constant number of queries."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .. import rejection
from ..models import Exchange, Refund, ReturnEvent, ReturnLine, ReturnRequest, ReturnStatus
from ..models.inspection import UnitInspection
from ..refunds import clock


def _iso(instant: datetime | None) -> str | None:
    return instant.astimezone(UTC).isoformat() if instant else None


def money(amount: Decimal | None, currency: str) -> str | None:
    """An amount as the API writes it: a decimal string with the currency's own
    decimals ("0.00" in EUR, "1200" in JPY), whether the row was read from the
    database or just built (a new refund's default surcharge is Decimal(0)). The
    one place every answer's amounts go through."""
    if amount is None:
        return None
    places = min(2, get_currency_precision(currency)) if currency else 2
    return str(Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def summaries() -> QuerySet[ReturnRequest]:
    """Returns with what a summary shows (order, seller) in one query."""
    return ReturnRequest.objects.select_related("order", "seller").only(
        "rma",
        "kind",
        "status",
        "currency",
        "estimated_total",
        "settled_total",
        "refund_due_by",
        "created_at",
        "updated_at",
        "order__reference",
        "seller__reference",
        "seller__name",
    )


def details() -> QuerySet[ReturnRequest]:
    """Returns with everything the detail shows, in a constant number of queries."""
    units = UnitInspection.objects.order_by("unit")
    lines = (
        ReturnLine.objects.select_related("order_line")
        .prefetch_related(Prefetch("unit_inspections", queryset=units))
        .order_by("order_line__position", "pk")
    )
    refunds = Refund.objects.select_related("payment").order_by("created_at", "pk")
    return ReturnRequest.objects.select_related(
        "order", "seller", "reason", "exchange"
    ).prefetch_related(
        Prefetch("lines", queryset=lines),
        Prefetch("events", queryset=ReturnEvent.objects.order_by("at", "pk")),
        Prefetch("refunds", queryset=refunds),
    )


def summary_data(r: ReturnRequest) -> dict:
    seller = r.seller
    return {
        "rma": r.rma,
        "kind": r.kind,
        "status": r.status,
        "order": r.order.reference,
        "seller": {"reference": seller.reference, "name": seller.name} if seller else None,
        "currency": r.currency,
        "estimated_total": money(r.estimated_total, r.currency),
        "settled_total": money(r.settled_total, r.currency),
        "refund_due_by": _iso(r.refund_due_by),
        "created_at": _iso(r.created_at),
        "updated_at": _iso(r.updated_at),
    }


def unit_data(unit: UnitInspection, currency: str) -> dict:
    return {
        "unit": unit.unit,
        "outcome": unit.outcome,
        "checks": unit.checks,
        "earnings": money(unit.earnings, currency),
        "deduction": money(unit.deduction, currency),
        "deduction_reason": unit.deduction_reason,
        "justification": unit.justification,
        "disposition": unit.disposition,
        "inspected_at": _iso(unit.inspected_at),
    }


def line_data(line: ReturnLine, currency: str) -> dict:
    order_line = line.order_line
    received = line.received_quantity
    accounted = (received or 0) + line.lost_quantity + line.wrong_item_quantity
    units = [unit_data(unit, currency) for unit in line.unit_inspections.all()]
    return {
        "reference": order_line.reference,
        "sku": order_line.sku,
        "title": order_line.title,
        "unit_price": money(order_line.unit_price, currency),
        "requested": line.quantity,
        "received": received,
        "lost": line.lost_quantity,
        "wrong_item": line.wrong_item_quantity,
        "short": line.short_quantity,
        "outstanding": max(0, line.quantity - accounted - line.short_quantity),
        "inspected": len(units),
        "units": units,
    }


def event_data(event: ReturnEvent) -> dict:
    return {
        "at": _iso(event.at),
        "from_status": event.from_status or None,
        "to_status": event.to_status,
        "code": event.code or None,
        "actor": event.actor_kind,
        "note": event.note,
    }


def refund_data(refund: Refund, market: str) -> dict:
    paid_at = refund.completed_at
    return {
        "kind": refund.kind,
        "status": refund.status,
        "amount": money(refund.amount, refund.currency),
        "surcharge": money(refund.surcharge, refund.currency),
        "currency": refund.currency,
        "reason": refund.reason,
        "paid_to": refund.payment.method if refund.payment else None,
        "paid_externally": refund.paid_externally,
        "due_by": _iso(refund.due_by),
        "paid_at": _iso(paid_at),
        "days_late": clock.days_late(refund.due_by, paid_at, market=market) if paid_at else None,
        "created_at": _iso(refund.created_at),
    }


def exchange_data(r: ReturnRequest) -> dict | None:
    """The return's exchange (read with it by `details`), or None."""
    try:
        ex: Exchange = r.exchange
    except ObjectDoesNotExist:
        return None
    currency = ex.currency
    lines = [
        {
            "line": line.order_line.reference,
            "quantity": line.quantity,
            "from": {"sku": line.order_line.sku, "title": line.order_line.title},
            "to": {
                "sku": line.exchange_sku,
                "title": line.exchange_title,
                "attributes": line.exchange_attributes,
                "unit_price": money(line.exchange_unit_price, currency),
            },
        }
        for line in r.lines.all()
        if line.exchange_sku
    ]
    replacement = (
        {
            "order_reference": ex.replacement_order_reference,
            "carrier": ex.replacement_carrier,
            "tracking": ex.replacement_tracking,
            "shipped_at": _iso(ex.shipped_at),
        }
        if ex.replacement_order_reference
        else None
    )
    return {
        "status": ex.status,
        "instant": ex.instant,
        "lines": lines,
        "returned_total": money(ex.returned_total, currency),
        "replacement_total": money(ex.replacement_total, currency),
        "shipping_cost": money(ex.shipping_cost, currency),
        "balance": money(ex.balance, currency),
        "currency": currency,
        "settle_by": ex.settle_by,
        "replacement": replacement,
    }


def detail_data(r: ReturnRequest) -> dict:
    """The whole return, as GET /returns/{rma} answers it."""
    rejected = (
        {
            "code": r.rejection_code,
            "label": rejection.reason_label(r.rejection_code),
            "note": r.rejection_note,
        }
        if r.status == ReturnStatus.REJECTED
        else None
    )
    market = r.order.market
    return {
        **summary_data(r),
        "status_label": str(ReturnStatus(r.status).label),
        "buyer_email": r.order.buyer_email,
        "reason": r.reason.code if r.reason else None,
        "condition": r.condition,
        "comment": r.comment,
        "resolution": r.resolution,
        "shipping_method": r.shipping_method,
        "shipping_cost": money(r.shipping_cost, r.currency),
        "kept": r.kept,
        "keep_it_clause": r.keep_it_clause,
        "statutory": r.statutory,
        "notice_at": _iso(r.notice_at),
        "ship_by": _iso(r.ship_by),
        "approval_due_by": _iso(r.approval_due_by),
        "goods_or_proof_at": _iso(r.goods_or_proof_at),
        "refund_withheld": clock.is_withheld(r, timezone.now()),
        "tracking": r.carrier_tracking,
        "rejection": rejected,
        "settlement": r.settlement or {},
        "settled_at": _iso(r.settled_at),
        "exchange": exchange_data(r),
        "lines": [line_data(line, r.currency) for line in r.lines.all()],
        "events": [event_data(event) for event in r.events.all()],
        "refunds": [refund_data(refund, market) for refund in r.refunds.all()],
    }
