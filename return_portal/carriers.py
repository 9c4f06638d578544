"""The carrier that carries prepaid returns: it issues the label's tracking number
when the return is approved, and sends its scans to the tracking webhook
(api/tracking.py).

`RETURNS_CARRIER` names the class (like `RETURNS_PAYMENT_GATEWAY`); a real
carrier's integration implements `Carrier`. `LocalCarrier` is the local one:
its numbers are "RH", the RMA's eight characters and a check character (Luhn
mod 36), so one return has one number, the same every time, and two returns
never share one (RMAs are unique).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from policy_pages.rules import ShippingMethod

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class LabelRequest:
    rma: str
    order_reference: str
    seller_reference: str


class Carrier(Protocol):
    code: str  # names the carrier in the webhook's URL and in its secret

    def issue(self, request: LabelRequest) -> str:
        """The tracking number of the parcel's label."""


def check_character(value: str) -> str:
    """Luhn mod 36 over digits and capital letters: catches any single wrong
    character and most swaps of two neighbours."""
    factor, total, n = 2, 0, len(ALPHABET)
    for char in reversed(value):
        addend = factor * ALPHABET.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def valid(number: str) -> bool:
    number = number.upper()
    return (
        len(number) > 1
        and all(char in ALPHABET for char in number)
        and check_character(number[:-1]) == number[-1]
    )


class LocalCarrier:
    code = "local"
    prefix = "RH"

    def issue(self, request: LabelRequest) -> str:
        body = "".join(c for c in request.rma.upper().removeprefix("RMA-") if c in ALPHABET)
        value = self.prefix + body
        return value + check_character(value)


def carrier() -> Carrier:
    return import_string(settings.RETURNS_CARRIER)()


def webhook_secret(code: str) -> str:
    return (getattr(settings, "RETURNS_CARRIER_WEBHOOK_SECRETS", {}) or {}).get(code, "")


def issue_label(return_request) -> str:
    """On approval (lifecycle.approve, on the locked row): a prepaid return gets its
    carrier and tracking number, once. Other methods have no label."""
    if return_request.shipping_method != ShippingMethod.PREPAID_LABEL:
        return ""
    if return_request.carrier_tracking:
        return return_request.carrier_tracking
    chosen = carrier()
    seller = return_request.seller
    return_request.carrier = chosen.code
    return_request.carrier_tracking = chosen.issue(
        LabelRequest(
            rma=return_request.rma,
            order_reference=return_request.order.reference,
            seller_reference=seller.reference if seller else "",
        )
    )
    return return_request.carrier_tracking
