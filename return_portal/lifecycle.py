"""Every state change of a return, one action each.

Each action checks its actor (`actors.check`: the owning buyer, staff with the
"change" permission, or the system), runs in a transaction, locks the return
(`select_for_update`), checks the transition table, appends a `ReturnEvent`,
writes Wagtail's audit log (`audit.record`) and the buyer's notification to the
outbox, all in the same transaction. Views, the admin, the API and Celery tasks
call these; nothing else assigns `ReturnRequest.status`.

    requested → approved | rejected | cancelled
    approved  → in_transit | partially_received | received | cancelled | expired
    approved  → resolved, and only that (or cancelled), when the buyer keeps the items
    in_transit → partially_received | received
    partially_received → received → inspected → resolved → closed

What happens without a change of status (units received, a unit inspected, a
refund paid, an assignment) is `record_event`: the same lock, event, audit log
and outbox, under an event code instead of a new status.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import actors, audit, carriers, notifications, rejection, webhook_events
from .actors import Step
from .exchanges import actions as exchanges
from .legal_calendar import local_date, period_end
from .models import ActorKind, ReturnEvent, ReturnKind, ReturnRequest, ReturnStatus
from .refunds import booking, clock

S = ReturnStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset(
        {S.IN_TRANSIT, S.PARTIALLY_RECEIVED, S.RECEIVED, S.CANCELLED, S.EXPIRED, S.RESOLVED}
    ),
    S.IN_TRANSIT: frozenset({S.PARTIALLY_RECEIVED, S.RECEIVED}),
    S.PARTIALLY_RECEIVED: frozenset({S.RECEIVED}),
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
    if return_request.status == S.APPROVED and (to == S.RESOLVED) != return_request.kept:
        # Only a kept return is resolved without being received, and it is never
        # received, sent or expired: there is nothing to send (keep_it.py).
        return to == S.CANCELLED
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
    S.PARTIALLY_RECEIVED: "receive_part",
    S.RECEIVED: "receive",
    S.INSPECTED: "inspect",
    S.RESOLVED: "resolve",
    S.CLOSED: "close",
    S.EXPIRED: "expire",
}


# The step of the back office each transition belongs to (actors.Step): the
# marketplace decides which of them its sellers' staff may take.
STEPS = {
    S.APPROVED: Step.APPROVE,
    S.REJECTED: Step.APPROVE,
    S.IN_TRANSIT: Step.RECEIVE,
    S.PARTIALLY_RECEIVED: Step.RECEIVE,
    S.RECEIVED: Step.RECEIVE,
    S.INSPECTED: Step.INSPECT,
    S.RESOLVED: Step.SETTLE,
    S.CLOSED: Step.SETTLE,
}


def transition(
    return_request: ReturnRequest,
    to: str,
    *,
    actor=None,
    actor_kind: str | None,
    person: str = STAFF,
    may: Collection[str],
    step: Step | None = None,
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
    instance is current and is changed in place, without reading it again.
    `step`: the back-office step (STEPS[to] unless given)."""
    if actor_kind is None:
        actor_kind = SYSTEM if actor is None else person
    actors.check(return_request, actor, actor_kind, may, step=step or STEPS.get(to))
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
        exchanges.status_changed(locked, to, at)  # pay, request, release, give back
        if notify:
            # The buyer reads the note too (a rejection's reason, the staff's remark).
            notifications.queue(locked, to, note=note)
        webhook_events.status_changed(locked, to)
    # The caller's object follows the database.
    for name in (
        "status",
        "ship_by",
        "refund_due_by",
        "goods_or_proof_at",
        "carrier",
        "carrier_tracking",
        "approved_by_rule",
        "rejection_code",
        "rejection_note",
        "settlement",
        "settled_total",
        "settled_at",
        "updated_at",
    ):
        setattr(return_request, name, getattr(locked, name))
    return locked


