"""A refund paid outside the hub (the operator's own payment system), recorded
with the date it was paid.

It is booked like any refund (refunds.booking): split across the order's means
of payment in their order, the return's items first (what remains of each,
refunds.manual) and the rest as shipping, under the order's, its payments' and
its lines' locks, their refunded totals raised in the same transaction (the
database refuses any of them beyond what was paid). It is not paid by the hub:
no payout is queued. Its surcharge (L242-4) is
what it owed when paid: a statutory refund in France paid after its due date.
The buyer is emailed that it was paid (refunds.paid_email), with the surcharge.
Idempotent by `key`: recording it again gives the same refund(s).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import Order, OrderLine, OrderPayment
from policy_pages.rules import Resolution

from .. import lifecycle, settlement_figures
from ..actors import Step
from ..models import (
    RELEASED_STATUSES,
    ActorKind,
    Refund,
    RefundKind,
    RefundLine,
    RefundStatus,
    ReturnRequest,
)
from . import booking, manual, paid_email, surcharge

EVENT = "refund_external"
ZERO = Decimal("0.00")


class ExternalRefundError(ValueError):
    """The external refund cannot be recorded as given; `field` names the input."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


class _Replay(Exception):
    def __init__(self, refunds: list[Refund]):
        self.refunds = refunds


def _checked_amount(amount) -> Decimal:
    try:
        return manual.checked_amount(amount)
    except manual.RefundInputError as error:
        raise ExternalRefundError(str(error), "amount") from None


def _checked_paid_at(return_request: ReturnRequest, paid_at: datetime, now: datetime):
    if paid_at is None or paid_at.tzinfo is None or paid_at.utcoffset() is None:
        message = _("Give the date and time it was paid, with its zone.")
        raise ExternalRefundError(message, "paid_at")
    if paid_at > now:
        raise ExternalRefundError(_("The payment date cannot be in the future."), "paid_at")
    requested = min(filter(None, (return_request.created_at, return_request.notice_at)))
    if paid_at < requested:
        raise ExternalRefundError(
            _("The payment date cannot be before the return was requested."), "paid_at"
        )


def _book(
    locked_return: ReturnRequest, amount: Decimal, base: str, paid_at, actor, reference, reason
):
    """The refunds of `amount`, one per means of payment with its lines (the
    booking's split), written as paid at `paid_at`."""
    locked = booking.lock_order(locked_return.order_id, return_request=locked_return)
    remaining = min(
        locked.payments_left, locked.order.payment_amount - locked.order.refunded_amount
    )
    if amount > remaining:
        raise locked.too_large(remaining)
    # The return's items first; what they cannot take is the shipping.
    lines = booking.within(amount, manual.refundable_lines(locked_return, locked))
    refunds = []
    for number, share in enumerate(booking.split(amount, lines, locked.payments), start=1):
        refund = Refund(
            order=locked.order,
            return_request=locked_return,
            payment=share.payment,
            kind=RefundKind.MANUAL,
            reason=reason[:500],
            amount=share.amount,
            currency=locked.order.currency,
            resolution=Resolution.REFUND,
            status=RefundStatus.SUCCEEDED,
            idempotency_key=f"{base}:{number}",
            provider_reference=reference[:128],
            paid_externally=True,
            due_by=locked_return.refund_due_by,
            created_by=actor,
            completed_at=paid_at,
        )
        refund.surcharge = surcharge.owed_on(refund, paid_at, return_request=locked_return)
        refund.save()
        RefundLine.objects.bulk_create(
            RefundLine(refund=refund, order_line_id=line, amount=part)
            for line, part in share.lines.items()
        )
        for line, part in share.lines.items():
            OrderLine.objects.filter(pk=line).update(refunded_amount=F("refunded_amount") + part)
        OrderPayment.objects.filter(pk=share.payment.pk).update(
            refunded_amount=F("refunded_amount") + share.amount
        )
        refunds.append(refund)
    Order.objects.filter(pk=locked.order.pk).update(refunded_amount=F("refunded_amount") + amount)
    return refunds


def record_external_refund(
    return_request: ReturnRequest,
    amount,
    paid_at: datetime,
    *,
    actor,
    actor_kind: str | None = None,
    key: str,
    reference: str = "",
    reason: str = "",
) -> list[Refund]:
    """Record a refund of the return paid by the operator's own system at
    `paid_at`. Raises ExternalRefundError (a field's problem), RefundTooLarge
    (beyond what remains), ActionDenied; nothing is written then."""
    amount = _checked_amount(amount)
    try:
        base = manual.key_base("external", str(return_request.pk), key)
    except manual.RefundInputError as error:
        raise ExternalRefundError(str(error), "key") from None
    actor_kind = actor_kind or ActorKind.STAFF
    now = timezone.now()
    _checked_paid_at(return_request, paid_at, now)
    if return_request.status in RELEASED_STATUSES:
        raise ExternalRefundError(_("Nothing is refunded on a return that was not accepted."))
    booked: list[Refund] = []

    def apply(locked: ReturnRequest) -> str:
        existing = manual.replayed(base)
        if existing:  # the same key, committed before this one got the lock
            raise _Replay(existing)
        booked.extend(
            _book(locked, amount, base, paid_at, actor, reference.strip(), reason.strip())
        )
        extra = sum((refund.surcharge for refund in booked), ZERO)
        if extra:
            settlement_figures.note_late_surcharge(locked)  # shown to the buyer
        paid_email.queue_paid(booked, return_request=locked)  # the buyer is told
        note = f"{amount} {locked.currency}"
        if extra:
            note += f" + {extra} {locked.currency} (L242-4)"
        return f"{note}, {paid_at.isoformat()}" + (f", {reference.strip()}" if reference else "")

    try:
        lifecycle.record_event(
            return_request,
            EVENT,
            actor=actor,
            actor_kind=actor_kind,
            may=(ActorKind.STAFF,),
            step=Step.SETTLE,
            amount=amount,
            at=paid_at,
            apply=apply,
        )
    except _Replay as replay:
        return replay.refunds
    return booked
