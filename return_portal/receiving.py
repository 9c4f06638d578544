"""Receiving a return's parcel, per line and possibly in several receipts.

Each receipt says, per ReturnLine, how many units arrived this time and how many
are accounted for otherwise: lost in transit, a wrong item in their place, or
never sent (short-shipped). Once every unit of every line is accounted for the
return is `received` (and its inspection deadline runs: BackOfficeSettings
.inspection_sla_days from that event); before that it is `partially_received`,
and each further receipt that still leaves units outstanding is an event
("units_received") rather than a change of status.

The first receipt is when the goods reached the seller (`goods_or_proof_at`,
unless proof of sending came earlier), until which a statutory refund may be
withheld (Art. 13(3); L221-24); a return outside the statutory period gets its
refund clock then, from the pinned policy's refund days. refunds.clock decides
both (`goods_or_proof_arrived`).

One action, `receive`: it checks the actor (staff, step RECEIVE), locks the return
and its lines, records the counts, and transitions or records the event (with its
audit entry and the buyer's email) in one transaction. With a `key` (the staff
form's, drawn with the form), the receipt is done once: the key is kept on the
receipt's event (unique), and a second receipt under it, read under the return's
lock, records nothing (a double click, the same form in two tabs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import actors, lifecycle
from .actors import Step
from .models import ActorKind, ReturnEvent, ReturnLine, ReturnRequest, ReturnStatus
from .refunds import clock

S = ReturnStatus
STAFF = ActorKind.STAFF
# Where a parcel (or part of it) can still arrive.
RECEIVABLE = (S.APPROVED, S.IN_TRANSIT, S.PARTIALLY_RECEIVED)
UNITS_RECEIVED = "units_received"  # the event (and audit verb) of a receipt that leaves units out
COUNT_FIELDS = ["received_quantity", "lost_quantity", "wrong_item_quantity", "short_quantity"]
KEY_LENGTH = 64  # ReturnEvent.idempotency_key


@dataclass(frozen=True)
class LineReceipt:
    """The units of one line THIS receipt accounts for."""

    received: int = 0
    lost: int = 0
    wrong_item: int = 0
    short: int = 0

    @property
    def total(self) -> int:
        return self.received + self.lost + self.wrong_item + self.short


def accounted(line: ReturnLine) -> int:
    """The units of the line received or accounted for otherwise so far."""
    return (
        (line.received_quantity or 0)
        + line.lost_quantity
        + line.wrong_item_quantity
        + line.short_quantity
    )


def outstanding(line: ReturnLine) -> int:
    """The units of the line still expected."""
    return max(0, line.quantity - accounted(line))


def inspection_due_by(received_at: datetime, settings=None) -> datetime:
    """When the inspection is due, for a return received at `received_at` (the
    back office's SLA; the queue computes the same from the "received" event)."""
    settings = settings or actors.back_office()
    return received_at + timedelta(days=settings.inspection_sla_days)


def _summary(lines: dict[int, ReturnLine], receipts: Mapping[int, LineReceipt]) -> str:
    """The receipt for staff (the audit log and the timeline): what each line got."""
    parts = []
    for pk, receipt in receipts.items():
        counts = [
            ngettext("%(count)d received", "%(count)d received", receipt.received),
            ngettext("%(count)d lost in transit", "%(count)d lost in transit", receipt.lost),
            ngettext("%(count)d wrong item", "%(count)d wrong items", receipt.wrong_item),
            ngettext("%(count)d not sent", "%(count)d not sent", receipt.short),
        ]
        amounts = (receipt.received, receipt.lost, receipt.wrong_item, receipt.short)
        said = ", ".join(
            text % {"count": count} for text, count in zip(counts, amounts, strict=True) if count
        )
        if said:
            parts.append(f"{lines[pk].order_line.title}: {said}")
    return "; ".join(parts)


def _validate(lines: dict[int, ReturnLine], receipts: Mapping[int, LineReceipt]) -> None:
    if not set(receipts) <= set(lines):
        raise ValueError(_("A line of the receipt is not one of this return's lines."))
    for pk, receipt in receipts.items():
        counts = (receipt.received, receipt.lost, receipt.wrong_item, receipt.short)
        if any(not isinstance(count, int) or count < 0 for count in counts):
            raise ValueError(_("Quantities received are whole numbers, zero or more."))
        line = lines[pk]
        if receipt.total > outstanding(line):
            raise ValueError(
                ngettext(
                    "%(title)s: only %(count)d unit is still expected.",
                    "%(title)s: only %(count)d units are still expected.",
                    outstanding(line),
                )
                % {"title": line.order_line.title, "count": outstanding(line)}
            )
    if not any(receipt.total for receipt in receipts.values()):
        raise ValueError(_("The receipt accounts for no unit."))


def receive(
    return_request: ReturnRequest,
    receipts: Mapping[int, LineReceipt],
    *,
    actor,
    actor_kind: str | None = None,
    at: datetime | None = None,
    key: str | None = None,
) -> ReturnRequest:
    """Record one receipt (`receipts` keyed by ReturnLine pk). The return becomes
    `received` when every unit is accounted for, else `partially_received` (or,
    already so, records "units_received"). Raises TransitionError where nothing
    can arrive any more, ValueError for counts that do not fit (nothing written).
    A `key` already received under records nothing and returns the return."""
    return _receive(return_request, lambda lines: receipts, actor, actor_kind, at, key)


def receive_all(
    return_request: ReturnRequest,
    *,
    actor,
    actor_kind: str | None = None,
    at: datetime | None = None,
    key: str | None = None,
) -> ReturnRequest:
    """The whole parcel arrived: every unit still expected of every line, as the
    locked lines say, is received (once per `key`, as `receive`)."""

    def everything_outstanding(lines: dict[int, ReturnLine]) -> dict[int, LineReceipt]:
        return {pk: LineReceipt(received=outstanding(line)) for pk, line in lines.items()}

    return _receive(return_request, everything_outstanding, actor, actor_kind, at, key)


def received_under(return_request: ReturnRequest, key: str) -> bool:
    """Whether a receipt of this return was recorded under `key`. Raises
    ValueError when the key is another return's (a form of another page)."""
    owner = (
        ReturnEvent.objects.filter(idempotency_key=key[:KEY_LENGTH])
        .values_list("return_request_id", flat=True)
        .first()
    )
    if owner is not None and owner != return_request.pk:
        raise ValueError(_("This form was already used for another return. Reload the page."))
    return owner is not None


def _keep_key(locked: ReturnRequest, key: str) -> None:
    """The receipt's event (the return's last: appended under the lock we hold)
    takes the key; a key another return took meanwhile refuses the receipt."""
    event = (
        ReturnEvent.objects.filter(return_request_id=locked.pk)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    try:
        with transaction.atomic():
            ReturnEvent.objects.filter(pk=event).update(idempotency_key=key)
    except IntegrityError:
        raise ValueError(
            _("This form was already used for another return. Reload the page.")
        ) from None


def _receive(
    return_request: ReturnRequest,
    receipts_of: Callable[[dict[int, ReturnLine]], Mapping[int, LineReceipt]],
    actor,
    actor_kind: str | None,
    at: datetime | None,
    key: str | None = None,
) -> ReturnRequest:
    actor_kind = actor_kind or STAFF
    actors.check(return_request, actor, actor_kind, (STAFF,), step=Step.RECEIVE)
    at = at or timezone.now()
    key = (key or "")[:KEY_LENGTH] or None
    with transaction.atomic():
        # The return first, then its lines, always in this order (no deadlock with
        # another receipt or the inspection, which lock the same way).
        locked = (
            ReturnRequest.objects.select_for_update(of=("self",))
            .select_related("buyer", "order")
            .get(pk=return_request.pk)
        )
        # Read under the lock: the same form's first post has committed by now.
        if key and received_under(locked, key):
            return _followed(return_request, locked)
        if locked.status not in RECEIVABLE:
            raise lifecycle.TransitionError(locked, S.RECEIVED)
        lines = {
            line.pk: line
            for line in ReturnLine.objects.select_for_update(of=("self",))
            .select_related("order_line__pin__version")
            .filter(return_request=locked)
            .order_by("pk")
        }
        receipts = receipts_of(lines)
        _validate(lines, receipts)
        receipts = {pk: receipt for pk, receipt in receipts.items() if receipt.total}
        summary = _summary(lines, receipts)

        def apply(r: ReturnRequest) -> str:
            for pk, receipt in receipts.items():
                line = lines[pk]
                line.received_quantity = (line.received_quantity or 0) + receipt.received
                line.lost_quantity += receipt.lost
                line.wrong_item_quantity += receipt.wrong_item
                line.short_quantity += receipt.short
                line.save(update_fields=COUNT_FIELDS)
            # The goods arrived (or, lost, the carrier had them): refunds.clock lifts
            # the withholding of a statutory refund and starts a policy's clock.
            clock.goods_or_proof_arrived(r, at, received=True)
            return summary

        complete = all(
            outstanding(line) == receipts.get(pk, LineReceipt()).total for pk, line in lines.items()
        )
        if complete or locked.status != S.PARTIALLY_RECEIVED:
            done = lifecycle.transition(
                locked,
                S.RECEIVED if complete else S.PARTIALLY_RECEIVED,
                actor=actor,
                actor_kind=actor_kind,
                may=(STAFF,),
                step=Step.RECEIVE,
                note=summary,
                at=at,
                apply=apply,
                held=True,
            )
        else:
            done = lifecycle.record_event(
                locked,
                UNITS_RECEIVED,
                actor=actor,
                actor_kind=actor_kind,
                may=(STAFF,),
                step=Step.RECEIVE,
                at=at,
                apply=apply,
                notify=UNITS_RECEIVED,
            )
        if key:
            _keep_key(locked, key)
    return _followed(return_request, done)


def _followed(return_request: ReturnRequest, done: ReturnRequest) -> ReturnRequest:
    """The caller's object follows the database."""
    for name in ("status", "refund_due_by", "goods_or_proof_at", "updated_at"):
        setattr(return_request, name, getattr(done, name))
    return done
