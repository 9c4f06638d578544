"""What an exchange offers and what the buyer chose: per returned line, the
variants the platform sent at intake (marketplace.LineVariant) that are in stock,
and the difference between what comes back and what goes out.

Pure but for one query loading the variants of the chosen lines; the wizard's
resolution step and the API's creation both check a choice here, and confirm
stores what `check_choice` returns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from marketplace.models import LineVariant, OrderLine

from ..draft import StepError
from ..models import DifferenceSettlement
from ..refunds.estimate import money

ZERO = Decimal("0.00")
CACHE = "_exchange_variants"


def load_variants(lines: Iterable[OrderLine]) -> None:
    """Every variant of these lines, in one query, kept on each line."""
    missing = [line for line in lines if not hasattr(line, CACHE)]
    if not missing:
        return
    by_line: dict[int, list[LineVariant]] = {line.pk: [] for line in missing}
    for variant in LineVariant.objects.filter(line__in=[line.pk for line in missing]):
        by_line[variant.line_id].append(variant)
    for line in missing:
        setattr(line, CACHE, by_line[line.pk])


def variants(line: OrderLine) -> list[LineVariant]:
    """The line's variants, in stock or not (the portal shows both)."""
    load_variants([line])
    return getattr(line, CACHE)


def in_stock(line: OrderLine) -> list[LineVariant]:
    return [variant for variant in variants(line) if variant.in_stock]


def offered(lines: Iterable[OrderLine]) -> bool:
    """Can these lines be exchanged: each has a variant in stock."""
    lines = list(lines)
    load_variants(lines)
    return bool(lines) and all(in_stock(line) for line in lines)


@dataclass(frozen=True)
class ExchangeLine:
    line: OrderLine
    units: int
    variant: LineVariant

    @property
    def returned(self) -> Decimal:
        return money(self.line.unit_price * self.units)

    @property
    def replacement(self) -> Decimal:
        return money(self.variant.unit_price * self.units)


@dataclass(frozen=True)
class ExchangeChoice:
    lines: tuple[ExchangeLine, ...]
    settle_by: str  # the means chosen: PAYMENT or CREDIT ("" for payment)

    @property
    def returned_total(self) -> Decimal:
        return sum((line.returned for line in self.lines), ZERO)

    @property
    def replacement_total(self) -> Decimal:
        return sum((line.replacement for line in self.lines), ZERO)

    def balance(self, shipping_cost: Decimal) -> Decimal:
        """What the buyer is owed (> 0) or owes (< 0) once the return shipping is paid."""
        return money(self.returned_total - self.replacement_total - shipping_cost)


# What the buyer chooses: the difference on their means of payment (refunded or
# charged, by its sign) or on their store credit (issued or spent).
PAYMENT = "payment"
CREDIT = "credit"
MEANS = (PAYMENT, CREDIT)


def settled_by(balance: Decimal, means: str) -> str:
    """The settlement of a balance on the means the buyer chose (default: payment)."""
    if not balance:
        return DifferenceSettlement.NONE
    if means == CREDIT:
        return DifferenceSettlement.CREDIT
    return DifferenceSettlement.REFUND if balance > 0 else DifferenceSettlement.CHARGE


def check_choice(
    items: Iterable[tuple[OrderLine, int]],
    chosen: Mapping[str, str],
    settle_by: str,
    *,
    field: str = "exchange",
) -> ExchangeChoice:
    """The variant chosen for each line (line reference -> SKU), all checked:
    one of the line's variants, in stock; `settle_by` one of MEANS. The
    settlement follows once the shipping cost is known (check_settlement)."""
    items = list(items)
    load_variants([line for line, _units in items])
    errors: dict[str, list[str]] = {}
    lines = []
    for line, units in items:
        name = f"{field}-{line.reference}"
        sku = (chosen.get(line.reference) or "").strip()
        found = next((v for v in variants(line) if v.sku == sku), None)
        if not sku:
            errors[name] = [
                _("Choose what you want instead of “%(title)s”.") % {"title": line.title}
            ]
        elif found is None:
            errors[name] = [_("Choose one of the options offered.")]
        elif not found.in_stock:
            errors[name] = [_("This one is out of stock: choose another.")]
        else:
            lines.append(ExchangeLine(line, units, found))
    if settle_by and settle_by not in MEANS:
        errors["difference_by"] = [_("Choose one of the options offered.")]
    if errors:
        raise StepError(errors)
    return ExchangeChoice(tuple(lines), settle_by)


def check_settlement(
    choice: ExchangeChoice, shipping_cost: Decimal, credit_balance: Decimal | None = None
) -> str:
    """How the difference is settled (DifferenceSettlement), on the means chosen;
    paying with credit needs the balance to cover it (when known)."""
    balance = choice.balance(shipping_cost)
    settle_by = settled_by(balance, choice.settle_by)
    if (
        balance < 0
        and settle_by == DifferenceSettlement.CREDIT
        and credit_balance is not None
        and credit_balance < -balance
    ):
        raise StepError({"difference_by": [_("Your store credit does not cover the difference.")]})
    return settle_by
