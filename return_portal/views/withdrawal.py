"""The withdrawal button (Directive 2011/83/EU Art. 11a, as inserted by Directive
(EU) 2023/2673; C. consom. L221-21): "Withdraw from contract here", then a
separate confirmation step, then the acknowledgement.

Step one (`start`) lists the lines the statutory right still covers, grouped by
seller, with the units to withdraw from each (all of them at first: the buyer
lowers or unticks) and, per seller, the return methods its pinned policy offers
with what each costs for a withdrawal (chosen for the buyer only when the policy
offers a single one). It keeps
the choice in the session under a fresh idempotency key. Step two (`confirm`)
shows exactly what will be withdrawn and how it goes back (GET) and records the
withdrawal (POST) through `withdrawal.withdraw`, which checks the choice again
under the order's lock and sends the acknowledgement with the notice's content,
date and time. Lines of several sellers make one return per seller: the buyer
then lands on My orders, which lists them all. A double click or a replayed POST
carries the same key and finds the withdrawal already recorded. After the period
both steps say so (410 Gone), never a server error.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.api.text import has_control_characters
from marketplace.models import Order, OrderLine, Seller
from policy_pages.labels import SHIPPING_METHOD
from policy_pages.rules import ShippingMethod

from .. import withdrawal
from ..draft import StepError, buyer_order
from ..eligibility import Decision
from ..forms import WithdrawalForm, withdrawal_method_name, withdrawal_units_name
from ..legal_calendar import market_timezone
from ..models import ReturnRequest
from ..refunds.estimate import shipping_cost
from ..services import decide_order
from ..steps import Selection
from .orders import local_date
from .wizard_display import SHIPPING_HINTS

# Session key: {order public id hex: {"key", "quantities": {line reference: units},
# "methods": {seller id: method}}}.
PENDING = "return_withdrawals"
GONE = 410
UNPROCESSABLE = 422
LINES_ANCHOR = "items-0"  # the first seller's items: where "choose an item" points


@dataclass
class LineRow:
    """A line the button can withdraw from, with the units left."""

    index: int
    line: OrderLine
    decision: Decision
    units: int
    until: str = ""
    bound: object = None  # the form's field for the units


@dataclass
class MethodChoice:
    """A return method the seller's pinned policy offers, with its cost for a withdrawal."""

    value: str
    label: str
    hint: str
    cost: Decimal

    @property
    def at_own_cost(self) -> bool:
        """The buyer's own carrier costs us nothing but is not free: the buyer pays it."""
        return self.value == ShippingMethod.OWN_CARRIER and not self.cost


@dataclass
class SellerGroup:
    """One seller's lines: they make one return, sent back in one parcel."""

    index: int
    seller: Seller
    rows: list[LineRow] = field(default_factory=list)
    methods: list[MethodChoice] = field(default_factory=list)
    bound: object = None  # the form's field for the method


def _method_choice(option, cost) -> MethodChoice:
    return MethodChoice(
        value=option.method.value,
        label=str(capfirst(SHIPPING_METHOD[option.method])),
        hint=str(SHIPPING_HINTS[option.method]),
        cost=cost,
    )


def _order(request, order_id) -> Order:
    order = buyer_order(request.user, order_id)
    if order is None:
        raise Http404
    return order


def _session_entry(request, order: Order) -> dict:
    entry = request.session.get(PENDING, {}).get(order.public_id.hex)
    return entry if isinstance(entry, dict) else {}


def _pending(request, order: Order) -> dict | None:
    """The choice of the first step, or None (none made, or one from before it
    took quantities)."""
    entry = _session_entry(request, order)
    if not entry.get("key") or not isinstance(entry.get("quantities"), dict):
        return None
    return entry


def _set_pending(request, order: Order, value: dict | None) -> None:
    pending = dict(request.session.get(PENDING, {}))
    if value is None:
        pending.pop(order.public_id.hex, None)
    else:
        pending[order.public_id.hex] = value
    request.session[PENDING] = pending


def _methods_of(pending: dict) -> dict[int, str]:
    return {int(seller): method for seller, method in pending.get("methods", {}).items()}


