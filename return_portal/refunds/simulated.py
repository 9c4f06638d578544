"""A simulated payment provider: a real, local implementation of the gateway
interface that can be told to decline, time out, or pay after some tries.

    RETURNS_PAYMENT_GATEWAY = "return_portal.refunds.simulated.SimulatedGateway"

What each call does follows a `Script`: set per refund key (`configure`; the
request's `refund_key`, else its idempotency key),
else the default set here (`configure_default`), else the setting
`RETURNS_SIMULATED_GATEWAY` ("succeed", "fail", "timeout", or "fail:2" and
"timeout:2" for the first two calls only), else it pays.

Like a real provider it keeps its own ledger, outside the hub's database
transaction (in the cache, which every process of the hub shares): a payout
survives the rollback of the worker that asked for it, and the same key always
answers with the same payout, so a retried or redelivered task pays once. A
key reused with another sum is refused, as providers refuse it. A timeout is the
worst case: the provider paid and its answer was lost.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .payout import PaymentError, PaymentTimeout, PayoutRequest

FAIL = "fail"
TIMEOUT = "timeout"
FAILURES = (FAIL, TIMEOUT)
PREFIX = "simulated-gateway"


@dataclass(frozen=True)
class Script:
    """What goes wrong (`failure`: "", "fail" or "timeout") and for how many calls
    (`times`; None: every call). `Script()` pays at once."""

    failure: str = ""
    times: int | None = None

    def failure_of(self, call: int) -> str:
        if self.times is not None and call > self.times:
            return ""
        return self.failure

    @classmethod
    def parse(cls, text: str) -> Script:
        """ "succeed", "fail", "timeout", "fail:2", "timeout:3"."""
        name, _sep, times = (text or "").strip().lower().partition(":")
        if name in ("", "succeed"):
            return cls()
        if name not in FAILURES or (times and not times.isdigit()):
            raise ValueError(f"Unknown simulated gateway script {text!r}.")
        return cls(name, int(times) if times else None)

    def to_text(self) -> str:
        if not self.failure:
            return "succeed"
        return self.failure if self.times is None else f"{self.failure}:{self.times}"


@dataclass(frozen=True)
class Payout:
    idempotency_key: str
    amount: Decimal
    surcharge: Decimal
    currency: str
    reference: str
    paid_at: str

    @property
    def total(self) -> Decimal:
        return self.amount + self.surcharge


def _generation() -> int:
    cache.add(f"{PREFIX}:generation", 1, timeout=None)
    return cache.get(f"{PREFIX}:generation", 1)


def _key(kind: str, idempotency_key: str = "") -> str:
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"{PREFIX}:{_generation()}:{kind}:{digest}"


def _count(name: str) -> int:
    """An atomic counter (set if absent, then increment)."""
    cache.add(name, 0, timeout=None)
    return cache.incr(name)


def configure(idempotency_key: str, script: Script | str) -> None:
    """What calls under this key do from now on."""
    script = Script.parse(script) if isinstance(script, str) else script
    cache.set(_key("script", idempotency_key), script.to_text(), timeout=None)


def configure_default(script: Script | str | None) -> None:
    """What calls under a key without its own script do (None: the setting)."""
    if script is None:
        cache.delete(_key("default"))
        return
    script = Script.parse(script) if isinstance(script, str) else script
    cache.set(_key("default"), script.to_text(), timeout=None)


def script_for(idempotency_key: str) -> Script:
    text = cache.get(_key("script", idempotency_key)) or cache.get(_key("default"))
    if text is None:
        text = getattr(settings, "RETURNS_SIMULATED_GATEWAY", "succeed")
    return Script.parse(text)


def calls(idempotency_key: str) -> int:
    """How many times the provider was asked to pay for this refund key."""
    return cache.get(_key("calls", idempotency_key), 0)


def _payout(stored: dict) -> Payout:
    return Payout(
        **{
            **stored,
            "amount": Decimal(stored["amount"]),
            "surcharge": Decimal(stored["surcharge"]),
        }
    )


def ledger() -> list[Payout]:
    """Every payout made, oldest first."""
    payouts = []
    for number in range(1, cache.get(_key("count"), 0) + 1):
        key = cache.get(f"{_key('entry')}:{number}")
        stored = cache.get(_key("payout", key)) if key is not None else None
        if stored:
            payouts.append(_payout(stored))
    return payouts


def reset() -> None:
    """Forget every script, call and payout (a new ledger)."""
    _generation()
    cache.incr(f"{PREFIX}:generation")


class SimulatedGateway:
    def payout(self, request: PayoutRequest) -> str:
        if request.total <= 0:
            raise PaymentError("Nothing to pay.")
        # Scripted and counted by the refund's own key, which stays the same when
        # the hub pays under a new key after a decline; paid by the request's key.
        key = request.refund_key or request.idempotency_key
        call = _count(_key("calls", key))
        failure = script_for(key).failure_of(call)
        if failure == FAIL:
            raise PaymentError(f"Declined by the simulated provider (call {call}).")
        paid = self._record(request)
        if (paid.amount, paid.surcharge, paid.currency) != (
            request.amount,
            request.surcharge,
            request.currency,
        ):
            raise PaymentError("Idempotency key reused with another amount.")
        if failure == TIMEOUT:
            raise PaymentTimeout(f"The simulated provider did not answer in time (call {call}).")
        return paid.reference

    def _record(self, request: PayoutRequest) -> Payout:
        """The payout under the request's key: made now, or the one made before."""
        key = request.idempotency_key
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        entry = {
            "idempotency_key": key,
            "amount": str(request.amount),
            "surcharge": str(request.surcharge),
            "currency": request.currency,
            "reference": f"sim-{digest}",
            "paid_at": timezone.now().isoformat(),
        }
        if cache.add(_key("payout", key), entry, timeout=None):
            cache.set(f"{_key('entry')}:{_count(_key('count'))}", key, timeout=None)
        return _payout(cache.get(_key("payout", key)))