def record_event(
    return_request: ReturnRequest,
    code: str,
    *,
    actor=None,
    actor_kind: str | None = None,
    person: str = STAFF,
    may: Collection[str],
    step: Step | None = None,
    amount: Decimal | None = None,
    note: str = "",
    at: datetime | None = None,
    apply: Callable[[ReturnRequest], str | None] | None = None,
    notify: str | None = None,
) -> ReturnRequest:
    """Something happened to a return without a change of status: the same check,
    lock, event (under `code`, which is also the audit log's verb), audit entry and,
    with `notify` (the email's event name), the buyer's email. `apply` changes the
    locked row and may return the audit note."""
    if actor_kind is None:
        actor_kind = SYSTEM if actor is None else person
    actors.check(return_request, actor, actor_kind, may, step=step, amount=amount)
    at = at or timezone.now()
    with transaction.atomic():
        locked = (
            ReturnRequest.objects.select_for_update(of=("self",))
            .select_related("buyer", "order")
            .get(pk=return_request.pk)
        )
        logged_note = (apply(locked) if apply is not None else None) or note
        locked.save()
        ReturnEvent.objects.create(
            return_request=locked,
            from_status=locked.status,
            to_status=locked.status,
            code=code,
            at=at,
            actor=actor,
            actor_kind=actor_kind,
            note=logged_note,
        )
        audit.record(locked, code, user=actor, at=at, before=locked.status, note=logged_note)
        if notify:
            notifications.queue(locked, notify, note=logged_note)
    for name in ("status", "updated_at"):
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
    rule: str = "",
):
    """Staff (or an integration, as the system) accept the request, or the system
    does at once by an automatic `rule` (approval.Rule: a withdrawal, a defect, a
    value below the threshold...). The buyer has until `ship_by` to send it:
    unless given, the pinned policy's days to ship back, counted from now (a
    withdrawal: at least the law's 14 days, Art. 14(1)). The approval email says
    the label or QR code is ready: the buyer's page offers it from now on."""
    at = at or timezone.now()

    def apply(r: ReturnRequest) -> str:
        r.approved_by_rule = rule
        if not r.kept:  # a kept return has nothing to send: no date, no label
            r.ship_by = ship_by or r.ship_by or _ship_by(r, at)
            carriers.issue_label(r)  # a prepaid label's tracking number
        return f"rule: {rule}" if rule else ""

    with transaction.atomic():
        approved = transition(
            return_request,
            S.APPROVED,
            actor=actor,
            actor_kind=actor_kind,
            may=(STAFF, SYSTEM),
            at=at,
            note=note,
            apply=apply,
            # A kept return's email is its settlement's, below: no label to announce.
            notify=notify and not return_request.kept,
            held=held,
        )
        if approved.kept:
            settle_kept(approved, at=at)
    for name in ("status", "settlement", "settled_total", "settled_at", "updated_at"):
        setattr(return_request, name, getattr(approved, name))
    return approved


def settle_kept(return_request: ReturnRequest, *, at: datetime) -> ReturnRequest:
    """A return the policy lets the buyer keep (keep_it.py), just approved under the
    caller's lock: resolved by the system, its units refunded in full (or credited)
    without a receipt or an inspection."""

    def apply(r: ReturnRequest) -> str:
        return booking.summary(r, booking.book(r, None, actor_kind=SYSTEM, at=at))

    return transition(
        return_request,
        S.RESOLVED,
        actor_kind=SYSTEM,
        may=(SYSTEM,),
        at=at,
        apply=apply,
        held=True,
    )


# Art. 14(1): the buyer sends the goods back within 14 days of withdrawing.
WITHDRAWAL_SHIP_BACK_DAYS = 14


def _ship_by(r: ReturnRequest, at: datetime) -> datetime:
    """The ship-by date of an approval at `at`: the pinned policy's days to ship back
    (the law's 14 at least for a withdrawal), ending on a working day of the market."""
    line = r.lines.select_related("order_line__pin__version").first()
    days = line.order_line.pin.version.rules.ship_back_days if line else 14
    if r.kind == ReturnKind.WITHDRAWAL:
        days = max(days, WITHDRAWAL_SHIP_BACK_DAYS)
    market = r.order.market
    return period_end(local_date(at, market), days, market)


