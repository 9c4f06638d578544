"""What a return will refund: one pure function, figure by figure, each citing
the clause (or statute) it rests on.

`estimate` reads plain values, no database and no clock. The portal shows it at
the review step, `confirm.confirm_return` stores the one the buyer confirmed,
and `refunds.booking` books it at resolution, less the inspection's deductions.

The law it encodes (Directive 2011/83/EU Art. 13-14; C. consom. L221-23/24):
within the statutory period a withdrawal refunds every payment, including the
standard delivery when the whole order is withdrawn, never the express surcharge;
no restocking fee may be charged; the buyer pays the return shipping only if told
so before buying (the policy's shipping option says who pays).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from django.utils.translation import gettext as _

from policy_pages.rules import Payer, PolicyRules, Resolution, ShippingOption

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class FigureCode(StrEnum):
    ITEMS = "items"
    # Refunded without a return: a keep-it rule of the policy lets the buyer keep them.
    KEPT_ITEMS = "kept_items"
    RESTOCKING_FEE = "restocking_fee"
    RETURN_SHIPPING = "return_shipping"
    ORIGINAL_SHIPPING = "original_shipping"
    STORE_CREDIT_BONUS = "store_credit_bonus"
    EXCHANGE = "exchange"
    # An exchange's replacement costs more (< 0) or less (> 0) than the items returned.
    PRICE_DIFFERENCE = "price_difference"
    CAPPED = "capped"
    # The settlement's own figures (return_portal.settlement), once the units are inspected.
    DEDUCTION = "deduction"
    REFUSED = "refused"
    REPAIR = "repair"
    NOT_RECEIVED = "not_received"
    AWAITING_INSPECTION = "awaiting_inspection"
    EXPRESS_SURCHARGE = "express_surcharge"
    LATE_SURCHARGE = "late_surcharge"


def refund_statute(market: str) -> str:
    if market == "GB":
        return "Consumer Contracts Regulations 2013 reg. 34"
    if market == "FR":
        return "Directive 2011/83/EU Art. 13; C. consom. L221-24"
    return "Directive 2011/83/EU Art. 13"


@dataclass(frozen=True)
class EstimateLine:
    title: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Figure:
    code: FigureCode
    amount: Decimal  # signed: deductions are negative
    clause: str = ""
    statute: str = ""

    @property
    def label(self) -> str:
        return label_of(self.code)

    def to_dict(self) -> dict:
        return {
            "code": self.code.value,
            "amount": format(self.amount, "f"),
            "clause": self.clause,
            "statute": self.statute,
        }


def stored_figures(stored: Mapping) -> list[Figure]:
    """The figures of an estimate as `Estimate.to_dict` stored it on the return.
    A figure this version does not know (or a damaged one) is left out: the total
    still shows, and a page never fails on it."""
    figures = []
    for item in stored.get("figures", []):
        try:
            figure = Figure(
                FigureCode(item["code"]),
                Decimal(item["amount"]),
                item.get("clause", ""),
                item.get("statute", ""),
            )
        except (KeyError, TypeError, ValueError, InvalidOperation):
            continue
        figures.append(figure)
    return figures


_LABELS = {
    FigureCode.ITEMS: lambda: _("Items returned"),
    FigureCode.KEPT_ITEMS: lambda: _("Items you keep, refunded without a return"),
    FigureCode.RESTOCKING_FEE: lambda: _("Restocking fee"),
    FigureCode.RETURN_SHIPPING: lambda: _("Return shipping"),
    FigureCode.ORIGINAL_SHIPPING: lambda: _("Original standard delivery"),
    FigureCode.STORE_CREDIT_BONUS: lambda: _("Store credit bonus"),
    FigureCode.EXCHANGE: lambda: _("Exchanged for a replacement"),
    FigureCode.PRICE_DIFFERENCE: lambda: _("Price difference with the replacement"),
    FigureCode.CAPPED: lambda: _("Limited to what remains of your payment"),
    FigureCode.DEDUCTION: lambda: _("Deduction for loss of value"),
    FigureCode.REFUSED: lambda: _("Refused"),
    FigureCode.REPAIR: lambda: _("Repaired"),
    FigureCode.NOT_RECEIVED: lambda: _("Not received"),
    FigureCode.AWAITING_INSPECTION: lambda: _("Not checked yet"),
    FigureCode.EXPRESS_SURCHARGE: lambda: _("Express delivery surcharge"),
    FigureCode.LATE_SURCHARGE: lambda: _("Late refund increase"),
}


def label_of(code: FigureCode) -> str:
    """A figure's name in the active language."""
    return str(_LABELS[code]())


