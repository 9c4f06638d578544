"""Buyer notifications, written to the outbox in the caller's transaction.

`queue` renders the email in the buyer's language now (the content is what the
buyer is told at that moment, and the acknowledgement of a withdrawal must keep
it) and stores it in the one outbox (`core.outbox`), which relays it after commit
or, if the broker is down then, from beat a minute later.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.models import OutboxMessage
from core.outbox import queue_email
from core.public_url import public_url

from .legal_calendar import market_timezone
from .models import ReturnRequest

# Events with their own template; any other status change uses "status".
TEMPLATES = {"requested", "withdrawal", "message", "refund", "refund_paid"}


def language_of(return_request: ReturnRequest) -> str:
    buyer = return_request.buyer
    language = getattr(buyer, "preferred_language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def detail_url(return_request: ReturnRequest) -> str:
    path = reverse("return_portal:detail", args=[return_request.public_id])
    return public_url(path)


def queue(return_request: ReturnRequest, event: str, **context) -> OutboxMessage | None:
    recipient = return_request.buyer.email if return_request.buyer_id else ""
    recipient = recipient or return_request.order.buyer_email
    if not recipient:
        return None
    language = language_of(return_request)
    template = event if event in TEMPLATES else "status"
    with translation.override(language):
        local_zone = market_timezone(return_request.order.market)
        context = {
            "return": return_request,
            "event": event,
            "url": detail_url(return_request),
            # Read only by the templates that list the lines (a callable is called
            # by the template on first use), so a status email costs no query here.
            "lines": _lines_of(return_request),
            "now": timezone.now(),
            "zone": local_zone,
            **context,
        }
        subject = render_to_string(f"return_portal/email/{template}_subject.txt", context)
        body = render_to_string(f"return_portal/email/{template}.txt", context)
    return queue_email(
        kind=event,
        recipient=recipient,
        language=language,
        subject=subject,
        body=body,
        about=return_request,
    )


def _lines_of(return_request: ReturnRequest):
    cache = []

    def lines():
        if not cache:
            cache.append(list(return_request.lines.select_related("order_line")))
        return cache[0]

    return lines
