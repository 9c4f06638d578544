"""Every state change of a return, one function each.

Each runs in a transaction, locks the return (`select_for_update`), checks the
transition table, appends a `ReturnEvent` and writes the buyer's notification to
the outbox in the same transaction. Views, the admin, the API and Celery tasks
call these; nothing else assigns `ReturnRequest.status`.

    requested → approved | rejected | cancelled
    approved  → in_transit | received | cancelled | expired
    in_transit → received → inspected → resolved → closed
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import Order

from . import notifications
from .models import (
    ActorKind,
    Refund,
    RefundStatus,
    ReturnEvent,
    ReturnRequest,
    ReturnStatus,
)
from .refunds import money

S = ReturnStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.IN_TRANSIT, S.RECEIVED, S.CANCELLED, S.EXPIRED}),
    S.IN_TRANSIT: frozenset({S.RECEIVED}),
    S.RECEIVED: frozenset({S.INSPECTED}),
    S.INSPECTED: frozenset({S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED}),
}


class TransitionError(Exception):
    """The return cannot move to that state from where it is."""

    def __init__(self, return_request: ReturnRequest, to: str):
        self.current = return_request.status
        self.to = to
        super().__init__(
            _("A return that is %(current)s cannot become %(to)s.")
            % {"current": S(self.current).label, "to": S(to).label}
        )


def allowed(return_request: ReturnRequest, to: str) -> bool:
    return to in TRANSITIONS.get(return_request.status, frozenset())


def _transition(
    return_request: ReturnRequest,
    to: str,
    *,
    actor=None,
    actor_kind: str = ActorKind.STAFF,
    note: str = "",
    at: datetime | None = None,
    apply: Callable[[ReturnRequest], None] | None = None,
    notify: bool = True,
    held: bool = False,
) -> ReturnRequest:
    """`held`: the caller's transaction already holds the row (it created it), so the
    instance is current and is changed in place, without reading it again."""
    at = at or timezone.now()
    if held and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("held=True needs the transaction that holds the row")
    with transaction.atomic(savepoint=not held):
        # The buyer and the order come with the row (the notification needs them);
        # only the return's row is locked.
        locked = (
            return_request
            if held
            else ReturnRequest.objects.select_for_update(of=("self",))
            .select_related("buyer", "order")
            .get(pk=return_request.pk)
        )
        if not allowed(locked, to):
            raise TransitionError(locked, to)
        event = ReturnEvent(
            return_request=locked,
            from_status=locked.status,
            to_status=to,
            at=at,
            actor=actor,
            actor_kind=actor_kind,
            note=note,
        )
        locked.status = to
        if apply is not None:
            apply(locked)
        locked.save()
        event.save()
        if notify:
            # The buyer reads the note too (a rejection's reason, the staff's remark).
            notifications.queue(locked, to, note=note)
    # The caller's object follows the database.
    for name in ("status", "ship_by", "refund_due_by", "carrier_tracking", "updated_at"):
        setattr(return_request, name, getattr(locked, name))
    return locked


def approve(
    return_request,
    *,
    actor=None,
    actor_kind=ActorKind.STAFF,
    at=None,
    ship_by=None,
    note="",
    notify=True,
    held=False,
):
    at = at or timezone.now()

    def apply(r: ReturnRequest) -> None:
        r.ship_by = ship_by or r.ship_by or at + timedelta(days=14)

    return _transition(
        return_request,
        S.APPROVED,
        actor=actor,
        actor_kind=actor_kind,
        at=at,
        note=note,
        apply=apply,
        notify=notify,
        held=held,
    )


def reject(return_request, *, actor, note: str, at=None):
    if not note.strip():
        raise ValueError(_("A rejection states its reason."))
    return _transition(return_request, S.REJECTED, actor=actor, note=note, at=at)


def cancel(return_request, *, actor, actor_kind=ActorKind.BUYER, at=None):
    """The buyer changes their mind: allowed until the parcel is on its way."""
    return _transition(return_request, S.CANCELLED, actor=actor, actor_kind=actor_kind, at=at)


def mark_in_transit(
    return_request, *, actor=None, actor_kind=ActorKind.SYSTEM, tracking="", at=None
):
    def apply(r: ReturnRequest) -> None:
        if tracking:
            r.carrier_tracking = tracking[:64]

    return _transition(
        return_request, S.IN_TRANSIT, actor=actor, actor_kind=actor_kind, at=at, apply=apply
    )


def receive(return_request, *, actor, at=None):
    """The parcel arrived. A return outside the statutory period gets its refund
    clock now (the policy's refund days); a withdrawal's already runs."""
    at = at or timezone.now()

    def apply(r: ReturnRequest) -> None:
        if r.refund_due_by is None:
            days = r.lines.first().order_line.policy_version.rules.refund_days
            r.refund_due_by = at + timedelta(days=days)

    return _transition(return_request, S.RECEIVED, actor=actor, at=at, apply=apply)


@dataclass(frozen=True)
class LineInspection:
    received: int
    damaged: int = 0
    deduction: Decimal = Decimal("0")
    deduction_reason: str = ""


def inspect(return_request, results: Mapping[int, LineInspection], *, actor, at=None):
    """Record each line's inspection (keyed by ReturnLine pk). A deduction states its
    reason (loss of value from handling: Art. 14(2); L221-23)."""

    def apply(r: ReturnRequest) -> None:
        lines = {line.pk: line for line in r.lines.all()}
        if set(results) != set(lines):
            raise ValueError(_("Inspect every line of the return."))
        for pk, result in results.items():
            line = lines[pk]
            if not 0 <= result.damaged <= result.received <= line.quantity:
                raise ValueError(_("Received and damaged quantities do not add up."))
            if result.deduction < 0 or (result.deduction and not result.deduction_reason.strip()):
                raise ValueError(_("A deduction is positive and states its reason."))
            line.received_quantity = result.received
            line.damaged_quantity = result.damaged
            line.deduction = money(result.deduction)
            line.deduction_reason = result.deduction_reason.strip()
            line.save()

    return _transition(return_request, S.INSPECTED, actor=actor, at=at, apply=apply)


def final_amount(return_request: ReturnRequest) -> Decimal:
    """The confirmed estimate, pro rata of the units received, less deductions;
    never below zero."""
    total = Decimal(return_request.estimated_total)
    lines = list(return_request.lines.select_related("order_line"))
    value = sum((line.order_line.unit_price * line.quantity for line in lines), Decimal("0"))
    missing = sum(
        (
            line.order_line.unit_price * (line.quantity - (line.received_quantity or 0))
            for line in lines
            if line.received_quantity is not None
        ),
        Decimal("0"),
    )
    deductions = sum((line.deduction for line in lines), Decimal("0"))
    if value and missing:
        total -= min(total, missing)
    return max(Decimal("0.00"), money(total - deductions))


def payable_amount(return_request: ReturnRequest, order: Order | None = None) -> Decimal:
    """What resolving books now: the final amount, and for a refund to the means of
    payment no more than what remains of the order's payment. Another return of the
    order may have been refunded since this one's estimate was capped."""
    amount = final_amount(return_request)
    if return_request.resolution != "refund":
        return amount
    order = order or Order.objects.only("payment_amount", "refunded_amount").get(
        pk=return_request.order_id
    )
    return max(Decimal("0.00"), min(amount, order.payment_amount - order.refunded_amount))


def resolve(return_request, *, actor, at=None):
    """Settle the return: book the refund (or store credit) and queue its payment.

    The order's refunded amount rises in this transaction; the database refuses
    a refund beyond what was paid. The payment itself runs in a Celery task with
    the refund's idempotency key (tasks.execute_refund)."""
    from .payments import schedule_refund

    def apply(r: ReturnRequest) -> None:
        if r.resolution == "exchange":
            return
        # Under the order's lock, so two returns of one order resolved at once
        # cannot both take what remains of the payment.
        order = (
            Order.objects.select_for_update()
            .only("payment_amount", "refunded_amount")
            .get(pk=r.order_id)
        )
        amount = payable_amount(r, order)
        if amount <= 0:
            return
        refund, created = Refund.objects.get_or_create(
            idempotency_key=f"refund:{r.rma}",
            defaults={
                "return_request": r,
                "amount": amount,
                "currency": r.currency,
                "resolution": r.resolution,
                "status": RefundStatus.PENDING,
            },
        )
        if created and r.resolution == "refund":
            Order.objects.filter(pk=r.order_id).update(
                refunded_amount=F("refunded_amount") + amount
            )
        if created:
            schedule_refund(refund)

    return _transition(return_request, S.RESOLVED, actor=actor, at=at, apply=apply)


def close(return_request, *, actor=None, actor_kind=ActorKind.SYSTEM, at=None):
    return _transition(return_request, S.CLOSED, actor=actor, actor_kind=actor_kind, at=at)


def expire(return_request, *, at=None):
    """Nothing was sent by the ship-by date (beat: tasks.expire_overdue_returns)."""
    return _transition(return_request, S.EXPIRED, actor_kind=ActorKind.SYSTEM, at=at)
