"""The one outbox: every email (and later every webhook) is written as a row in
the transaction of the change it reports, then relayed.

`queue_email` is called inside the caller's transaction. After commit it asks
Celery to relay; when the broker is down that request fails quietly and beat's
`core.tasks.relay_outbox` (every minute) sends the row later. Rows are locked
with SKIP LOCKED while sent, so two relays never send the same message twice.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

BATCH = 100
MAX_ATTEMPTS = 10


def queue_email(
    *,
    kind: str,
    recipient: str,
    language: str,
    subject: str,
    body: str,
    about=None,
    reply_to: str = "",
) -> OutboxMessage | None:
    """Store one email to send after commit; None when there is nobody to send to."""
    if not recipient:
        return None
    message = OutboxMessage.objects.create(
        kind=kind[:64],
        recipient=recipient,
        language=language,
        subject=" ".join(subject.split())[:255],
        body=body,
        reply_to=reply_to,
        about_type=ContentType.objects.get_for_model(about) if about is not None else None,
        about_id=about.pk if about is not None else None,
    )
    transaction.on_commit(relay_soon)
    return message


def relay_soon() -> None:
    try:
        relay_outbox.delay()
    except Exception:  # the broker is down: beat relays it later
        logger.warning("Outbox relay not queued; the beat schedule will send it.")


def send_mail(subject: str, body: str, recipient: str, reply_to: str = "") -> int:
    """One email from DEFAULT_FROM_EMAIL, with the thread's Reply-To when it has one."""
    message = EmailMessage(subject, body, to=[recipient], reply_to=[reply_to] if reply_to else None)
    return message.send()


def relay(batch: int = BATCH) -> int:
    """Send unsent messages, oldest first; a failure is kept for the next relay."""
    sent = 0
    with transaction.atomic():
        pending = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
            .order_by("created_at", "id")[:batch]
        )
        for message in pending:
            message.attempts += 1
            try:
                send_mail(message.subject, message.body, message.recipient, message.reply_to)
            except Exception as error:
                message.last_error = str(error)[:1000]
                message.save(update_fields=["attempts", "last_error"])
                logger.warning("Outbox message %s not sent: %s", message.pk, type(error).__name__)
                continue
            message.sent_at = timezone.now()
            message.save(update_fields=["sent_at", "attempts"])
            sent += 1
    return sent


# Defined here, not in tasks.py, so that queueing needs no import of the task
# module (tasks.py re-exports it for Celery's autodiscovery).
@shared_task(name="core.tasks.relay_outbox", ignore_result=True)
def relay_outbox() -> int:
    """After a commit, and every minute from beat: send what the outbox holds."""
    return relay()


def messages_about(instance):
    """The outbox rows about one record (a return, a support request)."""
    return OutboxMessage.objects.filter(
        about_type=ContentType.objects.get_for_model(instance), about_id=instance.pk
    )
