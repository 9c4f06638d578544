"""The staff side of returns: replying to the buyer, and the deadline flags the
returns admin lists and filters by.

A reply is an action: staff with the "change" permission only (actors.check),
under a lock on the return, a `ReturnMessage` from support, its audit log entry
("return_portal.reply") and its email in the outbox, all in one transaction: the
buyer is told of every reply, or the reply does not exist. The deadline flags
are annotations, so the listing reads them with its one query.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from core.inbound_email import reply_address
from marketplace.scoping import scope_of_user

from . import actors, audit, notifications
from .actors import Step
from .buyer_messages import REPLY_KIND
from .models import (
    ActorKind,
    Refund,
    RefundStatus,
    ReturnMessage,
    ReturnRequest,
    ReturnStatus,
)
from .refunds import clock

REPLY_MAX_LENGTH = 4000


class ReplyError(ValueError):
    """The reply cannot be sent as written (translated message)."""


def reply(return_request: ReturnRequest, staff, body: str, key: str = "") -> tuple:
    """Post a support reply on the return's thread and queue its email to the buyer:
    (message, created). A resubmitted form with the same key adds nothing.

    A seller's staff answer as that seller (`as_seller`: the buyer reads the
    seller's name); the operator's staff answer as the marketplace's support,
    on any seller's return."""
    actors.check(return_request, staff, ActorKind.STAFF, (ActorKind.STAFF,), step=Step.REPLY)
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
                .select_related("buyer", "order", "seller")
                .get(pk=return_request.pk)
            )
            message = ReturnMessage.objects.create(
                return_request=locked,
                author=staff,
                from_staff=True,
                as_seller=None if scope_of_user(staff).is_operator else locked.seller,
                body=body,
                idempotency_key=key,
            )
            # The body stays in the thread (privacy erases it there), not in the log.
            audit.record(locked, "reply", user=staff, before=locked.status, message=message.pk)
            # Answering the email adds to this return's thread (buyer_messages).
            reply_to = reply_address(REPLY_KIND, locked.pk)
            email = notifications.queue(
                locked, "message", message=message, reply_by_email=bool(reply_to)
            )
            if email is not None and reply_to:
                email.reply_to = reply_to
                email.save(update_fields=["reply_to"])
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


REFUND_DUE_SOON = timedelta(hours=48)


def with_deadlines(queryset: QuerySet, now: datetime | None = None) -> QuerySet:
    """Annotate each return with `refund_owed`, `refund_overdue`, `refund_due_soon`,
    `ship_overdue`, `approval_overdue`, `refund_failed` (a payout failed through
    every retry) and `refund_error` (the provider's reason).

    A refund is overdue when its due date has passed while it is still owed
    (refunds.clock.owed: the one rule, which the sweep reads too) and no longer
    withheld (refunds.clock.withheld). A parcel is overdue when an approved return
    passed its ship-by date. A decision is overdue when a request still waits past
    its `approval_due_by` (approval.py)."""
    now = now or timezone.now()
    refunds = Refund.objects.filter(return_request=OuterRef("pk"))
    queryset = queryset.annotate(
        refund_owed=_flag(clock.owed()),
        # A payout that failed through every retry, for staff to retry (refunds.payout).
        refund_failed=Exists(refunds.filter(status=RefundStatus.FAILED)),
        refund_error=Subquery(
            refunds.filter(status=RefundStatus.FAILED).order_by("-pk").values("last_error")[:1]
        ),
    )
    running = Q(refund_owed=True) & ~clock.withheld(now)
    return queryset.annotate(
        refund_overdue=_flag(Q(refund_due_by__lt=now) & running),
        # Due within 48 hours and still owed (the queue's "refund due soon" filter).
        refund_due_soon=_flag(
            Q(refund_due_by__gte=now, refund_due_by__lte=now + REFUND_DUE_SOON) & running
        ),
        ship_overdue=_flag(Q(status=ReturnStatus.APPROVED, ship_by__lt=now)),
        approval_overdue=_flag(Q(status=ReturnStatus.REQUESTED, approval_due_by__lt=now)),
    )


OVERDUE_REFUND = "refund"
OVERDUE_SHIPPING = "shipping"
OVERDUE_APPROVAL = "approval"
OVERDUE_ANY = "any"


def overdue(queryset: QuerySet, which: str) -> QuerySet:
    """Filter a `with_deadlines` queryset to the returns past one (or any) deadline."""
    if which == OVERDUE_REFUND:
        return queryset.filter(refund_overdue=True)
    if which == OVERDUE_SHIPPING:
        return queryset.filter(ship_overdue=True)
    if which == OVERDUE_APPROVAL:
        return queryset.filter(approval_overdue=True)
    if which == OVERDUE_ANY:
        return queryset.filter(
            Q(refund_overdue=True) | Q(ship_overdue=True) | Q(approval_overdue=True)
        )
    return queryset
