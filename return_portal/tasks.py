from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from core import outbox

logger = logging.getLogger(__name__)


@shared_task(
    name="return_portal.tasks.execute_refund",
    bind=True,
    ignore_result=True,
    acks_late=True,
    max_retries=8,
)
def execute_refund(self, refund_id: int) -> None:
    """Pay one refund through the gateway, with its idempotency key; retried with
    backoff when the provider fails."""
    from .models import Refund, RefundStatus
    from .payments import PaymentError, PayoutRequest, gateway

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
        except PaymentError as error:
            refund.last_error = str(error)[:1000]
            refund.save(update_fields=["attempts", "last_error"])
            failed = True
        else:
            refund.status = RefundStatus.SUCCEEDED
            refund.provider_reference = reference
            refund.completed_at = timezone.now()
            refund.save(update_fields=["attempts", "status", "provider_reference", "completed_at"])
            failed = False
    if failed:
        raise self.retry(countdown=min(3600, 30 * 2**self.request.retries))


@shared_task(name="return_portal.tasks.sweep_returns", ignore_result=True)
def sweep_returns() -> dict:
    """Beat: expire approved returns not sent by their ship-by date, re-queue refunds
    still pending, delete the photos of abandoned drafts, relay whatever the outbox
    holds."""
    from . import lifecycle, photos
    from .models import Refund, RefundStatus, ReturnKind, ReturnRequest, ReturnStatus

    now = timezone.now()
    expired = 0
    for return_request in ReturnRequest.objects.filter(
        # A withdrawal stays valid if the goods come late (the buyer answers for the
        # delay, the right is not lost), so only ordinary returns expire.
        kind=ReturnKind.RETURN,
        status=ReturnStatus.APPROVED,
        ship_by__lt=now,
    ).only("pk", "status"):
        try:
            lifecycle.expire(return_request, at=now)
            expired += 1
        except lifecycle.TransitionError:
            continue  # moved on meanwhile
    stale = now - timedelta(minutes=10)
    requeued = 0
    for refund_id in Refund.objects.filter(
        status=RefundStatus.PENDING, created_at__lt=stale
    ).values_list("pk", flat=True):
        try:
            execute_refund.delay(refund_id)
        except Exception as error:  # broker down (or, eager, the payout failed again)
            # The outbox below must still be relayed; the next sweep tries this again.
            logger.warning("Refund %s not re-queued: %s", refund_id, error)
            continue
        requeued += 1
    purged = photos.purge_abandoned(now)
    relayed = outbox.relay()
    return {
        "expired": expired,
        "refunds_requeued": requeued,
        "photos_purged": purged,
        "relayed": relayed,
    }
