"""The buyer's side of a return's message thread.

Posting is an action: the buyer who owns the return only (actors.check), under
a lock on the return, the `ReturnMessage` and its audit log entry
("return_portal.message") in one transaction.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from . import actors, audit
from .models import ActorKind, ReturnMessage, ReturnRequest

MAX_LENGTH = 4000


class KeyReused(Exception):
    """The idempotency key belongs to another return's or author's message."""


def post_buyer_message(return_request: ReturnRequest, author, body: str, key: str):
    """Add the buyer's message once per key: (message, created). A double submit
    or a retried htmx request with the same key adds nothing."""
    actors.check(return_request, author, ActorKind.BUYER, (ActorKind.BUYER,))
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
                return message, True
        except IntegrityError:  # the same key won a race a moment ago
            existing = ReturnMessage.objects.filter(idempotency_key=key).first()
            if existing is None:
                raise
    if existing.return_request_id != return_request.pk or existing.author_id != author.pk:
        raise KeyReused(key)
    return existing, False
