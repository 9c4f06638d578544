"""What `settle` (return_portal.settlement) takes in: plain values, no database.
`SettlementInput` holds the pinned policy, the order's payments and shipping, and
each line (`LineFacts`) with the inspection of each of its units (`UnitFacts`).
return_portal.settlement_reading reads them for a return.

Which policy governs what: each line's figures (its items, restocking fee,
deductions, unpaid units, their clauses) follow that line's own pinned rules
(`LineFacts.rules`); lines of one return may be pinned to different versions.
The amounts of the whole return (the return-shipping fee and its option, the
original delivery, the express surcharge, the store-credit bonus) follow
`SettlementInput.rules`: the policy the return was quoted under, which the
estimate (steps.quote) takes from the return's first line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from policy_pages.rules import PolicyRules, ShippingOption

from .refunds.bands import SurchargeRules
from .settlement_figures import CREDIT, ZERO

__all__ = ["LineFacts", "SettlementInput", "UnitFacts"]


@dataclass(frozen=True)
class UnitFacts:
    unit: int
    outcome: str
    earnings: Decimal  # before the deduction: the price less the restocking fee; 0 refused
    deduction: Decimal = ZERO
    deduction_reason: str = ""
    justification: str = ""
    disposition: str = ""


@dataclass(frozen=True)
class LineFacts:
    order_line: int
    title: str
    unit_price: Decimal
    quantity: int  # units in this return
    units: tuple[UnitFacts, ...] = ()
    received: int = 0
    lost: int = 0
    wrong_item: int = 0
    short: int = 0
    # What remains of the order line's price once earlier refunds are taken off.
    refundable_left: Decimal | None = None
    # The line's own pinned rules; None: the return's (SettlementInput.rules).
    rules: PolicyRules | None = None


@dataclass(frozen=True)
class SettlementInput:
    rules: PolicyRules
    market: str
    currency: str
    lines: tuple[LineFacts, ...]
    resolution: str  # what the buyer asked for
    statutory: bool
    defect: bool
    shipping: ShippingOption | None
    standard_shipping_paid: Decimal
    express_surcharge_paid: Decimal
    payments_left: Decimal  # what the means of payment received, less earlier refunds
    # Per order line of the order: its units not given back by another settled return.
    order_units: Mapping[int, int] = field(default_factory=dict)
    shipping_refunded_before: bool = False
    # The late surcharge (L242-4): when the refund is due, when it was paid (None:
    # not yet) and the back office's bands (None: none computed).
    refund_due_by: datetime | None = None
    paid_at: datetime | None = None
    bands: SurchargeRules | None = None
    # A keep-it rule of the policy let the buyer keep the items (keep_it.py): each
    # unit is paid in full without a return, citing `kept_clause`.
    kept: bool = False
    kept_clause: str = ""

    @property
    def buyer_agreed_to_credit(self) -> bool:
        return self.resolution == CREDIT

    def rules_of(self, line: LineFacts) -> PolicyRules:
        """The rules a line's figures follow: its own pinned ones."""
        return line.rules or self.rules
