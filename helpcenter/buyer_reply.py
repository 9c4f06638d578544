"""The buyer's answer in a support thread: one action, whether it was written on
the request page or sent by email (helpcenter.inbound).

Like every desk action it checks who acts (the request's owner on the page; on
the email path, the sender's address against the request's), locks the request,
moves it through the transition table (back to "waiting on support", unless
staff never touched it), writes the audit log (`helpcenter.support.buyer_reply`)
and queues staff's notification in the outbox, in one transaction. The same key
(the form's hidden key, or the email's Message-ID) adds the reply once.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from wagtail.log_actions import log

from core.outbox import queue_email

from . import desk
from .choices import SupportStatus
from .models import SupportAttachment, SupportReply, SupportRequest

logger = logging.getLogger(__name__)

MAX_LENGTH = 5000
# A buyer's answer gives staff the turn again; a request staff have not
# opened yet stays new (it is still in their "new" queue).
STATUS_AFTER_BUYER = {
    SupportStatus.NEW: SupportStatus.NEW,
    SupportStatus.OPEN: SupportStatus.OPEN,
    SupportStatus.WAITING: SupportStatus.OPEN,
    SupportStatus.SOLVED: SupportStatus.OPEN,
}


class KeyReused(Exception):
    """The idempotency key belongs to another request's reply."""


def owns(support: SupportRequest, *, user=None, sender: str = "") -> bool:
    """The request's buyer: its account on the page, its address by email."""
    if user is not None:
        return bool(
            getattr(user, "is_active", False) and support.user_id and support.user_id == user.pk
        )
    return bool(sender) and sender.strip().lower() == (support.email or "").strip().lower()


def add_buyer_reply(
    support: SupportRequest,
    *,
    body: str,
    key: str,
    user=None,
    sender: str = "",
    images=(),
    via_email: bool = False,
) -> tuple[SupportReply, bool]:
    """The buyer's reply with its attachments: (reply, created)."""
    if not owns(support, user=user, sender=sender):
        raise PermissionDenied
    body = body.strip()[:MAX_LENGTH]
    key = key[:64]
    existing = _existing(support, key)
    if existing is not None:
        return existing, False
    written, committed = [], []
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: committed.append(True))
            locked = desk._locked(support)
            reply = SupportReply.objects.create(
                request=locked,
                author=user if user is not None else locked.user,
                body=body,
                from_buyer=True,
                via_email=via_email,
                idempotency_key=key,
            )
            for image in images:
                attachment = SupportAttachment(
                    request=locked,
                    reply=reply,
                    original_name=image.original_name,
                    content_type=image.content_type,
                    size=len(image.content),
                )
                attachment.file.save(image.stored_name, ContentFile(image.content), save=False)
                written.append(attachment.file)
                attachment.save()
            before = desk._set_status(locked, STATUS_AFTER_BUYER[locked.status])
            log(
                instance=locked,
                action=desk.LOG_PREFIX + "buyer_reply",
                user=user,
                data={
                    "reply": reply.pk,
                    "from": before or locked.status,
                    "to": locked.status,
                    "attachments": len(written),
                    "via_email": via_email,
                },
            )
            notify_staff(locked, reply)
            desk._sync(support, locked)
    except IntegrityError:  # the same key won a race a moment ago
        if not committed:
            _delete(written)
        existing = _existing(support, key)
        if existing is None:
            raise
        return existing, False
    except Exception:
        if not committed:  # rolled back: no orphan files either
            _delete(written)
        raise
    logger.info("Buyer replied on support request %s", support.reference)
    return reply, True


def _existing(support: SupportRequest, key: str) -> SupportReply | None:
    existing = SupportReply.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.request_id != support.pk:
        raise KeyReused(key)
    return existing


def _delete(files) -> None:
    for stored in files:
        stored.storage.delete(stored.name)


def notify_staff(support: SupportRequest, reply: SupportReply) -> None:
    """Email the assignee, or the support inbox (SUPPORT_INBOX_EMAIL) when nobody
    has the request, in their language, with a link to the request in the admin.
    The buyer's text stays in the admin, out of staff's mailboxes."""
    assignee = support.assignee
    recipient = assignee.email if assignee is not None else settings.SUPPORT_INBOX_EMAIL
    language = getattr(assignee, "preferred_language", "") or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "wagtailsnippets_helpcenter_supportrequest:edit", args=[support.pk]
    )
    context = {"support": support, "reply": reply, "url": url}
    with translation.override(language):
        subject = render_to_string("helpcenter/email/buyer_reply_staff_subject.txt", context)
        body = render_to_string("helpcenter/email/buyer_reply_staff.txt", context)
    queue_email(
        kind="support.buyer_reply",
        recipient=recipient,
        language=language,
        subject=subject,
        body=body,
        about=support,
    )
