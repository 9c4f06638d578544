"""What the wizard shows of an exchange: at the resolution step, per returned line
the variants to exchange to (in stock or not) with their price difference, and
the means to settle a difference on; at the review, from what to what, and what
the buyer pays or gets back."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from store_credit import ledger

from ..exchanges import offer
from ..models import DifferenceSettlement


@dataclass(frozen=True)
class VariantChoice:
    sku: str
    title: str
    attributes: str
    unit_price: Decimal
    difference: Decimal  # per unit: the variant's price less the line's
    in_stock: bool
    checked: bool


@dataclass(frozen=True)
class ExchangeRow:
    name: str  # the form field
    title: str
    units: int
    unit_price: Decimal
    variants: tuple[VariantChoice, ...]
    errors: tuple[str, ...] = field(default=())


def resolution_context(order, selection, form) -> dict:
    lines = [line for line, _decision, _units in selection.items]
    offer.load_variants(lines)
    rows = []
    for line, _decision, units in selection.items:
        name = f"exchange-{line.reference}"
        chosen = form[name].value() if name in form.fields else ""
        rows.append(
            ExchangeRow(
                name=name,
                title=line.title,
                units=units,
                unit_price=line.unit_price,
                variants=tuple(
                    VariantChoice(
                        sku=variant.sku,
                        title=variant.title,
                        attributes=variant.attribute_text,
                        unit_price=variant.unit_price,
                        difference=variant.unit_price - line.unit_price,
                        in_stock=variant.in_stock,
                        checked=variant.sku == chosen,
                    )
                    for variant in offer.variants(line)
                ),
                errors=tuple(form.errors.get(name, ())),
            )
        )
    credit = ledger.balances([order.buyer_email]).get(order.currency, Decimal("0.00"))
    return {
        "rows": rows,
        "difference_by": form["difference_by"].value() or offer.PAYMENT,
        "difference_errors": tuple(form.errors.get("difference_by", ())),
        "credit_balance": credit,
    }


def review_context(checked) -> dict | None:
    if checked.exchange is None:
        return None
    return {
        "lines": checked.exchange.lines,
        "to_pay": checked.estimate.to_pay,
        "owed": checked.estimate.total,
        "settle_by": checked.difference_by,
        "by_credit": checked.difference_by == DifferenceSettlement.CREDIT,
        "instant": checked.selection.first_rules.instant_exchange,
    }
