"""Every state change of a return, one action each.

Each action checks its actor (`actors.check`: the owning buyer, staff with the
"change" permission, or the system), runs in a transaction, locks the return
(`select_for_update`), checks the transition table, appends a `ReturnEvent`,
writes Wagtail's audit log (`audit.record`) and the buyer's notification to the
outbox, all in the same transaction. Views, the admin, the API and Celery tasks
call these; nothing else assigns `ReturnRequest.status`.

    requested → approved | rejected | cancelled
    approved  → in_transit | received | cancelled | expired
    in_transit → received → inspected → resolved → closed
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import actors, audit, notifications
from .models import ActorKind, ReturnEvent, ReturnKind, ReturnRequest, ReturnStatus
from .refunds import booking
from .refunds.estimate import money

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


# Who may take each action (actors.check): the buyer's own moves, staff's work on
# the parcel, and what the system does by itself (confirm's approval, beat).
BUYER, STAFF, SYSTEM = ActorKind.BUYER, ActorKind.STAFF, ActorKind.SYSTEM
# The audit log's verb of each transition (audit.LOG_ACTIONS).
VERBS = {
    S.APPROVED: "approve",
    S.REJECTED: "reject",
    S.CANCELLED: "cancel",
    S.IN_TRANSIT: "in_transit",
    S.RECEIVED: "receive",
    S.INSPECTED: "inspect",
    S.RESOLVED: "resolve",
    S.CLOSED: "close",
    S.EXPIRED: "expire",
}


def _transition(
    return_request: ReturnRequest,
    to: str,
    *,
    actor=None,
    actor_kind: str | None,
    person: str = STAFF,
    may: Collection[str],
    note: str = "",
    at: datetime | None = None,
    apply: Callable[[ReturnRequest], str | None] | None = None,
    notify: bool = True,
    held: bool = False,
) -> ReturnRequest:
    """The one way a return changes status. `may`: the kinds of actor allowed.
    Without `actor_kind`, no actor is the system and a user is a `person` (the
    kind the action usually comes from). `apply` changes the locked row and may
    return the audit log's note (else `note`).

    `held`: the caller's transaction already holds the row (it created it), so the
    instance is current and is changed in place, without reading it again."""
    if actor_kind is None:
        actor_kind = SYSTEM if actor is None else person
    actors.check(return_request, actor, actor_kind, may)
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
        before = locked.status
        event = ReturnEvent(
            return_request=locked,
            from_status=before,
            to_status=to,
            at=at,
            actor=actor,
            actor_kind=actor_kind,
            note=note,
        )
        locked.status = to
        logged_note = (apply(locked) if apply is not None else None) or note
        locked.save()
        event.save()
        audit.record(locked, VERBS[to], user=actor, at=at, before=before, note=logged_note)
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
    actor_kind=None,
    at=None,
    ship_by=None,
    note="",
    notify=True,
    held=False,
):
    """Staff accept the request, or the system does at once when the confirm or the
    withdrawal button re-checked it. The buyer has until `ship_by` to send it."""
    at = at or timezone.now()

    def apply(r: ReturnRequest) -> None:
        r.ship_by = ship_by or r.ship_by or at + timedelta(days=14)

    return _transition(
        return_request,
        S.APPROVED,
        actor=actor,
        actor_kind=actor_kind,
        may=(STAFF, SYSTEM),
        at=at,
        note=note,
        apply=apply,
        notify=notify,
        held=held,
    )


def reject(return_request, *, actor, note: str, at=None):
    if not note.strip():
        raise ValueError(_("A rejection states its reason."))
    return _transition(
        return_request, S.REJECTED, actor=actor, actor_kind=STAFF, may=(STAFF,), note=note, at=at
    )


def cancel(return_request, *, actor, at=None):
    """The buyer changes their mind: allowed until the parcel is on its way."""
    return _transition(
        return_request, S.CANCELLED, actor=actor, actor_kind=BUYER, may=(BUYER,), at=at
    )


def mark_in_transit(return_request, *, actor=None, actor_kind=None, tracking="", at=None):
    """The parcel left: the buyer gives their own carrier's tracking number, staff
    mark it, or the carrier's scan does (the system)."""
    tracking = tracking.strip()[:64]

    def apply(r: ReturnRequest) -> str:
        if tracking:
            r.carrier_tracking = tracking
        return tracking

    return _transition(
        return_request,
        S.IN_TRANSIT,
        actor=actor,
        actor_kind=actor_kind,
        may=(BUYER, STAFF, SYSTEM),
        at=at,
        apply=apply,
    )


def receive(return_request, *, actor, at=None):
    """The parcel arrived. A return outside the statutory period gets its refund
    clock now (the policy's refund days); a withdrawal's already runs."""
    at = at or timezone.now()

    def apply(r: ReturnRequest) -> None:
        if r.refund_due_by is None:
            days = r.lines.first().order_line.pin.version.rules.refund_days
            r.refund_due_by = at + timedelta(days=days)

    return _transition(
        return_request, S.RECEIVED, actor=actor, actor_kind=STAFF, may=(STAFF,), at=at, apply=apply
    )


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

    return _transition(
        return_request, S.INSPECTED, actor=actor, actor_kind=STAFF, may=(STAFF,), at=at, apply=apply
    )


def resolve(return_request, *, actor, at=None):
    """Settle the return: book the refund (or store credit) and queue its payout
    after commit (refunds.booking). The audit log's note is the amount booked."""

    def apply(r: ReturnRequest) -> str:
        refund = booking.book(r)
        return f"{refund.amount} {refund.currency}" if refund else ""

    return _transition(
        return_request, S.RESOLVED, actor=actor, actor_kind=STAFF, may=(STAFF,), at=at, apply=apply
    )


def close(return_request, *, actor=None, actor_kind=None, at=None):
    """Staff close a settled return, or the system does once nothing is left open."""
    return _transition(
        return_request, S.CLOSED, actor=actor, actor_kind=actor_kind, may=(STAFF, SYSTEM), at=at
    )


def expire(return_request, *, at=None):
    """Nothing was sent by the ship-by date (beat: `expire_overdue`)."""
    return _transition(return_request, S.EXPIRED, actor_kind=SYSTEM, may=(SYSTEM,), at=at)


def expire_overdue(now: datetime) -> int:
    """Beat: expire the approved returns not sent by their ship-by date; how many."""
    expired = 0
    for return_request in ReturnRequest.objects.filter(
        # A withdrawal stays valid if the goods come late (the buyer answers for the
        # delay, the right is not lost), so only ordinary returns expire.
        kind=ReturnKind.RETURN,
        status=S.APPROVED,
        ship_by__lt=now,
    ).only("pk", "status", "buyer_id"):
        try:
            expire(return_request, at=now)
            expired += 1
        except TransitionError:
            continue  # moved on meanwhile
    return expired