def _closed(request, order: Order, at: datetime):
    """The answer once no line can be withdrawn from: the period ended, or the law
    gives no right of withdrawal for this order (market, private seller...)."""
    decisions = decide_order(order, at)
    had_right = any(decision.statutory_right for _line, decision in decisions)
    return render(
        request,
        "return_portal/withdraw_closed.html",
        {
            "order": order,
            "had_right": had_right,
            "button_market": withdrawal.has_withdrawal_button(order),
            "returnable": any(decision.eligible for _line, decision in decisions),
        },
        status=GONE,
    )


def _groups(order: Order, lines) -> list[SellerGroup]:
    """The withdrawable lines by seller, in the order's order, each seller with the
    methods its pinned policies offer for all its lines."""
    by_seller: dict[int, SellerGroup] = {}
    for index, (line, decision) in enumerate(lines):
        group = by_seller.get(line.seller_id)
        if group is None:
            group = by_seller[line.seller_id] = SellerGroup(len(by_seller), line.seller)
        group.rows.append(
            LineRow(
                index=index,
                line=line,
                decision=decision,
                units=decision.returnable_quantity,
                until=local_date(decision.statutory_deadline, order.market),
            )
        )
    for group in by_seller.values():
        selection = Selection(tuple((r.line, r.decision, r.units) for r in group.rows))
        group.methods = [
            _method_choice(option, cost) for option, cost in withdrawal.shipping_choices(selection)
        ]
    return list(by_seller.values())


def _initial(groups: list[SellerGroup], pending: dict | None) -> dict:
    """Every unit left at first (the buyer lowers or unticks), or the choice made
    before; a method only when the policy offers just one."""
    quantities = pending["quantities"] if pending else None
    methods = _methods_of(pending) if pending else {}
    initial = {}
    for group in groups:
        for row in group.rows:
            units = row.units if quantities is None else quantities.get(row.line.reference, 0)
            initial[withdrawal_units_name(row.index)] = bool(units) if row.units == 1 else units
        method = methods.get(group.seller.pk, "")
        if not method and len(group.methods) == 1:
            method = group.methods[0].value
        initial[withdrawal_method_name(group.index)] = method
    return initial


def _error_summary(form: WithdrawalForm, groups: list[SellerGroup]) -> list[dict]:
    """Each error with the field it is about (the first seller's items for one
    about the whole choice), in the page's order."""
    summary = [{"anchor": LINES_ANCHOR, "message": error} for error in form.non_field_errors()]
    for group in groups:
        for row in group.rows:
            bound = form[withdrawal_units_name(row.index)]
            summary += [{"anchor": bound.auto_id, "message": error} for error in bound.errors]
        if group.methods:
            bound = form[withdrawal_method_name(group.index)]
            anchor = f"method-{group.index}"
            summary += [{"anchor": anchor, "message": error} for error in bound.errors]
    return summary


@login_required
@require_http_methods(["GET", "POST"])
def start(request, order_id):
    at = timezone.now()
    order = _order(request, order_id)
    lines = withdrawal.withdrawable_lines(order, at)
    if not lines:
        return _closed(request, order, at)
    groups = _groups(order, lines)
    pending = _pending(request, order)
    initial = _initial(groups, pending)
    if request.method == "POST":
        form = WithdrawalForm(request.POST, groups=groups, initial=initial)
        if form.is_valid():
            # The same key while the buyer goes back and forth: one withdrawal.
            key = _session_entry(request, order).get("key") or uuid.uuid4().hex
            methods = {str(seller): method for seller, method in form.methods().items()}
            _set_pending(
                request, order, {"key": key, "quantities": form.quantities(), "methods": methods}
            )
            return redirect("return_portal:withdraw_confirm", order_id=order.public_id)
    else:
        form = WithdrawalForm(groups=groups, initial=initial)
    for group in groups:
        for row in group.rows:
            row.bound = form[withdrawal_units_name(row.index)]
        if group.methods:
            group.bound = form[withdrawal_method_name(group.index)]
    summary = _error_summary(form, groups) if form.is_bound else []
    return render(
        request,
        "return_portal/withdraw.html",
        {
            "order": order,
            "groups": groups,
            "form": form,
            "several_sellers": len(groups) > 1,
            "error_summary": summary,
            "lines_errors": form.non_field_errors() if form.is_bound else [],
        },
        status=UNPROCESSABLE if summary else 200,
    )


