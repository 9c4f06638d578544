"""The refund-clock sweep (beat, in `tasks.sweep_returns`): the returns whose
refund is due within 48 hours, and those overdue, are flagged and their staff
told, once per state (`ReturnRequest.refund_alert`).

A refund counts while it is owed (refunds.clock.owed, the one rule the queue
reads too: not released nor an exchange, and not settled yet or with a
settlement refund not paid yet) and the trader may no longer withhold it.
Each alert is an event on the return (system, audit log) with one email per
staff member in the outbox, in one transaction: the operator's staff and the
seller's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from core.outbox import queue_email
from marketplace.models import OPERATOR_CODENAME

from .. import actors, lifecycle
from ..legal_calendar import market_timezone
from ..models import ActorKind, ReturnRequest
from . import clock

DUE_SOON = "due_soon"
OVERDUE = "overdue"
DUE_SOON_WINDOW = timedelta(hours=48)
# The event (and audit verb) of each alert.
EVENTS = {DUE_SOON: "refund_due_soon", OVERDUE: "refund_overdue"}
BATCH = 200


def alert_state(return_request: ReturnRequest, now: datetime) -> str:
    """ "overdue", "due_soon" or "" for a return whose refund is owed."""
    due = return_request.refund_due_by
    if due is None or clock.is_withheld(return_request, now):
        return ""
    if due < now:
        return OVERDUE
    return DUE_SOON if due <= now + DUE_SOON_WINDOW else ""


def owed(queryset: QuerySet, now: datetime) -> QuerySet:
    """The returns whose refund is still owed (clock.owed, the queue's rule too)
    and no longer withheld."""
    return queryset.filter(clock.owed()).exclude(clock.withheld(now))


def due(now: datetime) -> QuerySet:
    """The returns entering a state they were not alerted for yet."""
    soon = now + DUE_SOON_WINDOW
    return (
        owed(ReturnRequest.objects.filter(refund_due_by__lte=soon), now)
        .exclude(refund_alert=OVERDUE)
        .exclude(refund_alert=DUE_SOON, refund_due_by__gte=now)
        .order_by("refund_due_by", "pk")
    )


def staff_to_tell(return_request: ReturnRequest):
    """The operator's staff and the return's seller's staff who may act on it."""
    # Staff only: an API token's acting user has the permissions but reads no email.
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    app, codename = actors.CHANGE_PERMISSION.split(".")

    def having(app_label: str, name: str) -> Q:
        return (
            Q(is_superuser=True)
            | Q(
                user_permissions__content_type__app_label=app_label, user_permissions__codename=name
            )
            | Q(
                groups__permissions__content_type__app_label=app_label,
                groups__permissions__codename=name,
            )
        )

    may_act = users.filter(having(app, codename))
    operators = may_act.filter(having("marketplace", OPERATOR_CODENAME))
    sellers = may_act.filter(seller_memberships__seller_id=return_request.seller_id)
    return (operators | sellers).distinct().order_by("pk")


def _tell(return_request: ReturnRequest, state: str) -> int:
    url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "returns:inspect", args=[return_request.pk]
    )
    sent = 0
    for user in staff_to_tell(return_request):
        language = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        context = {
            "return": return_request,
            "state": state,
            "url": url,
            "zone": market_timezone(return_request.order.market),
        }
        with translation.override(language):
            subject = render_to_string("return_portal/email/refund_alert_subject.txt", context)
            body = render_to_string("return_portal/email/refund_alert.txt", context)
        sent += bool(
            queue_email(
                kind=EVENTS[state],
                recipient=user.email,
                language=language,
                subject=subject,
                body=body,
                about=return_request,
            )
        )
    return sent


def alert(return_request: ReturnRequest, now: datetime) -> str:
    """Flag one return and tell its staff, if it entered a state not alerted yet;
    the state alerted, or ""."""
    with transaction.atomic():
        locked = (
            owed(ReturnRequest.objects.select_for_update(of=("self",)), now)
            .select_related("order", "seller")
            .filter(pk=return_request.pk)
            .first()
        )
        state = alert_state(locked, now) if locked is not None else ""
        if not state or locked.refund_alert in (state, OVERDUE):
            return ""

        def flag(r: ReturnRequest) -> str:
            r.refund_alert = state
            return r.refund_due_by.isoformat()

        lifecycle.record_event(
            locked,
            EVENTS[state],
            actor_kind=ActorKind.SYSTEM,
            may=(ActorKind.SYSTEM,),
            at=now,
            apply=flag,
        )
        locked.refund_alert = state
        _tell(locked, state)
    return state


def sweep_refund_clock(now: datetime, batch: int = BATCH) -> dict:
    """Beat: alert the returns due within 48 hours or overdue; how many of each."""
    counts = {DUE_SOON: 0, OVERDUE: 0}
    for return_request in due(now).only("pk")[:batch]:
        state = alert(return_request, now)
        if state:
            counts[state] += 1
    return counts
