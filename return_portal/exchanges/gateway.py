"""Charging the buyer: the price difference of a dearer replacement, and the
authorisation an instant exchange holds until the return arrives.

A real marketplace plugs its provider in with `RETURNS_CHARGE_GATEWAY` (a dotted
path to a class with the `ChargeGateway` shape). The default, `LocalChargeGateway`,
records nothing outside the hub and succeeds, with references derived from the
idempotency key, as a real provider answers the same key with the same charge.
`SimulatedChargeGateway` declines when the simulated provider is told to fail
under the key (refunds.simulated.configure), for demos and tests.

Every call carries an idempotency key, so an approval retried after a lost
answer charges once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from ..refunds import simulated

DEFAULT_GATEWAY = "return_portal.exchanges.gateway.LocalChargeGateway"


@dataclass(frozen=True)
class ChargeRequest:
    idempotency_key: str
    amount: Decimal
    currency: str
    payment_method: str
    payment_reference: str


class ChargeDeclined(Exception):
    """The provider refused: nothing was charged or authorised."""


class ChargeUnavailable(ChargeDeclined):
    """The provider could not be reached or did not answer: staff retry later,
    under the same key (a charge made meanwhile is answered, not made again)."""


class ChargeGateway(Protocol):
    def charge(self, request: ChargeRequest) -> str:
        """Charge `amount` once per key; the provider's reference."""

    def authorise(self, request: ChargeRequest) -> str:
        """Hold `amount` once per key; the authorisation's reference."""

    def capture(self, authorisation: str, request: ChargeRequest) -> str:
        """Take what an authorisation holds; the capture's reference."""

    def release(self, authorisation: str) -> None:
        """Let an authorisation go; releasing twice is harmless."""

    def refund_charge(self, charge: str, request: ChargeRequest) -> str:
        """Give a charge back (the exchange was cancelled after it)."""


def _reference(prefix: str, key: str) -> str:
    return f"{prefix}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


class LocalChargeGateway:
    def _checked(self, request: ChargeRequest) -> None:
        if request.amount <= 0:
            raise ChargeDeclined("Nothing to charge.")

    def charge(self, request: ChargeRequest) -> str:
        self._checked(request)
        return _reference("charge", request.idempotency_key)

    def authorise(self, request: ChargeRequest) -> str:
        self._checked(request)
        return _reference("auth", request.idempotency_key)

    def capture(self, authorisation: str, request: ChargeRequest) -> str:
        self._checked(request)
        return _reference("capture", request.idempotency_key)

    def release(self, authorisation: str) -> None:
        return None

    def refund_charge(self, charge: str, request: ChargeRequest) -> str:
        self._checked(request)
        return _reference("charge-refund", request.idempotency_key)


class SimulatedChargeGateway(LocalChargeGateway):
    """Declines a key the simulated provider was told to fail (or every key, by
    its default script)."""

    def _checked(self, request: ChargeRequest) -> None:
        super()._checked(request)
        if simulated.script_for(request.idempotency_key).failure_of(1):
            raise ChargeDeclined("Declined by the simulated provider.")


def gateway() -> ChargeGateway:
    return import_string(getattr(settings, "RETURNS_CHARGE_GATEWAY", DEFAULT_GATEWAY))()