REJECTION_NOTE_MAX_LENGTH = 2000


def reject(return_request, *, actor, actor_kind=None, code: str, note: str = "", at=None):
    """Staff (or an integration, as the system) refuse the request for a reason of
    the list (RejectionReason `code`) and, optionally, their own words: required
    with the reason "other". The buyer reads the reason in their language and the
    words as written, on their page and in the email."""
    code, note = (code or "").strip(), (note or "").strip()
    if not rejection.is_active_reason(code):
        raise ValueError(_("Choose one of the reasons offered."))
    if code == rejection.OTHER_REASON and not note:
        raise ValueError(_("Say why the return is rejected."))
    if len(note) > REJECTION_NOTE_MAX_LENGTH:
        raise ValueError(
            _("Keep the explanation under %(count)d characters.")
            % {"count": REJECTION_NOTE_MAX_LENGTH}
        )

    def apply(r: ReturnRequest) -> str:
        r.rejection_code = code
        r.rejection_note = note
        return f"{code}: {note}" if note else code

    return transition(
        return_request,
        S.REJECTED,
        actor=actor,
        actor_kind=actor_kind,
        may=(STAFF, SYSTEM),
        note=note,
        at=at,
        apply=apply,
    )


def cancel(return_request, *, actor, at=None):
    """The buyer changes their mind: allowed until the parcel is on its way."""
    return transition(
        return_request, S.CANCELLED, actor=actor, actor_kind=BUYER, may=(BUYER,), at=at
    )


def mark_in_transit(return_request, *, actor=None, actor_kind=None, tracking="", at=None):
    """The parcel left: the buyer gives their own carrier's tracking number, staff
    mark it, or the carrier's scan does (the system). That is the proof of
    sending: a statutory refund is no longer withheld (refunds.clock)."""
    tracking = tracking.strip()[:64]
    at = at or timezone.now()

    def apply(r: ReturnRequest) -> str:
        if tracking:
            r.carrier_tracking = tracking
        clock.goods_or_proof_arrived(r, at, received=False)
        return tracking

    return transition(
        return_request,
        S.IN_TRANSIT,
        actor=actor,
        actor_kind=actor_kind,
        may=(BUYER, STAFF, SYSTEM),
        at=at,
        apply=apply,
    )


# Receiving (per line, in one or more receipts) and the per-unit inspection are
# actions of their own, built on `transition` and `record_event`:
# receiving.receive / receive_all and inspection.inspect_units.


def resolve(return_request, *, actor, actor_kind=None, at=None):
    """Settle the return: decide its settlement (settlement.settle), store it on the
    return, book its refunds across the order's means of payment (and store credit)
    and queue their payouts after commit (refunds.booking). The audit log's note is
    the amount settled and where it goes; the buyer's email shows each figure."""
    at = at or timezone.now()
    actor_kind = actor_kind or STAFF

    def apply(r: ReturnRequest) -> str:
        refunds = booking.book(r, actor, actor_kind=actor_kind, at=at)
        return booking.summary(r, refunds)

    return transition(
        return_request,
        S.RESOLVED,
        actor=actor,
        actor_kind=actor_kind,
        may=(STAFF,),
        at=at,
        apply=apply,
    )


def close(return_request, *, actor=None, actor_kind=None, at=None):
    """Staff close a settled return, or the system does once nothing is left open."""
    return transition(
        return_request, S.CLOSED, actor=actor, actor_kind=actor_kind, may=(STAFF, SYSTEM), at=at
    )


def expire(return_request, *, at=None):
    """Nothing was sent by the ship-by date (beat: `expire_overdue`)."""
    return transition(return_request, S.EXPIRED, actor_kind=SYSTEM, may=(SYSTEM,), at=at)


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