@dataclass(frozen=True)
class Estimate:
    currency: str
    resolution: Resolution
    figures: tuple[Figure, ...]
    total: Decimal
    # The express surcharge the law lets the seller keep (Art. 13(2)), shown as a note.
    express_surcharge_kept: Decimal = Decimal("0.00")
    # An exchange for a dearer replacement: what the buyer pays (the total is 0).
    to_pay: Decimal = Decimal("0.00")

    def to_dict(self) -> dict:
        return {
            "currency": self.currency,
            "resolution": self.resolution.value,
            "figures": [figure.to_dict() for figure in self.figures],
            "total": format(self.total, "f"),
            "express_surcharge_kept": format(self.express_surcharge_kept, "f"),
            "to_pay": format(self.to_pay, "f"),
        }


def shipping_payer(option: ShippingOption, defect: bool) -> Payer:
    return option.defect_payer if defect else option.change_of_mind_payer


def shipping_cost(option: ShippingOption | None, defect: bool) -> Decimal:
    """What the buyer pays to send the parcel back: nothing for a defect when the
    policy says the merchant pays, the option's fee otherwise."""
    if option is None or shipping_payer(option, defect) == Payer.MERCHANT:
        return Decimal("0.00")
    return money(option.fee)


def estimate(
    *,
    rules: PolicyRules,
    market: str,
    currency: str,
    lines: Sequence[EstimateLine],
    resolution: Resolution,
    shipping: ShippingOption | None,
    defect: bool,
    statutory: bool,
    whole_order: bool,
    standard_shipping_paid: Decimal,
    express_surcharge_paid: Decimal,
    refundable_left: Decimal,
    replacement_total: Decimal | None = None,
    kept_clause: str | None = None,
) -> Estimate:
    """The refund of a return, figure by figure.

    `statutory`: every line is returned within the statutory withdrawal period;
    `whole_order`: after this return nothing of the order is kept by the buyer;
    `refundable_left`: what was paid less what was already refunded (the cap);
    `replacement_total`: an exchange's replacements at their prices (the
    difference with the items is refunded, or paid with the return shipping);
    `kept_clause`: a keep-it rule lets the buyer keep the items (its clause): the
    price in full, no restocking fee, nothing shipped back.
    """
    items = money(sum((line.unit_price * line.quantity for line in lines), Decimal("0")))
    figures: list[Figure] = []
    statute = refund_statute(market) if statutory else ""

    if resolution == Resolution.EXCHANGE:
        figures.append(Figure(FigureCode.EXCHANGE, Decimal("0.00"), rules.resolutions_clause))
        difference = money(items - (replacement_total if replacement_total is not None else items))
        if difference:
            figures.append(
                Figure(FigureCode.PRICE_DIFFERENCE, difference, rules.resolutions_clause)
            )
    elif kept_clause is not None:
        figures.append(Figure(FigureCode.KEPT_ITEMS, items, kept_clause, statute))
    else:
        figures.append(Figure(FigureCode.ITEMS, items, rules.resolutions_clause, statute))
    if resolution != Resolution.EXCHANGE:
        # A withdrawal refunds the price in full (Art. 13(1)); a defect is the seller's fault.
        if rules.restocking_fee_percent and not statutory and not defect and kept_clause is None:
            fee = money(items * rules.restocking_fee_percent / HUNDRED)
            if fee:
                figures.append(Figure(FigureCode.RESTOCKING_FEE, -fee, rules.money_clause))
        if resolution == Resolution.STORE_CREDIT and rules.store_credit_bonus_percent:
            bonus = money(items * rules.store_credit_bonus_percent / HUNDRED)
            if bonus:
                figures.append(
                    Figure(FigureCode.STORE_CREDIT_BONUS, bonus, rules.resolutions_clause)
                )
        if statutory and whole_order and standard_shipping_paid > 0:
            figures.append(
                Figure(
                    FigureCode.ORIGINAL_SHIPPING,
                    money(standard_shipping_paid),
                    rules.money_clause,
                    statute,
                )
            )
    cost = shipping_cost(shipping, defect)
    if cost:
        figures.append(
            Figure(FigureCode.RETURN_SHIPPING, -cost, shipping.clause if shipping else "")
        )

    balance = money(sum((f.amount for f in figures), Decimal("0")))
    total = max(Decimal("0.00"), balance)
    to_pay = -balance if resolution == Resolution.EXCHANGE and balance < 0 else Decimal("0.00")
    # Store credit is not paid back to the card, so only a refund is capped by the payment.
    if resolution == Resolution.REFUND and total > refundable_left:
        figures.append(Figure(FigureCode.CAPPED, money(refundable_left - total)))
        total = max(Decimal("0.00"), money(refundable_left))
    kept = money(express_surcharge_paid) if statutory and whole_order else Decimal("0.00")
    return Estimate(currency, resolution, tuple(figures), total, kept, to_pay)
