"""The French late-refund surcharge (C. consom. L242-4), from the back office's
bands (refunds.bands): what a statutory refund paid late in France owes on top
of its amount.

"The sums due are increased by the legal interest rate if the refund is made
at most 10 days late, by 5% between 10 and 20 days, 10% between 20 and 30,
20% between 30 and 60, 50% between 60 and 90, and five further points per new
month of delay, up to the price of the product."

The legal interest rate is a yearly rate: it is applied pro rata of the days
late (a flat reading would charge more for 5 days late than the 5% band does
for 15). A "month" past the last band is 30 days, each month begun counting.
The increase never exceeds the product's price (`cap`).

L242-4 sanctions the refund of a withdrawal (L221-24): a refund outside the
statutory right, or a goodwill gesture, owes none.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ..models import BackOfficeSettings, Refund, RefundKind, ReturnRequest
from .bands import FRANCE, SurchargeRules, parse_bands
from .clock import days_late

ZERO = Decimal("0.00")


def rules_of(settings: BackOfficeSettings | None = None) -> SurchargeRules:
    """The back office's bands and rates, as plain values (the pure settlement's)."""
    settings = settings or BackOfficeSettings.load()
    return SurchargeRules(
        bands=parse_bands(settings.late_surcharge_bands),
        legal_interest_rate=Decimal(settings.legal_interest_rate),
        monthly_points=Decimal(settings.surcharge_monthly_points),
    )


def surcharge_percent(days: int, settings: BackOfficeSettings) -> Decimal:
    """The percentage of the amount due owed for `days` days late."""
    return rules_of(settings).percent(days)


def late_surcharge(
    amount_due: Decimal,
    cap: Decimal,
    days_late: int,
    market: str,
    settings: BackOfficeSettings | None = None,
) -> Decimal:
    """The L242-4 increase of `amount_due` paid `days_late` days late in `market`:
    France only, never above `cap` (the product's price), rounded to the cent
    (SurchargeRules.increase, which the settlement computes with too)."""
    if market != FRANCE or days_late <= 0 or amount_due <= 0 or cap <= 0:
        return ZERO
    return rules_of(settings).increase(amount_due, cap, days_late, market)


def product_price(return_request: ReturnRequest) -> Decimal:
    """The price of the products returned: the increase's ceiling."""
    return sum(
        (line.order_line.unit_price * line.quantity for line in return_request.lines.all()),
        ZERO,
    )


def owed_on(
    refund: Refund,
    paid_at: datetime,
    *,
    return_request: ReturnRequest | None = None,
    settings: BackOfficeSettings | None = None,
) -> Decimal:
    """The increase `refund` owes when paid at `paid_at`: a refund of a statutory
    return in France, paid after it was due. Other refunds of the return share
    the one ceiling."""
    return_request = return_request or refund.return_request
    if return_request is None or not return_request.statutory or refund.kind == RefundKind.GOODWILL:
        return ZERO
    market = return_request.order.market
    due_by = refund.due_by or return_request.refund_due_by
    late = days_late(due_by, paid_at, market=market)
    if market != FRANCE or late <= 0:
        return ZERO
    others = (
        Refund.objects.filter(return_request=return_request)
        .exclude(pk=refund.pk)
        .values_list("surcharge", flat=True)
    )
    cap = product_price(return_request) - sum(others, ZERO)
    return late_surcharge(refund.amount, cap, late, market, settings)
