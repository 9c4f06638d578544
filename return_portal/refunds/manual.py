"""Staff (or an integration) refund an amount of a return by hand: what the
settlement did not pay (a deduction given back after a complaint, a lost parcel
found to be the carrier's fault), to the order's means of payment.

It pays back the return's lines, each no more than what remains of its
returned units' price (what this return's refunds paid on it is taken off) nor
of the order line's, and never more than remains of the payments: beyond that,
`RefundTooLarge` with what remains. One action: it checks the actor (step
SETTLE, with the amount: the operator settles above the marketplace's limit),
locks the return, then the order, its payments and its lines (booking), books
the refunds split across the payments, records the event and the audit entry,
and emails the buyer, in one transaction. Idempotent by `key`: the same key
again gives the same refund(s) and books nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.api.text import control_message, has_control_characters

from .. import lifecycle, notifications
from ..actors import Step
from ..models import (
    RELEASED_STATUSES,
    ActorKind,
    Refund,
    RefundKind,
    RefundLine,
    ReturnRequest,
    ReturnStatus,
)
from . import booking
from .estimate import CENT

MANUAL_REFUND = "refund_manual"  # the event and the audit verb
REFUND_EMAIL = "refund"  # the buyer's email (email/refund.txt)
REASON_MAX_LENGTH = 500
ZERO = Decimal("0.00")


class RefundInputError(ValueError):
    """The refund cannot be made as asked; `field` names the input ("amount", "reason")."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


class Replayed(Exception):
    """The key was used already: these are its refunds."""

    def __init__(self, refunds: list[Refund]):
        self.refunds = refunds


def checked_amount(amount) -> Decimal:
    try:
        amount = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        message = _("Enter the amount as a number, such as 12.50.")
        raise RefundInputError(message, "amount") from None
    if not amount.is_finite() or amount <= 0:
        raise RefundInputError(_("Enter an amount above zero."), "amount")
    if amount != amount.quantize(CENT):
        raise RefundInputError(_("Enter the amount with at most two decimals."), "amount")
    return amount


def checked_reason(reason) -> str:
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if has_control_characters(reason):
        raise RefundInputError(str(control_message()), "reason")
    if not reason:
        raise RefundInputError(_("Say why: the buyer reads it."), "reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise RefundInputError(
            _("Keep the reason under %(count)d characters.") % {"count": REASON_MAX_LENGTH},
            "reason",
        )
    return reason


def key_base(kind: str, scope: str, key: str) -> str:
    """The refunds' idempotency key prefix for a caller's `key` (any length)."""
    key = (key or "").strip()
    if not key:
        raise RefundInputError(_("This form has expired. Reload the page."), "key")
    digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()[:40]
    return f"{kind}:{digest}"


def replayed(base: str) -> list[Refund]:
    return list(Refund.objects.filter(idempotency_key__startswith=base + ":").order_by("pk"))


def refundable_lines(return_request: ReturnRequest, locked: booking.LockedOrder) -> dict:
    """Per order line of the return: what can still be paid back on it."""
    paid_here = dict(
        RefundLine.objects.filter(refund__return_request=return_request)
        .values_list("order_line_id")
        .annotate(paid=Sum("amount"))
    )
    left = {}
    for line in return_request.lines.order_by("pk"):
        order_line = locked.lines[line.order_line_id]
        own = order_line.unit_price * line.quantity - paid_here.get(line.order_line_id, ZERO)
        whole = order_line.unit_price * order_line.quantity - order_line.refunded_amount
        left[order_line.pk] = max(ZERO, min(own, whole))
    return left


def _remaining(locked: booking.LockedOrder, lines: Mapping[int, Decimal]) -> Decimal:
    return min(locked.payments_left, sum(lines.values(), ZERO))


def remaining_for(return_request: ReturnRequest) -> Decimal:
    """What a manual refund of the return may still pay (read without locks: the
    staff form's hint; the action checks again under its locks)."""
    read = booking.lock_order(return_request.order_id, lock=False)
    return max(ZERO, _remaining(read, refundable_lines(return_request, read)))


def refund_return(
    return_request: ReturnRequest,
    amount,
    reason: str,
    *,
    actor,
    actor_kind: str | None = None,
    key: str,
    at: datetime | None = None,
) -> list[Refund]:
    """Refund `amount` of the return for `reason` (the buyer reads it). Raises
    RefundInputError (an input's problem), RefundTooLarge (beyond what remains),
    ActionDenied, TransitionError... nothing is written then. `at`: when it was
    decided (default now), the event's instant and the refunds' created_at; the
    caller checks it under the return's lock (api.occurred.locked_instant)."""
    amount = checked_amount(amount)
    reason = checked_reason(reason)
    base = key_base("manual", str(return_request.pk), key)
    if return_request.status in (*RELEASED_STATUSES, ReturnStatus.REQUESTED):
        raise RefundInputError(_("Only an accepted return is refunded."))
    done = replayed(base)
    if done:
        return done
    booked: list[Refund] = []

    def apply(locked_return: ReturnRequest) -> str:
        again = replayed(base)
        if again:  # the same key, committed while this one waited for the lock
            raise Replayed(again)
        locked = booking.lock_order(locked_return.order_id, return_request=locked_return)
        lines = refundable_lines(locked_return, locked)
        remaining = _remaining(locked, lines)
        if amount > remaining:
            raise locked.too_large(remaining)
        shares = booking.split(amount, booking.within(amount, lines), locked.payments)
        booked.extend(
            booking.book_shares(
                locked,
                shares,
                key=base,
                kind=RefundKind.MANUAL,
                return_request=locked_return,
                actor=actor,
                reason=reason,
                at=at,
            )
        )
        notifications.queue(locked_return, REFUND_EMAIL, refunds=booked, reason=reason)
        return f"{amount} {locked_return.currency}: {reason}"

    try:
        with transaction.atomic():
            lifecycle.record_event(
                return_request,
                MANUAL_REFUND,
                actor=actor,
                actor_kind=actor_kind or ActorKind.STAFF,
                may=(ActorKind.STAFF,),
                step=Step.SETTLE,
                amount=amount,
                at=at,
                apply=apply,
            )
    except Replayed as replay:
        return replay.refunds
    return booked
