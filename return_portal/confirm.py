"""Confirming a return: the last step creates it.

`confirm_return` runs every step's check again (steps.review) under a lock on the
order, with fresh returned quantities, so a stale page, a replayed POST or two
tabs can never return more than was bought. The draft's key is the return's
idempotency key: a replayed confirm answers with the return it already created.
The creation is an action like the others: the buyer's own order only, an event,
the audit log ("return_portal.confirm"), the acknowledgement in the outbox, then
the approval rules (approval.py): approved at once by a rule, or waiting for
the seller's decision until `approval_due_by`.

`create_on_behalf` is the same creation for an integration (the returns API, a
seller's system): the same eligibility and checks, for the order's buyer (none
for a guest order), by staff or the system, idempotent by the caller's key.

The helpers below (`locked_order`, `existing_return`...) serve the withdrawal
button's creation too (withdrawal.py).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import Order
from policy_pages.rules import ShippingMethod

from . import actors, approval, audit, lifecycle, notifications, webhook_events
from .draft import Draft, StepError
from .exchanges import actions as exchanges
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
from .refunds import clock
from .refunds.estimate import shipping_cost
from .services import decision_lines
from .steps import review


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


def reported_at(at: datetime | None, order: Order, field: str) -> datetime:
    """When an integration says something happened: now when not given; never in
    the future nor before the order was placed (StepError on `field`)."""
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise StepError({field: [_("Give the time with its time zone.")]})
    if at > now:
        raise StepError({field: [_("This time is in the future.")]})
    if at < order.placed_at:
        raise StepError({field: [_("This time is before the order was placed.")]})
    return at


def confirm_return(buyer, order: Order, draft: Draft, *, at: datetime | None = None):
    """Create the return the draft describes, or raise StepError. Idempotent by the
    draft's key: a replay returns (return_request, False).

    Only `order.pk` is read: the order and its lines are read again under the lock,
    so the caller may pass an order loaded without its lines."""
    return _create(
        order.pk,
        draft,
        key=draft.key,
        at=at or timezone.now(),
        buyer=buyer,
        actor=buyer,
        actor_kind=ActorKind.BUYER,
        verb="confirm",
    )


def create_on_behalf(
    order: Order,
    draft: Draft,
    *,
    key: str,
    actor=None,
    actor_kind: str | None = None,
    at: datetime | None = None,
):
    """A return an integration creates for the order's buyer (none for a guest
    order: the emails go to the order's address), judged by the same eligibility
    and checks as the portal's confirm at `at` (now by default; not in the future
    nor before the order). `actor`: staff within their seller scope, or None for
    the system (the API checks its token's scope first). No photos: those are
    the buyer's own uploads. Idempotent by `key`: (return_request, created)."""
    if actor_kind is None:
        actor_kind = ActorKind.SYSTEM if actor is None else ActorKind.STAFF
    at = reported_at(at, order, "occurred_at")
    if not key or len(key) > 64:
        raise StepError({"key": [_("Give an idempotency key of 1 to 64 characters.")]})
    return _create(
        order.pk,
        draft,
        key=key,
        at=at,
        buyer=None,  # the order's, read under the lock
        actor=actor,
        actor_kind=actor_kind,
        verb="create_on_behalf",
    )


def _create(order_pk, draft, *, key, at, buyer, actor, actor_kind, verb):
    by_buyer = actor_kind == ActorKind.BUYER
    buyer_for_replay = buyer
    try:
        with transaction.atomic():
            # A replay is found under the lock below: no read before it, on the hot path.
            locked = locked_order(order_pk)
            if by_buyer and locked.buyer_id != buyer.pk:
                raise StepError({"items": [_("Choose items of this order only.")]})
            buyer = buyer if by_buyer else locked.buyer
            buyer_for_replay = buyer
            # A replay, or a concurrent confirm won the lock.
            existing = existing_return(key, buyer, locked.pk)
            if existing is not None:
                raise AlreadyCreated(existing)
            checked = review(locked, draft, at)
            rules = checked.selection.first_rules
            request, screening = approval.screened_request(
                checked.selection, checked.reason.is_defect, locked, at, buyer, kept=checked.kept
            )
            decision = approval.decide(request, at, locked.market)
            return_request = ReturnRequest(
                kind=ReturnKind.RETURN,
                order=locked,
                buyer=buyer,
                # One seller's items per return (steps.check_selection).
                seller_id=checked.selection.items[0][0].seller_id,
                idempotency_key=key,
                reason=checked.reason,
                reason_is_defect=checked.reason.is_defect,
                condition=draft.condition,
                comment=draft.comment.strip(),
                resolution=checked.resolution.value,
                exchange_variant=draft.exchange_variant.strip(),
                # Nothing is shipped back when a keep-it rule lets the buyer keep it.
                shipping_method=checked.shipping.method.value if checked.shipping else "",
                currency=locked.currency,
                shipping_cost=shipping_cost(checked.shipping, checked.reason.is_defect),
                estimate=checked.estimate.to_dict(),
                estimated_total=checked.estimate.total,
                statutory=checked.statutory,
                notice_at=at,
                refund_due_by=(
                    clock.statutory_due_by(locked.market, at) if checked.statutory else None
                ),
                drop_off_code=drop_off_code(checked.shipping.method) if checked.shipping else "",
                kept=checked.kept is not None,
                keep_it_clause=checked.kept.clause if checked.kept is not None else "",
                # Waiting for a decision: by when (approval.py); None when a rule approves.
                approval_due_by=decision.due_by,
            )
            if not by_buyer:
                # Staff within their sellers' scope, or the system (the API's token).
                actors.check(return_request, actor, actor_kind, (ActorKind.STAFF, ActorKind.SYSTEM))
            return_request.save(force_insert=True)
            ReturnLine.objects.bulk_create(
                ReturnLine(return_request=return_request, order_line=line, quantity=units)
                for line, _decision, units in checked.selection.items
            )
            if checked.exchange is not None:
                exchanges.create(
                    return_request,
                    checked.exchange,
                    checked.difference_by,
                    instant=rules.instant_exchange,
                )
            if by_buyer:
                ReturnPhoto.objects.filter(
                    buyer=buyer, draft=uuid.UUID(draft.key), return_request__isnull=True
                ).update(return_request=return_request)
            record_creation(
                return_request,
                at,
                actor=actor,
                actor_kind=actor_kind,
                verb=verb,
                email="requested",
                note="" if by_buyer else "created for the buyer",
            )
            # Abuse screening held it for staff: why, on its timeline (staff only).
            approval.record_screening(return_request, screening, at)
            if decision.rule is not None:
                # A rule approves it at once, so the buyer gets the label or QR code
                # now. Staff still receive and inspect before any refund.
                lifecycle.approve(
                    return_request,
                    actor=None,
                    actor_kind=ActorKind.SYSTEM,
                    at=at,
                    ship_by=ship_by_date(locked, at, rules.ship_back_days),
                    held=True,  # created above, in this transaction
                    rule=decision.rule,
                )
    except AlreadyCreated as done:
        return done.return_request, False
    except IntegrityError:
        # The unique idempotency key: another request created it between our checks.
        return replayed_or_refused(key, buyer_for_replay, order_pk), False
    return return_request, True


def drop_off_code(method: ShippingMethod) -> str:
    if method != ShippingMethod.DROP_OFF:
        return ""
    return "".join(secrets.choice("0123456789") for _ in range(12))


def record_creation(
    return_request: ReturnRequest,
    at: datetime,
    *,
    actor,
    actor_kind: str,
    verb: str,
    email: str,
    note: str = "",
    **context,
) -> None:
    """The new return's first event (requested, by the buyer, staff or the system),
    its audit log entry and the buyer's acknowledgement (`context` for its
    template), in the creating transaction."""
    ReturnEvent.objects.create(
        return_request=return_request,
        from_status="",
        to_status=ReturnStatus.REQUESTED,
        at=at,
        actor=actor,
        actor_kind=actor_kind,
        note=note,
    )
    audit.record(return_request, verb, user=actor, at=at, note=note)
    notifications.queue(return_request, email, **context)
    webhook_events.requested(return_request)
