"""The figures of a settlement (settlement.settle) and how they are stored:
each with its code (refunds.estimate.FigureCode), signed amount, reason
(`Reason`, worded for the reader by settlement_text), policy clause and statute,
and, where it pays back an order line, that line and how it is paid.

`Settlement.to_dict()` is what `ReturnRequest.settlement` keeps once the return
is resolved, and `Settlement.from_dict` reads it back for the pages, the email
and the booking. The late surcharge (L242-4) depends on when the refund is
paid: `settle` emits its figure given a payment instant, and at payment
`with_late_surcharge` sets it to what the refunds were paid with, outside the
total it increases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from policy_pages.rules import Resolution

from .models import Refund, ReturnRequest
from .refunds.clock import days_late
from .refunds.estimate import FigureCode, label_of, money

REFUND, CREDIT = Resolution.REFUND.value, Resolution.STORE_CREDIT.value
ZERO = Decimal("0.00")
FORMAT = 1  # of the stored dict


class Reason(StrEnum):
    FULL_REFUND = "full_refund"
    PARTIAL_REFUND = "partial_refund"
    STORE_CREDIT = "store_credit"  # paid as credit: the buyer chose it
    KEPT = "kept"  # refunded without a return: the policy lets the buyer keep it
    CREDIT_NEEDS_AGREEMENT = "credit_needs_agreement"  # paid back to the payment instead
    RESTOCKING = "restocking"
    HANDLING = "handling"  # a deduction, with the inspector's words
    REFUSED = "refused"
    REPAIRED = "repaired"
    REPLACED = "replaced"
    LOST = "lost"
    WRONG_ITEM = "wrong_item"
    SHORT = "short"
    UNINSPECTED = "uninspected"
    WHOLE_WITHDRAWAL = "whole_withdrawal"
    EXPRESS_KEPT = "express_kept"
    RETURN_SHIPPING = "return_shipping"
    CREDIT_BONUS = "credit_bonus"
    LINE_CAP = "line_cap"
    PAYMENT_CAP = "payment_cap"
    PAID_LATE = "paid_late"


def _statute(market: str, eu: str, france: str, uk: str) -> str:
    if market == "GB":
        return f"Consumer Contracts Regulations 2013 {uk}"
    text = f"Directive 2011/83/EU {eu}"
    return f"{text}; C. consom. {france}" if market == "FR" else text


def deduction_statute(market: str) -> str:
    return _statute(market, "Art. 14(2)", "L221-23", "reg. 34")


def express_statute(market: str) -> str:
    return _statute(market, "Art. 13(2)", "L221-24", "reg. 34")


def return_cost_statute(market: str) -> str:
    return _statute(market, "Art. 14(1)", "L221-23", "reg. 35")


LATE_STATUTE = "C. consom. L242-4"


# --- what comes out ------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    code: FigureCode
    amount: Decimal  # signed: what is taken off is negative
    reason: Reason
    clause: str = ""
    statute: str = ""
    order_line: int | None = None  # the order line it pays back (None: the whole return)
    paid_as: str = ""  # "refund" (to the means of payment), "store_credit", "" for nothing
    quantity: int = 0
    title: str = ""
    unit: int | None = None
    note: str = ""  # the staff's words: a deduction's reason, a refusal's justification
    detail: str = ""  # a disposition, a shipping method, a percentage, an amount kept

    @property
    def label(self) -> str:
        return label_of(self.code)

    def to_dict(self) -> dict:
        return {
            "code": self.code.value,
            "amount": format(self.amount, "f"),
            "reason": self.reason.value,
            "clause": self.clause,
            "statute": self.statute,
            "order_line": self.order_line,
            "paid_as": self.paid_as,
            "quantity": self.quantity,
            "title": self.title,
            "unit": self.unit,
            "note": self.note,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, item: Mapping) -> Figure:
        unit = item.get("unit")
        return cls(
            code=FigureCode(item["code"]),
            amount=Decimal(item["amount"]),
            reason=Reason(item["reason"]),
            clause=str(item.get("clause") or ""),
            statute=str(item.get("statute") or ""),
            order_line=item.get("order_line"),
            paid_as=str(item.get("paid_as") or ""),
            quantity=int(item.get("quantity") or 0),
            title=str(item.get("title") or ""),
            unit=int(unit) if unit is not None else None,
            note=str(item.get("note") or ""),
            detail=str(item.get("detail") or ""),
        )


@dataclass(frozen=True)
class Settlement:
    currency: str
    figures: tuple[Figure, ...]
    refund: Decimal  # to the means of payment
    store_credit: Decimal
    whole_withdrawal: bool = False
    # Owed on top when paid late (L242-4): added at payment, outside `total`.
    late_surcharge: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.refund + self.store_credit

    def line_amounts(self, paid_as: str) -> dict[int, Decimal]:
        """What each order line gets back, paid as `paid_as`, before any figure of
        the whole return (shipping, fees, caps)."""
        amounts: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for figure in self.figures:
            if figure.order_line is not None and figure.paid_as == paid_as:
                amounts[figure.order_line] += figure.amount
        return {line: amount for line, amount in amounts.items() if amount > 0}

    def to_dict(self, decided_at: datetime | None = None) -> dict:
        return {
            "format": FORMAT,
            "currency": self.currency,
            "decided_at": decided_at.isoformat() if decided_at else None,
            "figures": [figure.to_dict() for figure in self.figures],
            "refund": format(self.refund, "f"),
            "store_credit": format(self.store_credit, "f"),
            "total": format(self.total, "f"),
            "whole_withdrawal": self.whole_withdrawal,
            "late_surcharge": format(self.late_surcharge, "f"),
        }

    @classmethod
    def from_dict(cls, stored: Mapping) -> Settlement | None:
        """The settlement `to_dict` stored; None for none (or a damaged one). A
        figure this version does not know is left out: a page never fails on it."""
        try:
            figures = []
            for item in stored.get("figures", []):
                try:
                    figures.append(Figure.from_dict(item))
                except (KeyError, TypeError, ValueError, InvalidOperation):
                    continue
            return cls(
                currency=stored["currency"],
                figures=tuple(figures),
                refund=Decimal(stored["refund"]),
                store_credit=Decimal(stored["store_credit"]),
                whole_withdrawal=bool(stored.get("whole_withdrawal")),
                late_surcharge=Decimal(stored.get("late_surcharge") or "0"),
            )
        except (AttributeError, KeyError, TypeError, ValueError, InvalidOperation):
            return None


def with_late_surcharge(settlement: Settlement, amount: Decimal, days_late: int) -> Settlement:
    """The settlement once its refund was paid `days_late` days late with the L242-4
    increase `amount` on top (replacing an earlier one: the refunds' sum)."""
    figures = tuple(f for f in settlement.figures if f.code != FigureCode.LATE_SURCHARGE)
    amount = money(amount)
    if amount > 0:
        figures += (
            Figure(
                FigureCode.LATE_SURCHARGE,
                amount,
                Reason.PAID_LATE,
                statute=LATE_STATUTE,
                paid_as=REFUND,
                quantity=days_late,
            ),
        )
    return replace(settlement, figures=figures, late_surcharge=max(amount, ZERO))


def note_late_surcharge(return_request) -> None:
    """At payment (refunds.payout, inside its transaction, the return locked): the
    stored settlement shows the L242-4 increase its refunds were paid with, and the
    days late of the latest. Nothing without a settlement or an increase."""
    settlement = Settlement.from_dict(return_request.settlement or {})
    if settlement is None:
        return
    paid = Refund.objects.filter(return_request=return_request, surcharge__gt=0)
    rows = list(paid.values_list("surcharge", "due_by", "completed_at"))
    if not rows:
        return
    market = return_request.order.market
    late = max(days_late(due_by, paid_at, market=market) for _s, due_by, paid_at in rows)
    total = sum((surcharge for surcharge, _d, _p in rows), ZERO)
    stored = with_late_surcharge(settlement, total, late).to_dict()
    stored["decided_at"] = (return_request.settlement or {}).get("decided_at")
    return_request.settlement = stored
    ReturnRequest.objects.filter(pk=return_request.pk).update(settlement=stored)
