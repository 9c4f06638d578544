"""The carrier's scans of a parcel, as events of the return's timeline: their
codes (the event code and audit verb) and what staff and the buyer read."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Scan(StrEnum):
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED_TO_SELLER = "delivered_to_seller"
    EXCEPTION = "exception"


# The scans that say the parcel left: an approved return goes in transit.
SENT = frozenset({Scan.PICKED_UP, Scan.IN_TRANSIT})
PREFIX = "scan_"

LABELS = {
    Scan.PICKED_UP: _("Carrier: parcel picked up"),
    Scan.IN_TRANSIT: _("Carrier: parcel in transit"),
    Scan.OUT_FOR_DELIVERY: _("Carrier: out for delivery to the seller"),
    Scan.DELIVERED_TO_SELLER: _("Carrier: delivered to the seller"),
    Scan.EXCEPTION: _("Carrier: problem with the delivery"),
}
# event code -> label, for the timelines.
EVENT_LABELS = {PREFIX + scan.value: label for scan, label in LABELS.items()}


def event_code(scan: Scan) -> str:
    return PREFIX + scan.value


def log_actions() -> list[tuple[str, object, object]]:
    """The audit log's entries of the scans (audit.LOG_ACTIONS)."""
    return [(code, label, label) for code, label in EVENT_LABELS.items()]
