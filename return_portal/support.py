"""The staff side of returns: replying to the buyer, and the deadline flags the
returns admin lists and filters by.

A reply is an action: staff with the "change" permission only (actors.check),
under a lock on the return, a `ReturnMessage` from support, its audit log entry
("return_portal.reply") and its email in the outbox, all in one transaction: the
buyer is told of every reply, or the reply does not exist. The deadline flags
are annotations, so the listing reads them with its one query.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from . import actors, audit, notifications
from .models import (
    RELEASED_STATUSES,
    ActorKind,
    Refund,
    RefundStatus,
    ReturnMessage,
    ReturnRequest,
    ReturnStatus,
)

REPLY_MAX_LENGTH = 4000


class ReplyError(ValueError):
    """The reply cannot be sent as written (translated message)."""


def reply(return_request: ReturnRequest, staff, body: str, key: str = "") -> tuple:
    """Post a support reply on the return's thread and queue its email to the buyer:
    (message, created). A resubmitted form with the same key adds nothing."""
    actors.check(return_request, staff, ActorKind.STAFF, (ActorKind.STAFF,))
    body = body.strip()
    if not body:
        raise ReplyError(_("Write the reply before sending it."))
    if len(body) > REPLY_MAX_LENGTH:
        raise ReplyError(
            _("Keep the reply under %(count)d characters.") % {"count": REPLY_MAX_LENGTH}
        )
    key = key[:64] or None
    if key and (existing := _existing(return_request, key)):
        return existing, False
    try:
        with transaction.atomic():
            # Under the return's lock, like every action: the thread and the
            # status the email shows are those of one moment.
            locked = (
                ReturnRequest.objects.select_for_update(of=("self",))
                .select_related("buyer", "order")
                .get(pk=return_request.pk)
            )
            message = ReturnMessage.objects.create(
                return_request=locked,
                author=staff,
                from_staff=True,
                body=body,
                idempotency_key=key,
            )
            # The body stays in the thread (privacy erases it there), not in the log.
            audit.record(locked, "reply", user=staff, before=locked.status, message=message.pk)
            notifications.queue(locked, "message", message=message)
    except IntegrityError:  # the same key won a race a moment ago
        existing = _existing(return_request, key) if key else None
        if existing is None:
            raise
        return existing, False
    return message, True


def _existing(return_request: ReturnRequest, key: str) -> ReturnMessage | None:
    existing = ReturnMessage.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.return_request_id != return_request.pk:
        raise ReplyError(_("This form was already used for another return. Reload the page."))
    return existing


# --- deadlines --------------------------------------------------------------------------


def _flag(condition: Q) -> Case:
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def with_deadlines(queryset: QuerySet, now: datetime | None = None) -> QuerySet:
    """Annotate each return with `refund_overdue` and `ship_overdue`.

    A refund is overdue when its due date has passed and no refund of the return
    has succeeded, unless nothing is owed: the return was released (rejected,
    cancelled, expired), is an exchange, or was settled with nothing to pay. A
    parcel is overdue when an approved return passed its ship-by date."""
    now = now or timezone.now()
    refunds = Refund.objects.filter(return_request=OuterRef("pk"))
    queryset = queryset.annotate(
        refund_paid=Exists(refunds.filter(status=RefundStatus.SUCCEEDED)),
        refund_booked=Exists(refunds),
    )
    settled_without_money = Q(
        status__in=[ReturnStatus.RESOLVED, ReturnStatus.CLOSED], refund_booked=False
    )
    owed = ~Q(status__in=RELEASED_STATUSES) & ~Q(resolution="exchange") & ~settled_without_money
    return queryset.annotate(
        refund_overdue=_flag(Q(refund_due_by__lt=now, refund_paid=False) & owed),
        ship_overdue=_flag(Q(status=ReturnStatus.APPROVED, ship_by__lt=now)),
    )


OVERDUE_REFUND = "refund"
OVERDUE_SHIPPING = "shipping"
OVERDUE_ANY = "any"


def overdue(queryset: QuerySet, which: str) -> QuerySet:
    """Filter a `with_deadlines` queryset to the returns past one (or any) deadline."""
    if which == OVERDUE_REFUND:
        return queryset.filter(refund_overdue=True)
    if which == OVERDUE_SHIPPING:
        return queryset.filter(ship_overdue=True)
    if which == OVERDUE_ANY:
        return queryset.filter(Q(refund_overdue=True) | Q(ship_overdue=True))
    return queryset
