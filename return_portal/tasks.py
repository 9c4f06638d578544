"""Celery entry points of the return portal: thin wrappers over the domain.

`execute_refund` pays through `refunds.payout.pay` and adds the retries;
`sweep_returns` (beat) runs the sweeps. The task names are what beat and the
workers know: they stay as they are when the code behind them moves.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from core import outbox

from . import approval, draft, lifecycle, photos
from .refunds import alerts, payout


@shared_task(
    name=payout.EXECUTE_REFUND_TASK,
    bind=True,
    ignore_result=True,
    # Acknowledged once done, and redelivered if the worker dies meanwhile: the
    # idempotency key makes the second run find the payout the first one made.
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=8,
)
def execute_refund(self, refund_id: int) -> None:
    """Pay one refund through the gateway, with its idempotency key; retried with
    exponential backoff and jitter when the provider fails, then marked failed
    (with the provider's reason) for staff to retry."""
    last = self.request.retries >= self.max_retries
    # The backoff is chosen first, so the failed attempt records when the next one
    # is due (`Refund.next_attempt_at`): beat's sweep leaves it to this retry.
    countdown = None if last else payout.retry_delay(self.request.retries)
    try:
        payout.pay(refund_id, retry_in=countdown)
    except payout.PaymentError as error:
        if last:
            payout.give_up(refund_id, error)
            return
        raise self.retry(countdown=countdown) from None


@shared_task(name="return_portal.tasks.sweep_returns", ignore_result=True)
def sweep_returns() -> dict:
    """Beat: expire approved returns not sent by their ship-by date, re-queue refunds
    still pending, tell staff of requests past their approval deadline, alert staff
    to refunds due within 48 hours or overdue, delete expired drafts and the
    photos of abandoned drafts, relay whatever the outbox holds."""
    now = timezone.now()
    return {
        "expired": lifecycle.expire_overdue(now),
        "refunds_requeued": payout.requeue_pending(now),
        "approvals_overdue": approval.flag_overdue_approvals(now),
        "refund_alerts": alerts.sweep_refund_clock(now),
        # Drafts first: the photos of an expired draft are then abandoned too.
        "drafts_purged": draft.purge_expired(now),
        "photos_purged": photos.purge_abandoned(now),
        # Last, so the expiry emails above go out in this sweep.
        "relayed": outbox.relay(),
    }


# Queued by the previous release (before the one outbox in core): still accepted,
# so a message waiting in the broker at upgrade is not refused as unregistered.
@shared_task(name="return_portal.tasks.relay_outbox", ignore_result=True)
def relay_outbox_of_the_previous_release() -> int:
    return outbox.relay()
