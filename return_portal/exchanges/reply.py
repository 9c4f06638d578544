"""The commerce platform's reply to `exchange.requested`: the replacement order it
created, then that it shipped. Recorded on the exchange, as events of the
return's timeline, and shown to the buyer.

Idempotent: the same reply again changes nothing (`changed` is False). A reply
that contradicts what was recorded (another order reference) is refused; a
"shipped" may come without an "ordered" before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import actors
from ..actors import Step
from ..models import ActorKind, Exchange, ExchangeStatus, ReturnRequest
from . import events
from .actions import record_event

X = ExchangeStatus
REPLIABLE = (X.REQUESTED, X.ORDERED, X.SHIPPED)


class ReplyRefused(Exception):
    """The reply does not fit the exchange: `code` (conflict, state) and message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Reply:
    order_reference: str
    shipped: bool = False
    carrier: str = ""
    tracking: str = ""


def record_reply(
    r: ReturnRequest,
    reply: Reply,
    *,
    actor=None,
    actor_kind: str | None = None,
    at: datetime | None = None,
) -> tuple[Exchange, bool]:
    actor_kind = actor_kind or (ActorKind.SYSTEM if actor is None else ActorKind.STAFF)
    actors.check(r, actor, actor_kind, (ActorKind.STAFF, ActorKind.SYSTEM), step=Step.APPROVE)
    at = at or timezone.now()
    with transaction.atomic():
        locked = (
            ReturnRequest.objects.select_for_update(of=("self",))
            .select_related("order")
            .get(pk=r.pk)
        )
        ex = Exchange.objects.select_for_update().filter(return_request=locked).first()
        if ex is None:
            raise ReplyRefused("state", _("This return is not an exchange."))
        if ex.status not in REPLIABLE:
            raise ReplyRefused(
                "state", _("The replacement has not been requested for this exchange.")
            )
        known = ex.replacement_order_reference
        if known and known != reply.order_reference:
            raise ReplyRefused(
                "conflict",
                _("This exchange already has the replacement order %(reference)s.")
                % {"reference": known},
            )
        changed = False
        if not known:
            ex.replacement_order_reference = reply.order_reference
            ex.ordered_at = at
            ex.status = X.ORDERED
            changed = True
            record_event(locked, events.ORDERED, at, reply.order_reference, actor, actor_kind)
        if reply.shipped and ex.shipped_at is None:
            ex.shipped_at = at
            ex.replacement_carrier = reply.carrier
            ex.replacement_tracking = reply.tracking
            ex.status = X.SHIPPED
            changed = True
            note = " ".join(part for part in (reply.carrier, reply.tracking) if part)
            record_event(locked, events.SHIPPED, at, note, actor, actor_kind)
        if changed:
            ex.save()
            locked.save(update_fields=["updated_at"])
    return ex, changed
