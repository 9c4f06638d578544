"""A return's settlement as its pages and emails show it, in the active language:
each figure's name, amount, reason and basis (the policy clause, linked to the
pinned version where a request is at hand, and the statute), and the totals.

    {% settlement_of return as settled %}            the decided settlement, or None
    {% settlement_of return preview=True as settled %}  else what it would be now (staff)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import template

from ..citations import Citation, PolicyLinks
from ..models import ReturnStatus
from ..refunds import booking
from ..settlement import Settlement
from ..settlement_text import describe, paid_as_text
from .portal_format import money

register = template.Library()

# Where a settlement so far means something: the units are arriving or checked.
PREVIEWED = (
    ReturnStatus.PARTIALLY_RECEIVED,
    ReturnStatus.RECEIVED,
    ReturnStatus.INSPECTED,
)


@dataclass(frozen=True)
class Row:
    code: str
    label: str
    amount: Decimal
    text: str
    citation: Citation
    paid_as: str


@dataclass(frozen=True)
class SettledView:
    settlement: Settlement
    rows: list[Row]
    decided: bool  # False: what it would be now (a preview)

    @property
    def currency(self) -> str:
        return self.settlement.currency

    @property
    def refund(self) -> Decimal:
        return self.settlement.refund

    @property
    def store_credit(self) -> Decimal:
        return self.settlement.store_credit

    @property
    def total(self) -> Decimal:
        return self.settlement.total

    @property
    def late_surcharge(self) -> Decimal:
        return self.settlement.late_surcharge

    @property
    def paid_total(self) -> Decimal:
        """The total with the late surcharge the law adds."""
        return self.settlement.total + self.settlement.late_surcharge


def _version(return_request):
    line = return_request.lines.select_related("order_line__pin__version__policy").first()
    return line.order_line.pin.version if line else None


@register.simple_tag(takes_context=True)
def settlement_of(context, return_request, preview=False):
    settlement = Settlement.from_dict(return_request.settlement or {})
    decided = settlement is not None
    if not decided:
        if not preview or return_request.status not in PREVIEWED:
            return None
        try:
            settlement = booking.preview(return_request)
        except ValueError:  # no lines: nothing to settle
            return None
    version = _version(return_request)
    request = context.get("request")
    links = PolicyLinks(request) if request is not None else None

    def cite(figure) -> Citation:
        if links is not None and version is not None:
            return links.cite(version, figure.clause, figure.statute)
        number = version.number if version is not None and figure.clause else None
        return Citation(figure.clause, number, "", figure.statute)

    def money_of(amount) -> str:
        return money(amount, settlement.currency)

    rows = [
        Row(
            code=figure.code.value,
            label=figure.label,
            amount=figure.amount,
            text=describe(figure, money_of),
            citation=cite(figure),
            paid_as=paid_as_text(figure.paid_as) if figure.amount else "",
        )
        for figure in settlement.figures
    ]
    return SettledView(settlement, rows, decided)
