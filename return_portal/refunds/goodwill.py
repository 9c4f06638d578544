"""A goodwill refund: a gesture of an amount, to the order's means of payment,
for a return (beyond what it earns) or for the order alone (no return needed:
a late delivery, a scuffed box kept by the buyer).

It pays back no order line (RefundLine): it is not the price of an item. It is
never more than remains of the payments (`RefundTooLarge` with what remains),
split across them in their order (refunds.booking). One action, in one
transaction: the actor is checked (step SETTLE with the amount: the operator
settles above the marketplace's limit); with a return, the return is locked
and the event recorded on it, as every action of a return; without one, the
staff member must cover every seller of the order, the order is locked and the
entry goes to the order's own audit log (Wagtail's `log` on the Order, under
"return_portal.refund_goodwill"). Either way the buyer is emailed. Idempotent by
`key`: the same key again gives the same refund(s).

`at` (an integration's `occurred_at`, default now) is when it was decided: the
event's instant with a return, the audit entry's without one, and the refunds'
created_at. The caller checks it under the lock the action takes (the return's,
or the order's without a return: api.occurred).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from core.outbox import queue_email
from core.public_url import public_url
from marketplace.models import Order

from .. import actors, audit, lifecycle, notifications
from ..actors import Step
from ..models import ActorKind, Refund, RefundKind, ReturnRequest
from . import booking
from .manual import (
    REFUND_EMAIL,
    RefundInputError,
    Replayed,
    checked_amount,
    checked_reason,
    key_base,
    replayed,
)

GOODWILL_REFUND = "refund_goodwill"  # the event and the audit verb
GOODWILL_EMAIL = "goodwill"  # the buyer's email without a return (email/goodwill.txt)


def _book(
    locked: booking.LockedOrder, amount: Decimal, reason: str, base, actor, return_request, at
):
    if amount > locked.payments_left:
        raise locked.too_large(locked.payments_left)
    shares = booking.split(amount, {}, locked.payments)
    return booking.book_shares(
        locked,
        shares,
        key=base,
        kind=RefundKind.GOODWILL,
        return_request=return_request,
        actor=actor,
        reason=reason,
        at=at,
    )


def goodwill_refund(
    order: Order,
    amount,
    reason: str,
    *,
    actor,
    actor_kind: str | None = None,
    key: str,
    return_request: ReturnRequest | None = None,
    at: datetime | None = None,
) -> list[Refund]:
    """Refund `amount` of the order as a gesture, for `reason` (the buyer reads
    it), about `return_request` or the order alone. Raises RefundInputError,
    RefundTooLarge, ActionDenied; nothing is written then."""
    amount = checked_amount(amount)
    reason = checked_reason(reason)
    actor_kind = actor_kind or ActorKind.STAFF
    if return_request is not None and return_request.order_id != order.pk:
        raise RefundInputError(_("This return is not one of this order's."))
    base = key_base("goodwill", str(order.pk), key)
    done = replayed(base)
    if done:
        return done
    if return_request is not None:
        return _for_return(return_request, amount, reason, base, actor, actor_kind, at)
    actors.check_order(order, actor, actor_kind, step=Step.SETTLE, amount=amount)
    with transaction.atomic():
        locked = booking.lock_order(order.pk)  # the key's replay waits here
        again = replayed(base)
        if again:
            return again
        refunds = _book(locked, amount, reason, base, actor, None, at)
        log(
            instance=locked.order,
            action=audit.LOG_PREFIX + GOODWILL_REFUND,
            user=actor,
            **({"timestamp": at} if at is not None else {}),
            data={"note": f"{amount} {locked.order.currency}: {reason}"[: audit.NOTE_MAX_LENGTH]},
        )
        _email_buyer(locked.order, refunds, reason)
    return refunds


def _for_return(return_request, amount, reason, base, actor, actor_kind, at) -> list[Refund]:
    booked: list[Refund] = []

    def apply(locked_return: ReturnRequest) -> str:
        again = replayed(base)
        if again:
            raise Replayed(again)
        locked = booking.lock_order(locked_return.order_id, return_request=locked_return)
        booked.extend(_book(locked, amount, reason, base, actor, locked_return, at))
        notifications.queue(locked_return, REFUND_EMAIL, refunds=booked, reason=reason)
        return f"{amount} {locked_return.currency}: {reason}"

    try:
        with transaction.atomic():
            lifecycle.record_event(
                return_request,
                GOODWILL_REFUND,
                actor=actor,
                actor_kind=actor_kind,
                may=(ActorKind.STAFF,),
                step=Step.SETTLE,
                amount=amount,
                at=at,
                apply=apply,
            )
    except Replayed as replay:
        return replay.refunds
    return booked


def _email_buyer(order: Order, refunds: list[Refund], reason: str) -> None:
    """The buyer's email of a goodwill refund without a return, in their language."""
    buyer = order.buyer
    recipient = (buyer.email if buyer else "") or order.buyer_email
    language = getattr(buyer, "preferred_language", "") or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "order": order,
            "refunds": refunds,
            "reason": reason,
            "url": public_url(reverse("return_portal:orders")),
        }
        subject = render_to_string(f"return_portal/email/{GOODWILL_EMAIL}_subject.txt", context)
        body = render_to_string(f"return_portal/email/{GOODWILL_EMAIL}.txt", context)
    queue_email(
        kind=GOODWILL_EMAIL,
        recipient=recipient,
        language=language,
        subject=subject,
        body=body,
        about=order,
    )
