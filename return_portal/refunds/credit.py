"""A store-credit refund is paid onto the buyer's ledger (store_credit), not
through the payment gateway.

`payout.pay` calls `issue_for` in place of the gateway for a refund paid as
store credit, under the refund's lock: the ledger books an issue entry under the
refund's key (and a separate bonus entry for the settlement's credit bonus, under
the key plus ":bonus"), so a refund paid twice (a retried or redelivered task)
credits once. The refund keeps the issue entry (`Refund.credit_entry`).

Credit does not expire by default: no policy rule gives it a validity yet, so
`expires_at` stays empty (the ledger's sweep expires what has one).
"""

from __future__ import annotations

from decimal import Decimal

from policy_pages.rules import Resolution
from store_credit import ledger

from ..models import Refund, RefundKind, ReturnRequest
from ..settlement_figures import Settlement
from .estimate import HUNDRED, FigureCode, money


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
    entry = None
    if issued > 0:
        entry = ledger.issue(
            order.buyer_email, issued, refund.currency, key=key, reason=reason, order=order
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
        ).entry
        entry = entry or booked
    refund.credit_entry = entry
    refund.save(update_fields=["credit_entry"])
    return f"credit-{entry.public_id}"
