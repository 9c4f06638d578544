"""What the steps of "start a return" show besides their forms: the order lines
of the items step (`LineRow`, with their deadlines and what grants them), the
choices of the resolution and shipping steps (`Choice`), and the review's rule
for when the refund is due.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import format_number
from marketplace.models import Order, OrderLine
from policy_pages.rules import ShippingMethod

from ..citations import Citation, PolicyLinks
from ..draft import Draft
from ..eligibility import Decision
from ..eligibility_reasons import Wording, wording
from ..refunds.clock import REFUND_DAYS
from ..refunds.estimate import refund_statute
from ..services import decide_order

SHIPPING_HINTS = {
    ShippingMethod.PREPAID_LABEL: gettext_lazy("Print the label we send you and stick it on."),
    ShippingMethod.DROP_OFF: gettext_lazy(
        "Show the QR code at a partner point; no printer needed."
    ),
    ShippingMethod.OWN_CARRIER: gettext_lazy(
        "Send the parcel with any carrier and give us the tracking number."
    ),
}


@dataclass
class LineRow:
    """One order line on the items step."""

    index: int
    line: OrderLine
    decision: Decision  # with what the buyer declared (unsealed goods)
    # Units the step offers, as judged while still sealed (0: no input, say why).
    returnable: int
    sealed: bool  # sealed hygiene or media: the step asks whether it was unsealed
    # Until when, on what basis, or why not: worded as everywhere (eligibility_reasons).
    wording: Wording | None = None

    @property
    def selectable(self) -> bool:
        return self.returnable > 0

    @property
    def single(self) -> bool:
        return self.returnable == 1


def line_rows(order: Order, draft: Draft, at: datetime, links: PolicyLinks):
    rules_cache: dict = {}
    as_sealed = decide_order(order, at, rules_cache=rules_cache)
    declared = dict(
        (line.pk, decision)
        for line, decision in decide_order(order, at, draft.declarations, rules_cache=rules_cache)
    )
    rows = []
    for index, (line, sealed_decision) in enumerate(as_sealed):
        decision = declared[line.pk]
        row = LineRow(
            index=index,
            line=line,
            decision=decision,
            returnable=sealed_decision.returnable_quantity if sealed_decision.eligible else 0,
            sealed=line.sealed_hygiene or line.sealed_media,
        )
        row.wording = wording(line, decision, links, order.market)
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    hint: str = ""
    amount: object = None  # a cost, shown with the order's currency
    free_note: str = ""
    citation: Citation = dataclasses.field(default_factory=Citation)

    @property
    def at_own_cost(self) -> bool:
        """The buyer's own carrier costs us nothing but is not free: the buyer pays it."""
        return self.value == ShippingMethod.OWN_CARRIER and not self.amount


def percent(value) -> str:
    """The number of a percentage in the reader's digits ("10", "2,5"): the
    translated sentence places the sign ("+%(bonus)s %% de bonus")."""
    return format_number(value)


def refund_rule(order, checked, rules, version, links) -> dict:
    """When the money is due: the law's 14 days from this notice under the
    statutory right, else the policy's deadline."""
    if checked.statutory:
        return {
            "text": _(
                "Under your legal right of withdrawal, we refund you within %(days)d days "
                "of this notice."
            )
            % {"days": REFUND_DAYS},
            "citation": Citation(statute=refund_statute(order.market)),
        }
    return {
        "text": _("We refund you within %(days)d days of receiving your return.")
        % {"days": rules.refund_days},
        "citation": links.cite(version, rules.deadlines_clause),
    }
