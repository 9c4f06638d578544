"""Confirming a return: the last step creates it.

`confirm_return` runs every step's check again (steps.review) under a lock on the
order, with fresh returned quantities, so a stale page, a replayed POST or two
tabs can never return more than was bought. The draft's key is the return's
idempotency key: a replayed confirm answers with the return it already created.
The creation is an action like the others: the buyer's own order only, an event,
the audit log ("return_portal.confirm"), the acknowledgement in the outbox, then
the system's approval (lifecycle.approve).

The helpers below (`locked_order`, `existing_return`...) serve the withdrawal
button's creation too (withdrawal.py).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import Order
from policy_pages.rules import ShippingMethod

from . import audit, lifecycle, notifications
from .draft import Draft, StepError
from .legal_calendar import local_date, period_end
from .models import (
    ActorKind,
    ReturnEvent,
    ReturnKind,
    ReturnLine,
    ReturnPhoto,
    ReturnRequest,
    ReturnStatus,
)
from .refunds.estimate import shipping_cost
from .services import decision_lines
from .steps import review

# Art. 13(1) / L221-24: the refund is due 14 days after the trader is told.
REFUND_DAYS = 14


class AlreadyCreated(Exception):
    def __init__(self, return_request: ReturnRequest):
        super().__init__(return_request.rma)
        self.return_request = return_request


def existing_return(key: str, buyer, order_pk: int) -> ReturnRequest | None:
    """The return this key already created for this buyer and order (a replay)."""
    return ReturnRequest.objects.filter(idempotency_key=key, buyer=buyer, order_id=order_pk).first()


def replayed_or_refused(key: str, buyer, order_pk: int) -> ReturnRequest:
    """After an IntegrityError on the unique key: the replay, or a StepError when
    the key belongs to another buyer's or order's return (never theirs to see)."""
    existing = existing_return(key, buyer, order_pk)
    if existing is not None:
        return existing
    if ReturnRequest.objects.filter(idempotency_key=key).exists():
        raise StepError({"items": [_("This form has expired. Please start again.")]})
    raise


def locked_order(order_pk: int) -> Order:
    """Lock the order row (serialises every return of the order) as it is read, then
    read its lines with fresh returned quantities."""
    # One query for lock and read, and the lines without their policy page (decisions
    # read the pinned version's rules only): the confirm bench's hot path.
    locked = Order.objects.select_for_update(of=("self",)).filter(pk=order_pk)
    lines = (
        decision_lines().select_related(None).select_related("seller", "category", "pin__version")
    )
    return locked.prefetch_related(Prefetch("lines", queryset=lines)).get()


def ship_by_date(order: Order, at: datetime, days: int) -> datetime:
    return period_end(local_date(at, order.market), days, order.market)


def confirm_return(buyer, order: Order, draft: Draft, *, at: datetime | None = None):
    """Create the return the draft describes, or raise StepError. Idempotent by the
    draft's key: a replay returns (return_request, False).

    Only `order.pk` is read: the order and its lines are read again under the lock,
    so the caller may pass an order loaded without its lines."""
    at = at or timezone.now()
    try:
        with transaction.atomic():
            # A replay is found under the lock below: no read before it, on the hot path.
            locked = locked_order(order.pk)
            if locked.buyer_id != buyer.pk:
                raise StepError({"items": [_("Choose items of this order only.")]})
            # A replay, or a concurrent confirm won the lock.
            existing = existing_return(draft.key, buyer, locked.pk)
            if existing is not None:
                raise AlreadyCreated(existing)
            checked = review(locked, draft, at)
            rules = checked.selection.first_rules
            return_request = ReturnRequest.objects.create(
                kind=ReturnKind.RETURN,
                order=locked,
                buyer=buyer,
                idempotency_key=draft.key,
                reason=checked.reason,
                reason_is_defect=checked.reason.is_defect,
                condition=draft.condition,
                comment=draft.comment.strip(),
                resolution=checked.resolution.value,
                exchange_variant=draft.exchange_variant.strip(),
                shipping_method=checked.shipping.method.value,
                currency=locked.currency,
                shipping_cost=shipping_cost(checked.shipping, checked.reason.is_defect),
                estimate=checked.estimate.to_dict(),
                estimated_total=checked.estimate.total,
                statutory=checked.statutory,
                notice_at=at,
                refund_due_by=at + timedelta(days=REFUND_DAYS) if checked.statutory else None,
                drop_off_code=drop_off_code(checked.shipping.method),
            )
            ReturnLine.objects.bulk_create(
                ReturnLine(return_request=return_request, order_line=line, quantity=units)
                for line, _decision, units in checked.selection.items
            )
            ReturnPhoto.objects.filter(
                buyer=buyer, draft=uuid.UUID(draft.key), return_request__isnull=True
            ).update(return_request=return_request)
            record_creation(return_request, buyer, at, verb="confirm", email="requested")
            # Eligible and re-checked: approved at once, so the buyer gets the label
            # or QR code now. Staff still receive and inspect before any refund.
            lifecycle.approve(
                return_request,
                actor=None,
                actor_kind=ActorKind.SYSTEM,
                at=at,
                ship_by=ship_by_date(locked, at, rules.ship_back_days),
                held=True,  # created above, in this transaction
            )
    except AlreadyCreated as done:
        return done.return_request, False
    except IntegrityError:
        # The unique idempotency key: another request created it between our checks.
        return replayed_or_refused(draft.key, buyer, order.pk), False
    return return_request, True


def drop_off_code(method: ShippingMethod) -> str:
    if method != ShippingMethod.DROP_OFF:
        return ""
    return "".join(secrets.choice("0123456789") for _ in range(12))


def record_creation(
    return_request: ReturnRequest, buyer, at: datetime, *, verb: str, email: str, note: str = ""
) -> None:
    """The new return's first event (requested, by the buyer), its audit log entry
    and the buyer's acknowledgement, in the creating transaction."""
    ReturnEvent.objects.create(
        return_request=return_request,
        from_status="",
        to_status=ReturnStatus.REQUESTED,
        at=at,
        actor=buyer,
        actor_kind=ActorKind.BUYER,
        note=note,
    )
    audit.record(return_request, verb, user=buyer, at=at, note=note)
    notifications.queue(return_request, email)
