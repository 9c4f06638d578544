"""The buyer's side of a return's message thread."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from .models import ReturnMessage, ReturnRequest

MAX_LENGTH = 4000


class KeyReused(Exception):
    """The idempotency key belongs to another return's or author's message."""


def post_buyer_message(return_request: ReturnRequest, author, body: str, key: str):
    """Add the buyer's message once per key: (message, created). A double submit
    or a retried htmx request with the same key adds nothing."""
    existing = ReturnMessage.objects.filter(idempotency_key=key).first()
    if existing is None:
        try:
            with transaction.atomic():
                return (
                    ReturnMessage.objects.create(
                        return_request=return_request,
                        author=author,
                        from_staff=False,
                        body=body,
                        idempotency_key=key,
                    ),
                    True,
                )
        except IntegrityError:  # the same key won a race a moment ago
            existing = ReturnMessage.objects.filter(idempotency_key=key).first()
            if existing is None:
                raise
    if existing.return_request_id != return_request.pk or existing.author_id != author.pk:
        raise KeyReused(key)
    return existing, False
