"""Celery entry points of the return portal: thin wrappers over the domain.

`execute_refund` pays through `refunds.payout.pay` and adds the retries;
`sweep_returns` (beat) runs the sweeps. The task names are what beat and the
workers know: they stay as they are when the code behind them moves.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from core import outbox

from . import lifecycle, photos
from .refunds import payout


@shared_task(
    name=payout.EXECUTE_REFUND_TASK,
    bind=True,
    ignore_result=True,
    acks_late=True,
    max_retries=8,
)
def execute_refund(self, refund_id: int) -> None:
    """Pay one refund through the gateway, with its idempotency key; retried with
    backoff when the provider fails."""
    try:
        payout.pay(refund_id)
    except payout.PaymentError:
        raise self.retry(countdown=min(3600, 30 * 2**self.request.retries)) from None


@shared_task(name="return_portal.tasks.sweep_returns", ignore_result=True)
def sweep_returns() -> dict:
    """Beat: expire approved returns not sent by their ship-by date, re-queue refunds
    still pending, delete the photos of abandoned drafts, relay whatever the outbox
    holds."""
    now = timezone.now()
    return {
        "expired": lifecycle.expire_overdue(now),
        "refunds_requeued": payout.requeue_pending(now),
        "photos_purged": photos.purge_abandoned(now),
        # Last, so the expiry emails above go out in this sweep.
        "relayed": outbox.relay(),
    }


# Queued by the previous release (before the one outbox in core): still accepted,
# so a message waiting in the broker at upgrade is not refused as unregistered.
@shared_task(name="return_portal.tasks.relay_outbox", ignore_result=True)
def relay_outbox_of_the_previous_release() -> int:
    return outbox.relay()
