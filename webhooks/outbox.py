"""Events written in the caller's transaction, delivered after commit.

`emit` writes one `WebhookEvent` and one `WebhookDelivery` per enabled endpoint
that wants it, in the transaction of the change it reports (rolled back with
it). After commit Celery's `relay_webhooks` (queue "webhooks") sends them; beat
runs it every minute for what the broker missed and for retries.

A relay claims due deliveries with SKIP LOCKED and leases them (pushes
`next_attempt_at` a little ahead) in a short transaction, then sends outside of
it: a slow receiver holds no lock, and a worker that dies mid-send leaves the
delivery to the next relay once the lease ends (at least once). A delivery is
not sent while an earlier one of the same endpoint and ordering key is not yet
delivered, so a receiver sees a return's events in order.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from datetime import UTC, datetime, timedelta

import requests
from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from standardwebhooks import Webhook

from . import addresses
from .events import EVENT_TYPES
from .models import (
    ANY_ENABLED_CACHE_KEY,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

BATCH = 50
MAX_ATTEMPTS = 12
BACKOFF_BASE = 30  # seconds: 30 s, 1 min, 2 min ... capped
BACKOFF_CAP = 6 * 3600
LEASE = timedelta(minutes=2)
USER_AGENT = "returns-hub-webhooks/1"
# Its own Celery queue: a slow receiver never delays the emails or the refunds.
QUEUE = "webhooks"
ANY_ENABLED_TTL = 300


def timeout() -> float:
    return float(getattr(settings, "WEBHOOK_TIMEOUT", 5.0))


def any_enabled() -> bool:
    """Whether an endpoint is enabled (cached; see models.ANY_ENABLED_CACHE_KEY)."""
    try:
        cached = cache.get(ANY_ENABLED_CACHE_KEY)
    except Exception:
        cached = None
    if cached is not None:
        return cached
    found = WebhookEndpoint.objects.filter(enabled=True).exists()
    with contextlib.suppress(Exception):
        cache.set(ANY_ENABLED_CACHE_KEY, found, ANY_ENABLED_TTL)
    return found


def emit(event_type: str, data, *, seller_ids, ordering_key: str) -> WebhookEvent | None:
    """Queue `event_type` for every enabled endpoint that wants it: the operator's,
    and those of the sellers in `seller_ids`. None when no endpoint wants it.
    `data`: the event's data, or a callable that returns it (called only when an
    endpoint wants the event, so an action without endpoints reads nothing more)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    sellers = sorted({int(pk) for pk in seller_ids if pk is not None})
    if not any_enabled():
        return None
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(enabled=True)
        .filter(Q(seller__isnull=True) | Q(seller_id__in=sellers))
        .only("id", "seller_id", "events")
        if event_type in (endpoint.events or [])
    ]
    if not endpoints:
        return None
    now = timezone.now()
    key = str(ordering_key)[:100]
    event = WebhookEvent(
        event_type=event_type, seller_ids=sellers, ordering_key=key, created_at=now
    )
    event.payload = {
        "type": event_type,
        "id": event.message_id,
        "timestamp": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": data() if callable(data) else data,
    }
    event.save()
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint, event=event, ordering_key=key, next_attempt_at=now, created_at=now
        )
        for endpoint in endpoints
    )
    transaction.on_commit(relay_soon)
    return event


def relay_soon() -> None:
    try:
        relay_webhooks.apply_async(queue=QUEUE)
    except Exception:  # the broker is down: beat relays them later
        logger.warning("Webhook relay not queued; the beat schedule will send it.")


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt."""
    return timedelta(seconds=min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP))


def body_of(event: WebhookEvent) -> str:
    return json.dumps(event.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def signed_headers(endpoint: WebhookEndpoint, event: WebhookEvent, body: str, at: datetime):
    """Standard Webhooks' three headers; one signature per live secret."""
    at = at.astimezone(UTC)
    signatures = [
        Webhook(secret).sign(event.message_id, at, body) for secret in endpoint.signing_secrets(at)
    ]
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": event.message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


def due(now: datetime):
    """Pending, due, of an enabled endpoint, and first of its ordering key."""
    earlier = WebhookDelivery.objects.filter(
        endpoint=OuterRef("endpoint"), ordering_key=OuterRef("ordering_key"), id__lt=OuterRef("id")
    ).exclude(status=DeliveryStatus.DELIVERED)
    return WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__enabled=True
    ).filter(~Exists(earlier))


def claim(batch: int = BATCH, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            due(now)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        if ids:
            WebhookDelivery.objects.filter(id__in=ids).update(next_attempt_at=now + LEASE)
    return ids


def send(delivery: WebhookDelivery) -> bool:
    """One attempt, recorded; True when the receiver answered 2xx."""
    endpoint, event = delivery.endpoint, delivery.event
    at = timezone.now()
    body = body_of(event)
    status_code, error = None, ""
    started = time.monotonic()
    refused = addresses.resolved_refusal(endpoint.url)
    try:
        if refused:  # counted as a failed attempt: retried, then failed, resendable
            raise requests.ConnectionError(refused)
        response = requests.post(
            endpoint.url,
            data=body.encode("utf-8"),
            headers=signed_headers(endpoint, event, body, at),
            timeout=timeout(),
            allow_redirects=False,
            stream=True,
        )
        status_code = response.status_code
        response.close()
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except requests.Timeout:
        error = f"timed out after {timeout():g} s"
    except requests.RequestException as failed:
        error = f"{type(failed).__name__}: {failed}"[:1000]
    duration = int((time.monotonic() - started) * 1000)
    ok = not error
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery, at=at, status_code=status_code, error=error, duration_ms=duration
        )
        delivery.attempts += 1
        delivery.last_status_code = status_code
        delivery.last_error = error
        if ok:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
        delivery.save(
            update_fields=[
                "attempts",
                "last_status_code",
                "last_error",
                "status",
                "delivered_at",
                "next_attempt_at",
            ]
        )
    if not ok:
        logger.warning("Webhook delivery %s failed: %s", delivery.pk, error)
    return ok


def relay(batch: int = BATCH) -> int:
    """Send what is due; the number delivered. Loops while deliveries succeed, so
    the next of an ordering key goes out in the same run."""
    delivered = 0
    while True:
        ids = claim(batch)
        if not ids:
            return delivered
        sent = 0
        for delivery in (
            WebhookDelivery.objects.filter(id__in=ids)
            .select_related("endpoint", "event")
            .order_by("id")
        ):
            sent += send(delivery)
        delivered += sent
        if not sent:
            return delivered


def resend(delivery: WebhookDelivery) -> None:
    """Staff's "Resend": due now again, whatever it was (attempts are kept)."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, next_attempt_at=timezone.now()
    )
    transaction.on_commit(relay_soon)


@shared_task(name="webhooks.tasks.relay_webhooks", ignore_result=True)
def relay_webhooks() -> int:
    """After a commit, and every minute from beat: send the due deliveries."""
    return relay()