def _already_done(request, order: Order, key: str) -> list[ReturnRequest]:
    if not key or has_control_characters(key):  # a key we issued has neither
        return []
    return withdrawal.recorded(order, key, request.user)


def _notice_message(returns: list[ReturnRequest], market: str) -> str:
    notice = timezone.localtime(returns[0].notice_at, market_timezone(market))
    values = {
        "date": date_format(notice, "DATE_FORMAT"),
        "time": time_format(notice, "H:i"),
        "zone": notice.tzinfo.key,
        "rma": ", ".join(r.rma for r in returns),
    }
    if len(returns) > 1:
        # One return per seller: each seller handles its own items.
        return (
            _(
                "Your withdrawal was received on %(date)s at %(time)s (%(zone)s). "
                "Each seller handles its own items, so it has several references: %(rma)s. "
                "We have sent you an acknowledgement for each by email."
            )
            % values
        )
    return (
        _(
            "Your withdrawal was received on %(date)s at %(time)s (%(zone)s). "
            "Your reference is %(rma)s. We have sent you an acknowledgement by email."
        )
        % values
    )


def _after(returns: list[ReturnRequest]):
    """The return's page; the orders page, which lists them all, for several."""
    if len(returns) > 1:
        return redirect("return_portal:orders")
    return redirect("return_portal:detail", return_id=returns[0].public_id)


def _summary(order: Order, lines, pending: dict) -> list[dict]:
    """What the confirmation will withdraw, by seller: the units of each line and
    the return method with its cost. Raises StepError when the choice no longer
    holds (units withdrawn meanwhile, a method no longer offered)."""
    covered = {line.reference: (line, decision) for line, decision in lines}
    items = withdrawal.chosen_items(covered, [], pending["quantities"])
    methods = _methods_of(pending)
    parts: dict[int, list] = {}
    for item in items:
        parts.setdefault(item[0].seller_id, []).append(item)
    summary = []
    for seller_id, part in parts.items():
        option = withdrawal.shipping_for(Selection(tuple(part)), methods.get(seller_id, ""))
        summary.append(
            {
                "seller": part[0][0].seller,
                "items": [{"line": line, "units": units} for line, _decision, units in part],
                "method": _method_choice(option, shipping_cost(option, False)) if option else None,
            }
        )
    return summary


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request, order_id):
    at = timezone.now()
    order = _order(request, order_id)
    pending = _pending(request, order)
    if request.method == "POST":
        posted_key = request.POST.get("key", "")
        done = _already_done(request, order, posted_key)
        if done:  # a double click or a replay: the withdrawal already exists
            _set_pending(request, order, None)
            return _after(done)
        if pending is None or posted_key != pending["key"]:
            messages.warning(request, _("Please choose the items again and confirm."))
            return redirect("return_portal:withdraw", order_id=order.public_id)
        try:
            recorded, _created = withdrawal.withdraw(
                request.user,
                order,
                [],
                pending["key"],
                at=at,
                quantities=pending["quantities"],
                shipping=_methods_of(pending),
            )
        except StepError:
            if not withdrawal.withdrawable_lines(order, at):
                _set_pending(request, order, None)
                return _closed(request, order, at)
            messages.error(request, _("Some of these items can no longer be withdrawn from."))
            _set_pending(request, order, None)
            return redirect("return_portal:withdraw", order_id=order.public_id)
        _set_pending(request, order, None)
        messages.success(request, _notice_message(recorded, order.market))
        return _after(recorded)

    # GET: the separate confirmation step, only after the first one.
    if pending is None:
        return redirect("return_portal:withdraw", order_id=order.public_id)
    lines = withdrawal.withdrawable_lines(order, at)
    if not lines:
        return _closed(request, order, at)
    try:
        summary = _summary(order, lines, pending)
    except StepError:
        _set_pending(request, order, None)
        messages.error(request, _("Some of these items can no longer be withdrawn from."))
        return redirect("return_portal:withdraw", order_id=order.public_id)
    return render(
        request,
        "return_portal/withdraw_confirm.html",
        {
            "order": order,
            "parts": summary,
            "several_sellers": len(summary) > 1,
            "key": pending["key"],
            "back_url": reverse("return_portal:withdraw", args=[order.public_id]),
        },
    )
