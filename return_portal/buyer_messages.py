"""The buyer's side of a return's message thread.

Posting is an action: the buyer who owns the return only (actors.check), under
a lock on the return, the `ReturnMessage`, its audit log entry
("return_portal.message") and staff's notification in one transaction.

A buyer may also answer the thread's email (core.inbound_email hands the reply
here by the return's reply address): the sender's address must be the return's
buyer's, and the email's Message-ID is the key, so a provider's retry adds
nothing.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from core.outbox import queue_email

from . import actors, audit
from .models import ActorKind, ReturnMessage, ReturnRequest

logger = logging.getLogger(__name__)

MAX_LENGTH = 4000
# The kind of reply address a return's thread emails carry (core.inbound_email).
REPLY_KIND = "r"


class KeyReused(Exception):
    """The idempotency key belongs to another return's or author's message."""


def post_buyer_message(return_request: ReturnRequest, author, body: str, key: str):
    """Add the buyer's message once per key: (message, created). A double submit
    or a retried htmx request with the same key adds nothing."""
    actors.check(return_request, author, ActorKind.BUYER, (ActorKind.BUYER,))
    return _post(return_request, author, body, key)


def _post(return_request: ReturnRequest, author, body: str, key: str):
    existing = ReturnMessage.objects.filter(idempotency_key=key).first()
    if existing is None:
        try:
            with transaction.atomic():
                locked = ReturnRequest.objects.select_for_update().get(pk=return_request.pk)
                message = ReturnMessage.objects.create(
                    return_request=locked,
                    author=author,
                    from_staff=False,
                    body=body,
                    idempotency_key=key,
                )
                # The body stays in the thread (privacy erases it there), not in the log.
                audit.record(
                    locked, "message", user=author, before=locked.status, message=message.pk
                )
                _notify_staff(locked)
                return message, True
        except IntegrityError:  # the same key won a race a moment ago
            existing = ReturnMessage.objects.filter(idempotency_key=key).first()
            if existing is None:
                raise
    author_id = author.pk if author is not None else None
    if existing.return_request_id != return_request.pk or existing.author_id != author_id:
        raise KeyReused(key)
    return existing, False


def _notify_staff(return_request: ReturnRequest) -> None:
    """The assignee, or the support inbox when nobody has the return, is told
    that the buyer wrote, with a link to the return in the back office."""
    assignee = return_request.assignee
    recipient = assignee.email if assignee is not None else settings.SUPPORT_INBOX_EMAIL
    language = getattr(assignee, "preferred_language", "") or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "returns:inspect", args=[return_request.pk]
    )
    context = {"return": return_request, "url": url}
    with translation.override(language):
        subject = render_to_string("return_portal/email/buyer_message_subject.txt", context)
        body = render_to_string("return_portal/email/buyer_message.txt", context)
    queue_email(
        kind="buyer_message",
        recipient=recipient,
        language=language,
        subject=subject,
        body=body,
        about=return_request,
    )


def buyer_address(return_request: ReturnRequest) -> str:
    """Where the thread's emails go (notifications.queue): the account's address,
    else the order's."""
    address = return_request.buyer.email if return_request.buyer_id else ""
    return (address or return_request.order.buyer_email or "").strip().lower()


def receive_return_email(pk: int, reply) -> str:
    """An emailed answer to a return's thread (core.inbound_email.InboundReply)."""
    return_request = ReturnRequest.objects.select_related("buyer", "order").filter(pk=pk).first()
    if return_request is None:
        logger.warning("Inbound email refused: return %s no longer exists.", pk)
        return "unknown"
    if not reply.sender or reply.sender != buyer_address(return_request):
        # The return's history shows staff that a stranger tried (no address logged).
        logger.warning("Inbound email refused for return %s: the sender does not own it.", pk)
        audit.record(return_request, "email_refused", before=return_request.status)
        return "refused"
    if not reply.text:
        logger.info("Inbound email for return %s ignored: no new text.", pk)
        audit.record(return_request, "email_ignored", before=return_request.status)
        return "ignored"
    # The thread holds text only: attachments of an emailed answer are not kept.
    body = reply.text[:MAX_LENGTH]
    try:
        _message, created = _post(return_request, return_request.buyer, body, reply.key)
    except KeyReused:
        logger.warning("Inbound email for return %s refused: Message-ID used before.", pk)
        return "refused"
    return "created" if created else "duplicate"
