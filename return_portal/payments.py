"""Paying refunds: an interface, and the local implementation this project runs.

A real marketplace plugs its payment provider in with `RETURNS_PAYMENT_GATEWAY`
(a dotted path to a class with the `PaymentGateway` shape). The default,
`LocalLedgerGateway`, records the payout locally and succeeds: it is what `make run`
and the tests use, and what a marketplace that pays refunds by hand would run.
Every call carries the refund's idempotency key, so a retried task never pays twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string


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
        import hashlib

        digest = hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:16]
        return f"local-{digest}"


def gateway() -> PaymentGateway:
    path = getattr(settings, "RETURNS_PAYMENT_GATEWAY", "return_portal.payments.LocalLedgerGateway")
    return import_string(path)()


def schedule_refund(refund) -> None:
    """Queue the payout once the refund row is committed."""
    from .tasks import execute_refund

    def send() -> None:
        try:
            execute_refund.delay(refund.pk)
        except Exception:  # broker down: beat retries pending refunds
            import logging

            logging.getLogger(__name__).warning("Refund %s queued for the next sweep.", refund.pk)

    transaction.on_commit(send)
