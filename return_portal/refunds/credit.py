"""A store-credit refund is paid onto the buyer's ledger (store_credit), not
through the payment gateway.

`payout.pay` calls `issue_for` in place of the gateway for a refund paid as
store credit, under the refund's lock: the ledger books an issue entry under the
refund's key (and a separate bonus entry for the settlement's credit bonus, under
the key plus ":bonus"), so a refund paid twice (a retried or redelivered task)
credits once. The refund keeps the issue entry (`Refund.credit_entry`).

How long the credit stays valid follows the pinned policy
(`PolicyRules.store_credit_validity_months`, the return's first line's, as the
settlement reads it), within what the law allows (`expiry_for`):
- no validity in the policy: it never expires;
- credit given instead of a refund the law requires (a statutory withdrawal, a
  defective or wrong item) never expires: an end date would take back part of
  what the buyer is owed;
- in Germany a voucher stays claimable for the regular limitation period, to the
  end of the third year after the year it was issued (BGB §§195, 199; courts
  void shorter terms in standard conditions): the later of that and the policy's.
The ledger's sweep (store_credit.ledger.expire_due) expires what is left of a
grant at its `expires_at`.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from policy_pages.rules import PolicyRules, Resolution
from store_credit import ledger

from ..legal_calendar import market_timezone
from ..models import Refund, RefundKind, ReturnRequest
from ..settlement_figures import Settlement
from .estimate import HUNDRED, FigureCode, money
from .governing import governing_rules

# BGB §195: three years, counted from the end of the year the claim arose (§199).
GERMAN_LIMITATION_YEARS = 3


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def expiry_for(
    rules: PolicyRules | None,
    *,
    market: str,
    issued_at: datetime,
    required_by_law: bool,
) -> datetime | None:
    """When credit issued at `issued_at` under `rules` expires; None: never."""
    months = rules.store_credit_validity_months if rules is not None else None
    if not months or required_by_law:
        return None
    expires = add_months(issued_at, months)
    if market == "DE":
        zone = market_timezone(market)  # the year ends at midnight in Germany
        year = timezone.localtime(issued_at, zone).year + GERMAN_LIMITATION_YEARS
        expires = max(expires, datetime(year, 12, 31, 23, 59, 59, tzinfo=zone))
    return expires


def validity_months(rules: PolicyRules | None, *, required_by_law: bool) -> int | None:
    """What the buyer is told at the resolution step: the months credit stays valid."""
    if rules is None or required_by_law:
        return None
    return rules.store_credit_validity_months


def _expiry_of(refund: Refund, return_request: ReturnRequest | None) -> datetime | None:
    required = return_request is not None and (
        return_request.statutory or return_request.reason_is_defect
    )
    return expiry_for(
        governing_rules(refund.order_id, return_request),
        market=refund.order.market,
        issued_at=timezone.now(),
        required_by_law=required,
    )


def selection_bonus(selection) -> Decimal:
    """The bonus the pinned policy (the first line's) adds to store credit for
    the chosen items, as the estimate computes it (refunds.estimate)."""
    percent = selection.first_rules.store_credit_bonus_percent
    if not percent:
        return Decimal("0.00")
    items = sum((line.unit_price * units for line, _decision, units in selection.items), Decimal(0))
    return money(items * percent / HUNDRED)


def is_store_credit(refund: Refund) -> bool:
    return refund.resolution == Resolution.STORE_CREDIT


def credit_bonus(refund: Refund, return_request: ReturnRequest | None) -> Decimal:
    """The settlement's credit bonus carried by this refund (0 for a refund
    without a settlement, never more than the refund)."""
    if return_request is None or refund.kind != RefundKind.SETTLEMENT:
        return Decimal("0.00")
    settlement = Settlement.from_dict(return_request.settlement or {})
    if settlement is None:
        return Decimal("0.00")
    bonus = sum(
        (f.amount for f in settlement.figures if f.code == FigureCode.STORE_CREDIT_BONUS),
        Decimal("0.00"),
    )
    return max(Decimal("0.00"), min(bonus, refund.amount))


def issue_for(refund: Refund, return_request: ReturnRequest | None) -> str:
    """Credit the buyer with the refund (its surcharge included) and its bonus;
    the reference the refund records."""
    order = refund.order
    reason = f"{return_request.rma}" if return_request is not None else refund.reason
    bonus = credit_bonus(refund, return_request)
    issued = refund.amount + refund.surcharge - bonus
    key = f"refund:{refund.idempotency_key}"
    expires_at = _expiry_of(refund, return_request)
    entry = None
    if issued > 0:
        entry = ledger.issue(
            order.buyer_email,
            issued,
            refund.currency,
            key=key,
            reason=reason,
            order=order,
            expires_at=expires_at,
        ).entry
    if bonus > 0:
        booked = ledger.issue(
            order.buyer_email,
            bonus,
            refund.currency,
            key=f"{key}:bonus",
            reason=reason,
            order=order,
            bonus=True,
            expires_at=expires_at,
        ).entry
        entry = entry or booked
    refund.credit_entry = entry
    refund.save(update_fields=["credit_entry"])
    return f"credit-{entry.public_id}"
