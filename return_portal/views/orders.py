"""My orders: every order of the buyer with, per line, until when it can be
returned and on what basis (or why not), the withdrawal button while the
statutory period runs, and the buyer's returns.

Constant queries whatever the number of orders: the page of orders and their
lines come in two queries (`orders_for_decisions`), the returns in one, and each
policy version's rules are parsed once across the page (one `rules_cache`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET

from accounts import guest_access
from marketplace.models import Order, OrderLine

from ..citations import Citation, PolicyLinks
from ..draft import latest_drafts_by_order
from ..eligibility import Decision
from ..eligibility_reasons import ReasonCode, Wording, wording
from ..legal_calendar import market_timezone
from ..models import ReturnRequest
from ..services import decide_order, orders_for_decisions
from ..withdrawal import has_withdrawal_button, withdrawal_deadline

ORDERS_PER_PAGE = 20


def local_date(when: datetime | None, market: str) -> str:
    """The calendar date of `when` in the market's zone, formatted for the reader."""
    if when is None:
        return ""
    return date_format(timezone.localtime(when, market_timezone(market)), "DATE_FORMAT")


def deadline_citation(line: OrderLine, decision: Decision, links: PolicyLinks) -> Citation:
    """What grants the line's deadline: the policy clause of the pinned version
    when the policy window is the later one, the statute when the law's is."""
    for reason in decision.reasons:
        if reason.when != decision.deadline or decision.deadline is None:
            continue
        if reason.code == ReasonCode.WITHIN_POLICY_WINDOW and reason.clause:
            return links.cite(line.pin.version, reason.clause)
        if reason.code == ReasonCode.WITHIN_STATUTORY_PERIOD:
            return Citation(statute=reason.statute)
    if decision.cited_clauses:
        return links.cite(line.pin.version, decision.cited_clauses[0])
    return Citation(statute=decision.cited_statutes[0] if decision.cited_statutes else "")


@dataclass
class LineRow:
    line: OrderLine
    decision: Decision
    deadline: str = ""  # "Returnable until …", in the market's zone
    citation: Citation = field(default_factory=Citation)
    explanation: str = ""  # why not, or why the date is not known yet
    # What the page says of the line: worded as everywhere (eligibility_reasons.wording).
    wording: Wording | None = None

    @property
    def delivered(self) -> bool:
        return self.line.delivered_at is not None


@dataclass
class OrderRow:
    order: Order
    placed: str
    lines: list[LineRow]
    returnable: bool
    withdrawal_open: bool
    withdrawal_until: str
    returns: list[ReturnRequest]
    draft_id: object = None  # the newest unconfirmed draft: "Continue your draft"


def order_row(order: Order, at: datetime, links: PolicyLinks, rules_cache: dict, returns_by_order):
    decisions = decide_order(order, at, rules_cache=rules_cache)
    rows = []
    for line, decision in decisions:
        row = LineRow(line, decision, wording=wording(line, decision, links, order.market))
        if decision.eligible and decision.deadline is not None:
            row.deadline = local_date(decision.deadline, order.market)
            row.citation = deadline_citation(line, decision, links)
        elif decision.reasons:
            row.explanation = decision.reasons[0].message
        rows.append(row)
    withdrawal_open, until = (
        withdrawal_deadline(decisions, at) if has_withdrawal_button(order) else (False, None)
    )
    return OrderRow(
        order=order,
        placed=local_date(order.placed_at, order.market),
        lines=rows,
        returnable=any(decision.eligible for _line, decision in decisions),
        withdrawal_open=withdrawal_open,
        withdrawal_until=local_date(until, order.market),
        returns=returns_by_order.get(order.pk, []),
    )


@login_required
@require_GET
def order_list(request):
    at = timezone.now()
    own_orders = Order.objects.filter(buyer=request.user)
    own_returns = ReturnRequest.objects.filter(buyer=request.user)
    guest = guest_access.restricted(request)
    if guest:
        # A guest session sees the orders it opened by link, not every order of the email.
        granted = guest_access.granted(request)
        own_orders = own_orders.filter(public_id__in=granted)
        own_returns = own_returns.filter(order__public_id__in=granted)
    orders = orders_for_decisions(own_orders.order_by("-placed_at", "-pk"))
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    returns = list(own_returns.select_related("order").order_by("-created_at", "-pk"))
    returns_by_order: dict[int, list[ReturnRequest]] = {}
    for return_request in returns:
        returns_by_order.setdefault(return_request.order_id, []).append(return_request)
    links = PolicyLinks(request)
    rules_cache: dict = {}
    rows = [order_row(order, at, links, rules_cache, returns_by_order) for order in page]
    drafts = latest_drafts_by_order(request.user, [row.order.pk for row in rows])
    for row in rows:
        row.draft_id = drafts.get(row.order.pk)
    return render(
        request,
        "return_portal/orders.html",
        {
            "orders_page": page,
            "rows": rows,
            "open_returns": [r for r in returns if r.is_open],
            "past_returns": [r for r in returns if not r.is_open],
            "guest": guest,
        },
    )
