"""Paying booked refunds: an interface, the local implementation this project runs,
and the one function that pays a refund.

A real marketplace plugs its payment provider in with `RETURNS_PAYMENT_GATEWAY`
(a dotted path to a class with the `PaymentGateway` shape). The default,
`LocalLedgerGateway`, records the payout locally and succeeds: it is what `make run`
and the tests use, and what a marketplace that pays refunds by hand would run.
Every call carries the refund's idempotency key, so a retried task never pays twice.

The Celery task (`return_portal.tasks.execute_refund`) is a thin wrapper over `pay`
that adds the retries. This module queues it by its registered name, so the
refunds never import the task layer (which imports them).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from ..models import Refund, RefundStatus

logger = logging.getLogger(__name__)

DEFAULT_GATEWAY = "return_portal.refunds.payout.LocalLedgerGateway"
# The task's registered name (return_portal/tasks.py), which beat and workers use.
EXECUTE_REFUND_TASK = "return_portal.tasks.execute_refund"
# A refund younger than this may still have its own task running: not re-queued.
STALE_REFUND = timedelta(minutes=10)


@dataclass(frozen=True)
class PayoutRequest:
    idempotency_key: str
    amount: Decimal
    currency: str
    resolution: str  # "refund" to the original means of payment, or "store_credit"
    payment_method: str
    payment_reference: str


class PaymentError(Exception):
    """The provider refused or could not be reached; the task retries."""


class PaymentGateway(Protocol):
    def payout(self, request: PayoutRequest) -> str:
        """Pay `request` once per idempotency key; return the provider's reference."""


class LocalLedgerGateway:
    """Records the payout and answers with a stable reference derived from the key:
    the same key always gives the same reference, as a real provider's would."""

    def payout(self, request: PayoutRequest) -> str:
        if request.amount <= 0:
            raise PaymentError("Nothing to pay.")
        digest = hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:16]
        return f"local-{digest}"


def gateway() -> PaymentGateway:
    path = getattr(settings, "RETURNS_PAYMENT_GATEWAY", DEFAULT_GATEWAY)
    return import_string(path)()


def queue_payout(refund_id: int) -> bool:
    """Ask a worker to pay the refund now; False when the broker is down (beat's
    sweep re-queues pending refunds, so nothing is lost)."""
    try:
        task = current_app.tasks.get(EXECUTE_REFUND_TASK)
        if task is None:  # a process that never loaded the apps: the broker by name
            current_app.send_task(EXECUTE_REFUND_TASK, args=[refund_id])
        else:
            task.delay(refund_id)
    except Exception as error:  # broker down (or, eager, the payout failed again)
        logger.warning("Refund %s queued for the next sweep: %s", refund_id, error)
        return False
    return True


def schedule_refund(refund: Refund) -> None:
    """Queue the payout once the refund row is committed."""
    transaction.on_commit(lambda: queue_payout(refund.pk))


def requeue_pending(now: datetime) -> int:
    """Beat: queue again the refunds still pending (their task was lost with the
    broker, or the provider stayed down through every retry); how many were queued.
    Whatever the broker refuses now, the next sweep tries again."""
    stale = Refund.objects.filter(status=RefundStatus.PENDING, created_at__lt=now - STALE_REFUND)
    return sum(queue_payout(pk) for pk in stale.values_list("pk", flat=True))


def pay(refund_id: int) -> None:
    """Pay one refund through the gateway with its idempotency key, recording the
    attempt. Nothing happens for a refund already paid (or gone). Raises
    PaymentError, after recording the failed attempt, when the provider fails."""
    error: PaymentError | None = None
    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update()
            .select_related("return_request__order")
            .filter(pk=refund_id)
            .first()
        )
        if refund is None or refund.status == RefundStatus.SUCCEEDED:
            return
        order = refund.return_request.order
        refund.attempts += 1
        try:
            reference = gateway().payout(
                PayoutRequest(
                    idempotency_key=refund.idempotency_key,
                    amount=refund.amount,
                    currency=refund.currency,
                    resolution=refund.resolution,
                    payment_method=order.payment_method,
                    payment_reference=order.payment_reference,
                )
            )
        except PaymentError as failed:
            refund.last_error = str(failed)[:1000]
            refund.save(update_fields=["attempts", "last_error"])
            error = failed
        else:
            refund.status = RefundStatus.SUCCEEDED
            refund.provider_reference = reference
            refund.completed_at = timezone.now()
            refund.save(update_fields=["attempts", "status", "provider_reference", "completed_at"])
    # Raised once the attempt is committed: the retry must see it counted.
    if error is not None:
        raise error
