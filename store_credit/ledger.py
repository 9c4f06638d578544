"""The ledger's operations: issue, spend, reverse, expire, and read.

Each operation locks the buyer's balance row for the currency
(`select_for_update`), checks, moves the balance with F() and appends the
entry, in one transaction. The database's CheckConstraint refuses a balance
below zero even if a caller skipped the check, so two concurrent spends that
each fit but together do not: the second waits for the first's lock, then sees
the balance it left and is refused.

Every write is idempotent by a key: the same key again answers the entry it
booked (and a key sent with another request is refused, `KeyReused`).

Issues (and bonuses) emit `credit.issued`, spends `credit.spent`, in the
entry's transaction, to the operator's endpoints only: the credit is the
marketplace's money, whichever sellers the order was bought from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

import webhooks

from .models import GRANTS, CreditBalance, CreditEntry, EntryKind


class CreditError(Exception):
    """A request the ledger refuses (bad amount, unknown spend)."""


class InsufficientCredit(CreditError):
    def __init__(self, balance: Decimal, currency: str):
        super().__init__(f"The balance is {balance} {currency}.")
        self.balance = balance
        self.currency = currency


class KeyReused(CreditError):
    """The key was already used for another request."""


@dataclass(frozen=True)
class Booked:
    entry: CreditEntry
    replayed: bool = False


def places(currency: str) -> int:
    # As intake reads amounts: the currency's decimals, at most 2 (0 for JPY).
    return min(2, get_currency_precision(currency))


def quantize(amount: Decimal, currency: str) -> Decimal:
    return Decimal(amount).quantize(Decimal(1).scaleb(-places(currency)), rounding=ROUND_HALF_UP)


def buyer_key(email: str) -> str:
    return email.strip().lower()


def _locked_balance(email: str, currency: str) -> CreditBalance:
    CreditBalance.objects.get_or_create(buyer_email=email, currency=currency)
    return CreditBalance.objects.select_for_update().get(buyer_email=email, currency=currency)


def _replay(key: str | None, fingerprint: str) -> Booked | None:
    if key is None:
        return None
    entry = CreditEntry.objects.filter(key=key).first()
    if entry is None:
        return None
    if fingerprint and entry.fingerprint != fingerprint:
        raise KeyReused(key)
    return Booked(entry, replayed=True)


def _post(
    email: str,
    currency: str,
    kind: str,
    amount: Decimal,
    *,
    reason: str = "",
    order=None,
    key: str | None = None,
    fingerprint: str = "",
    reverses: CreditEntry | None = None,
    expires: CreditEntry | None = None,
    expires_at: datetime | None = None,
    at: datetime | None = None,
) -> Booked:
    email, currency = buyer_key(email), currency.upper()
    amount = quantize(amount, currency)
    if amount == 0:
        raise CreditError("The amount must not be 0.")
    try:
        with transaction.atomic():
            balance = _locked_balance(email, currency)
            # Under the lock: a concurrent call with this key has committed or not.
            replay = _replay(key, fingerprint)
            if replay is not None:
                return replay
            after = balance.balance + amount
            if after < 0:
                raise InsufficientCredit(balance.balance, currency)
            CreditBalance.objects.filter(pk=balance.pk).update(
                balance=F("balance") + amount, updated_at=timezone.now()
            )
            entry = CreditEntry.objects.create(
                buyer_email=email,
                currency=currency,
                kind=kind,
                amount=amount,
                balance_after=after,
                reason=reason[:500],
                order=order,
                key=key,
                fingerprint=fingerprint,
                reverses=reverses,
                expires=expires,
                expires_at=expires_at,
                created_at=at or timezone.now(),
            )
            _emit(entry)
    except IntegrityError:
        # The same key booked meanwhile in another currency's lock, or the
        # database refused a balance below zero.
        replay = _replay(key, fingerprint)
        if replay is not None:
            return replay
        current = CreditBalance.objects.filter(buyer_email=email, currency=currency).first()
        raise InsufficientCredit(current.balance if current else Decimal(0), currency) from None
    return Booked(entry)


EVENTS = {
    EntryKind.ISSUE: "credit.issued",
    EntryKind.BONUS: "credit.issued",
    EntryKind.SPEND: "credit.spent",
}


def _emit(entry: CreditEntry) -> None:
    event_type = EVENTS.get(entry.kind)
    if event_type is None:
        return

    def data() -> dict:
        return {
            "entry": str(entry.public_id),
            "kind": entry.kind,
            "buyer_email": entry.buyer_email,
            "amount": {"amount": format(abs(entry.amount), "f"), "currency": entry.currency},
            "balance": {"amount": format(entry.balance_after, "f"), "currency": entry.currency},
            "order": entry.order.reference if entry.order_id else None,
            "reason": entry.reason,
        }

    webhooks.emit(event_type, data, seller_ids=set(), ordering_key=f"credit:{entry.buyer_email}")


def issue(
    email: str,
    amount: Decimal,
    currency: str,
    *,
    key: str,
    reason: str = "",
    order=None,
    bonus: bool = False,
    expires_at: datetime | None = None,
    at: datetime | None = None,
) -> Booked:
    """Credit given to the buyer (a store-credit refund, its bonus); once per key."""
    if amount <= 0:
        raise CreditError("Credit issued must be more than 0.")
    kind = EntryKind.BONUS if bonus else EntryKind.ISSUE
    return _post(
        email,
        currency,
        kind,
        amount,
        reason=reason,
        order=order,
        key=key,
        expires_at=expires_at,
        at=at,
    )


def spend(
    email: str,
    amount: Decimal,
    currency: str,
    *,
    key: str,
    fingerprint: str = "",
    reason: str = "",
    order=None,
) -> Booked:
    """Spend credit; InsufficientCredit (nothing spent) beyond the balance."""
    if amount <= 0:
        raise CreditError("A spend must be more than 0.")
    return _post(
        email,
        currency,
        EntryKind.SPEND,
        -amount,
        reason=reason,
        order=order,
        key=key,
        fingerprint=fingerprint,
    )


def reverse(spent: CreditEntry, *, reason: str = "") -> Booked:
    """Give a spend back, once: the same call again answers the first reversal."""
    if spent.kind != EntryKind.SPEND:
        raise CreditError("Only a spend can be reversed.")
    return _post(
        spent.buyer_email,
        spent.currency,
        EntryKind.REVERSAL,
        -spent.amount,
        reason=reason or spent.reason,
        order=spent.order,
        key=f"reversal:{spent.public_id}",
        reverses=spent,
    )


# --- expiry ---------------------------------------------------------------------------


def _remainders(email: str, currency: str) -> dict[int, Decimal]:
    """What is left of each grant, spends consumed first-in first-out (what an
    expiry took is no longer there to spend)."""
    entries = list(CreditEntry.objects.filter(buyer_email=email, currency=currency))
    expired = {e.expires_id: -e.amount for e in entries if e.kind == EntryKind.EXPIRY}
    spent = -sum(
        (e.amount for e in entries if e.kind in (EntryKind.SPEND, EntryKind.REVERSAL)),
        Decimal(0),
    )
    left: dict[int, Decimal] = {}
    for grant in (e for e in entries if e.kind in GRANTS):
        capacity = grant.amount - expired.get(grant.pk, Decimal(0))
        taken = min(capacity, max(spent, Decimal(0)))
        spent -= taken
        left[grant.pk] = capacity - taken
    return left


def expire_due(now: datetime | None = None) -> int:
    """Beat: an expiry entry for the unspent remainder of each grant past its
    `expires_at` (once per grant); how many were written."""
    now = now or timezone.now()
    due = (
        CreditEntry.objects.filter(kind__in=GRANTS, expires_at__lte=now, expiry__isnull=True)
        .values_list("buyer_email", "currency")
        .distinct()
    )
    written = 0
    for email, currency in list(due):
        with transaction.atomic():
            balance = _locked_balance(email, currency)
            left = _remainders(email, currency)
            grants = CreditEntry.objects.filter(
                buyer_email=email,
                currency=currency,
                kind__in=GRANTS,
                expires_at__lte=now,
                expiry__isnull=True,
            )
            available = balance.balance
            for grant in grants:
                remainder = min(left.get(grant.pk, Decimal(0)), available)
                if remainder <= 0:
                    continue
                _post(
                    email,
                    currency,
                    EntryKind.EXPIRY,
                    -remainder,
                    reason=grant.reason,
                    order=grant.order,
                    key=f"expiry:{grant.public_id}",
                    expires=grant,
                    at=now,
                )
                available -= remainder
                written += 1
    return written


# --- reading ----------------------------------------------------------------------------


def balances(emails) -> dict[str, Decimal]:
    """The balance per currency of these addresses, summed."""
    rows = (
        CreditBalance.objects.filter(buyer_email__in=[buyer_key(e) for e in emails])
        .values("currency")
        .annotate(total=Sum("balance"))
        .order_by("currency")
    )
    return {row["currency"]: row["total"] for row in rows}


def history(emails):
    return (
        CreditEntry.objects.filter(buyer_email__in=[buyer_key(e) for e in emails])
        .select_related("order", "reverses")
        .order_by("-created_at", "-id")
    )
