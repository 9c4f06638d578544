"""The refund clock: when a return's refund is due, per market, and how late a
payment was. The one place that knows it: confirm, the withdrawal button, a
notice recorded another way, proof of sending and receiving all call it.

- EU (Directive 2011/83/EU Art. 13(1); C. consom. L221-24): 14 days from being
  informed of the withdrawal (`notice_at`), counted with Reg. 1182/71 (the day
  of the notice not counted, the end of the last day in the market's zone, the
  next working day after a weekend or holiday). The trader may withhold the
  refund until the goods or proof of sending arrive, whichever comes first
  (Art. 13(3)): `goods_or_proof_at`. Arriving after the 14 days, they make the
  refund due at once.
- UK (CCR 2013 reg. 34(6)): 14 days after the day the goods, or proof of
  sending, arrive, whichever is first. The regulations move no end to a working
  day, so neither does this clock.
- Any other return: the pinned policy's `refund_days`, counted like a policy's
  window, from the first receipt of goods.

`owed` is the one rule of "a refund is still owed", which the queue's flags
(support.with_deadlines), its countdown (admin.countdown) and the beat sweep
(refunds.alerts) all read.

`days_late` counts calendar days in the market's zone: a refund due by the end
of Monday and paid on Tuesday at 00:10 in Paris is one day late.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q

from marketplace.markets import is_eu

from ..legal_calendar import local_date, market_timezone, period_end
from ..models import (
    RELEASED_STATUSES,
    Refund,
    RefundKind,
    RefundStatus,
    ReturnEvent,
    ReturnRequest,
    ReturnStatus,
)

# Art. 13(1) / L221-24, and CCR 2013 reg. 34(6): the refund is due within 14 days.
REFUND_DAYS = 14
UK = "GB"


def _end_of_day(day: date, market: str) -> datetime:
    return datetime.combine(day, time.max, tzinfo=market_timezone(market))


def statutory_due_by(
    market: str, notice_at: datetime | None, goods_or_proof_at: datetime | None = None
) -> datetime | None:
    """When a refund under the statutory right is due in `market`; None while its
    clock has not started (a UK refund before the goods or proof arrive)."""
    if market == UK:
        if goods_or_proof_at is None:
            return None
        return _end_of_day(local_date(goods_or_proof_at, market) + timedelta(REFUND_DAYS), market)
    if notice_at is None:
        return None
    due = period_end(local_date(notice_at, market), REFUND_DAYS, market)
    if is_eu(market) and goods_or_proof_at is not None and goods_or_proof_at > due:
        return goods_or_proof_at  # withheld until now: due at once
    return due


def policy_due_by(return_request: ReturnRequest, received_at: datetime) -> datetime:
    """The pinned policy's refund days, from the first receipt of goods."""
    market = return_request.order.market
    days = return_request.lines.first().order_line.pin.version.rules.refund_days
    return period_end(local_date(received_at, market), days, market)


def first_receipt_at(return_request: ReturnRequest) -> datetime | None:
    """When goods of the return first arrived (its receiving events)."""
    received = Q(code="", to_status__in=[ReturnStatus.PARTIALLY_RECEIVED, ReturnStatus.RECEIVED])
    return (
        ReturnEvent.objects.filter(
            received | Q(code="units_received"), return_request=return_request
        )
        .order_by("at", "id")
        .values_list("at", flat=True)
        .first()
    )


def refund_due_by(
    return_request: ReturnRequest, *, received_at: datetime | None = None
) -> datetime | None:
    """When the return's refund is due; None while no clock runs (a return outside
    the statutory right before its goods arrive). `received_at`: the receipt being
    recorded now (its event is not written yet)."""
    market = return_request.order.market
    if return_request.statutory:
        return statutory_due_by(market, return_request.notice_at, return_request.goods_or_proof_at)
    received_at = received_at or first_receipt_at(return_request)
    if received_at is None:
        return None
    return policy_due_by(return_request, received_at)


def is_withheld(return_request: ReturnRequest, now: datetime) -> bool:
    """Whether the trader may still hold the refund back: a statutory refund whose
    goods, or proof of their sending, have not arrived yet (Art. 13(3)). Nothing
    is withheld outside the statutory right: that clock starts at receipt."""
    if not return_request.statutory:
        return False
    arrived = return_request.goods_or_proof_at
    return arrived is None or arrived > now


def withheld(now: datetime) -> Q:
    """`is_withheld` as a query: statutory returns whose goods or proof of sending
    have not arrived by `now`."""
    return Q(statutory=True) & (Q(goods_or_proof_at__isnull=True) | Q(goods_or_proof_at__gt=now))


# A return in these statuses is settled: what it owes is its settlement's refunds.
SETTLED_STATUSES = (ReturnStatus.RESOLVED, ReturnStatus.CLOSED)


def owed() -> Q:
    """The returns whose refund is still owed, as a condition on ReturnRequest:
    not released (rejected, cancelled, expired) nor an exchange, and either not
    settled yet, or settled with a settlement refund not paid yet (pending or
    failed, on any of its means of payment). A goodwill or manual refund does not
    discharge the settlement: a paid €5 gesture leaves an unsettled return owed.
    A return settled without a settlement refund (nothing to pay) owes nothing.

    One Exists per row: it annotates a listing's query without adding queries.
    Whether the trader may still withhold it is apart (`withheld`)."""
    unpaid_settlement = Exists(
        Refund.objects.filter(return_request=OuterRef("pk"), kind=RefundKind.SETTLEMENT).exclude(
            status=RefundStatus.SUCCEEDED
        )
    )
    return (
        ~Q(status__in=RELEASED_STATUSES)
        & ~Q(resolution="exchange")
        & (~Q(status__in=SETTLED_STATUSES) | Q(unpaid_settlement))
    )


def is_owed(return_request: ReturnRequest) -> bool:
    """`owed` for one return: its `refund_owed` annotation when the row carries it
    (support.with_deadlines), else one query."""
    annotated = getattr(return_request, "refund_owed", None)
    if annotated is not None:
        return bool(annotated)
    return ReturnRequest.objects.filter(owed(), pk=return_request.pk).exists()


def days_late(due_by: datetime | None, paid_at: datetime | None, *, market: str = "") -> int:
    """Calendar days from the due date to the payment, in the market's zone (in
    the due date's own zone without a market); 0 when paid in time."""
    if due_by is None or paid_at is None or paid_at <= due_by:
        return 0
    zone = market_timezone(market) if market else due_by.tzinfo
    late = (paid_at.astimezone(zone).date() - due_by.astimezone(zone).date()).days
    return max(late, 0)


def goods_or_proof_arrived(return_request: ReturnRequest, at: datetime, *, received: bool) -> None:
    """Goods (`received`) or proof of their sending arrived at `at`: the first of
    them lifts the withholding and starts the UK clock, and the first receipt
    starts a policy's clock. Changes the row the caller holds locked (inside its
    action's `apply`); the caller saves it."""
    if return_request.goods_or_proof_at is None or at < return_request.goods_or_proof_at:
        return_request.goods_or_proof_at = at
    before = return_request.refund_due_by
    if return_request.statutory:
        return_request.refund_due_by = refund_due_by(return_request)
    elif received and before is None:
        return_request.refund_due_by = refund_due_by(return_request, received_at=at)
    if return_request.refund_due_by != before:
        return_request.refund_alert = ""  # a new due date: the sweep alerts afresh
