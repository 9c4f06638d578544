"""A carrier's scan of a return's parcel (the tracking webhook, api/tracking.py).

Every scan is an event of the return's timeline (`scan_events`), read by staff
and the buyer. A scan saying the parcel left (picked up, in transit) moves an
approved return in transit through the lifecycle's own action; delivery to the
seller is only an event: staff still receive and count the units. A scan that
comes out of order (in transit after delivered) is recorded and moves nothing.

Each webhook id is stored (CarrierWebhook) in the transaction that applies its
scan: the same webhook again is a replay, done once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import lifecycle
from .models import ActorKind, CarrierWebhook, ReturnRequest, ReturnStatus
from .scan_events import SENT, Scan, event_code

SYSTEM = ActorKind.SYSTEM


class UnknownTracking(LookupError):
    """No return carried by this carrier has this tracking number."""


@dataclass(frozen=True)
class ScanResult:
    return_request: ReturnRequest
    replayed: bool
    moved: bool = False


def find(carrier: str, number: str) -> ReturnRequest:
    found = ReturnRequest.objects.filter(carrier=carrier, carrier_tracking=number.upper()).first()
    if found is None:
        raise UnknownTracking(number)
    return found


def _instant(return_request: ReturnRequest, at: datetime | None) -> datetime:
    """The scan's time, never in the future nor before the return's last event
    (the timeline stays in order whatever the carrier's clock says)."""
    now = timezone.now()
    at = min(at or now, now)
    last = return_request.events.order_by("-at").values_list("at", flat=True).first()
    return max(at, last) if last else at


def receive_scan(
    *,
    carrier: str,
    webhook_id: str,
    number: str,
    scan: Scan,
    at: datetime | None = None,
    location: str = "",
) -> ScanResult:
    """Apply one scan of webhook `webhook_id`, once. UnknownTracking when no return
    of `carrier` has this number (nothing is stored)."""
    return_request = find(carrier, number)
    with transaction.atomic():
        try:
            with transaction.atomic():
                CarrierWebhook.objects.create(
                    carrier=carrier,
                    webhook_id=webhook_id,
                    return_request=return_request,
                    event=scan.value,
                )
        except IntegrityError:
            return ScanResult(return_request, replayed=True)
        at = _instant(return_request, at)
        moved = False
        if scan in SENT and return_request.status == ReturnStatus.APPROVED:
            try:
                lifecycle.mark_in_transit(return_request, actor_kind=SYSTEM, at=at)
                moved = True
            except lifecycle.TransitionError:
                pass  # moved on meanwhile: the scan is still recorded
        lifecycle.record_event(
            return_request, event_code(scan), may=(SYSTEM,), at=at, note=location
        )
    return_request.refresh_from_db()
    return ScanResult(return_request, replayed=False, moved=moved)
