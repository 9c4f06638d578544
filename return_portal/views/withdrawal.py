"""The withdrawal button (Directive 2011/83/EU Art. 11a, as inserted by Directive
(EU) 2023/2673; C. consom. L221-21): "Withdraw from contract here", then a
separate confirmation step, then the acknowledgement.

Step one (`start`) lists the lines the statutory right still covers and takes the
buyer's choice; it keeps that choice in the session under a fresh idempotency
key. Step two (`confirm`) shows the summary (GET) and records the withdrawal
(POST) through `withdrawal.withdraw`, which sends the acknowledgement with the
notice's content, date and time. Lines of several sellers make one return per
seller: the buyer then lands on My orders, which lists them all. A double click
or a replayed POST carries the same key and finds the withdrawal already
recorded. After the period both steps say so (410 Gone), never a server error.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.api.text import has_control_characters
from marketplace.models import Order

from .. import withdrawal
from ..draft import StepError, buyer_order
from ..legal_calendar import market_timezone
from ..models import ReturnRequest
from ..services import decide_order
from .orders import local_date

PENDING = "return_withdrawals"  # session key: {order public id hex: {"key", "lines"}}
GONE = 410
UNPROCESSABLE = 422


def _order(request, order_id) -> Order:
    order = buyer_order(request.user, order_id)
    if order is None:
        raise Http404
    return order


def _pending(request, order: Order) -> dict | None:
    return request.session.get(PENDING, {}).get(order.public_id.hex)


def _set_pending(request, order: Order, value: dict | None) -> None:
    pending = dict(request.session.get(PENDING, {}))
    if value is None:
        pending.pop(order.public_id.hex, None)
    else:
        pending[order.public_id.hex] = value
    request.session[PENDING] = pending


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


def _line_rows(order: Order, lines, chosen: set[str] | None = None):
    return [
        {
            "line": line,
            "units": decision.returnable_quantity,
            "until": local_date(decision.statutory_deadline, order.market),
            "checked": chosen is None or line.reference in chosen,
        }
        for line, decision in lines
    ]


@login_required
@require_http_methods(["GET", "POST"])
def start(request, order_id):
    at = timezone.now()
    order = _order(request, order_id)
    lines = withdrawal.withdrawable_lines(order, at)
    if not lines:
        return _closed(request, order, at)
    errors: list[str] = []
    chosen: set[str] | None = None
    if request.method == "POST":
        covered = {line.reference for line, _decision in lines}
        chosen = set(request.POST.getlist("lines"))
        if not chosen:
            errors.append(_("Choose at least one item to withdraw from."))
        elif not chosen <= covered:
            errors.append(_("Some of these items can no longer be withdrawn from."))
        else:
            pending = _pending(request, order) or {}
            # The same key while the buyer goes back and forth: one withdrawal.
            key = pending.get("key") or uuid.uuid4().hex
            references = [line.reference for line, _decision in lines if line.reference in chosen]
            _set_pending(request, order, {"key": key, "lines": references})
            return redirect("return_portal:withdraw_confirm", order_id=order.public_id)
    else:
        pending = _pending(request, order)
        if pending:
            chosen = set(pending["lines"])
    return render(
        request,
        "return_portal/withdraw.html",
        {"order": order, "rows": _line_rows(order, lines, chosen), "errors": errors},
        status=UNPROCESSABLE if errors else 200,
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
                request.user, order, pending["lines"], pending["key"], at=at
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
    chosen = [(line, decision) for line, decision in lines if line.reference in pending["lines"]]
    if len(chosen) != len(pending["lines"]):
        _set_pending(request, order, None)
        messages.error(request, _("Some of these items can no longer be withdrawn from."))
        return redirect("return_portal:withdraw", order_id=order.public_id)
    return render(
        request,
        "return_portal/withdraw_confirm.html",
        {
            "order": order,
            "rows": _line_rows(order, chosen),
            "key": pending["key"],
            "back_url": reverse("return_portal:withdraw", args=[order.public_id]),
        },
    )
