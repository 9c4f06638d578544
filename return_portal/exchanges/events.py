"""An exchange's events on the return's timeline: their codes (the event code and
audit verb) and what staff and the buyer read."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

REQUESTED = "exchange_requested"
DIFFERENCE_CHARGED = "exchange_charged"
DIFFERENCE_CREDITED = "exchange_credit_spent"
PAYMENT_FAILED = "exchange_payment_failed"
ORDERED = "exchange_ordered"
SHIPPED = "exchange_shipped"
AUTHORISED = "exchange_authorised"
RELEASED = "exchange_released"
CAPTURED = "exchange_captured"
DIFFERENCE_OWED = "exchange_difference"
CANCELLED = "exchange_cancelled"

EVENT_LABELS = {
    REQUESTED: _("Replacement requested from the shop"),
    DIFFERENCE_CHARGED: _("Price difference charged"),
    DIFFERENCE_CREDITED: _("Price difference paid with store credit"),
    PAYMENT_FAILED: _("Price difference could not be charged"),
    ORDERED: _("Replacement order created"),
    SHIPPED: _("Replacement shipped"),
    AUTHORISED: _("Payment authorised until the return arrives"),
    RELEASED: _("Payment authorisation released"),
    CAPTURED: _("Payment authorisation captured: the return did not arrive"),
    DIFFERENCE_OWED: _("Price difference given back"),
    CANCELLED: _("Exchange cancelled"),
}


def log_actions() -> list[tuple[str, object, object]]:
    """The audit log's entries of an exchange (audit.LOG_ACTIONS)."""
    return [(code, label, label) for code, label in EVENT_LABELS.items()]
