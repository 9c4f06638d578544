"""The withdrawal button (Directive 2011/83/EU Art. 11a; C. consom. L221-21):
which lines it covers, and recording the withdrawal.

`withdraw` is an action like the others: the buyer's own order only, under a
lock on the order, an event, the audit log ("return_portal.withdraw"), the
acknowledgement with the notice's content, date and time in the outbox, then
the system's approval (the right needs none).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.markets import is_eu
from marketplace.models import Order, OrderLine
from policy_pages.rules import Resolution, ShippingMethod, ShippingOption

from . import lifecycle
from .confirm import (
    REFUND_DAYS,
    AlreadyCreated,
    drop_off_code,
    existing_return,
    locked_order,
    record_creation,
    replayed_or_refused,
    ship_by_date,
)
from .draft import StepError
from .eligibility import Decision
from .models import ActorKind, ReturnKind, ReturnLine, ReturnRequest
from .refunds.estimate import shipping_cost
from .services import decide_order
from .steps import Selection, allowed_shipping, quote, statutory_open

# Art. 14(1): the buyer sends the goods back within 14 days of withdrawing.
WITHDRAWAL_SHIP_BACK_DAYS = 14
# Shipping a withdrawal defaults to, in order of preference (the buyer needs no printer).
WITHDRAWAL_SHIPPING_PREFERENCE = (
    ShippingMethod.DROP_OFF,
    ShippingMethod.PREPAID_LABEL,
    ShippingMethod.OWN_CARRIER,
)


def has_withdrawal_button(order: Order) -> bool:
    """The withdrawal button is EU law (Art. 11a, from 19 June 2026). A UK buyer
    cancels under the CCR 2013 by any clear statement: for them the portal's ordinary
    return, judged against the same statutory period, is the way."""
    return is_eu(order.market)


def withdrawable_lines(order: Order, at: datetime) -> list[tuple[OrderLine, Decision]]:
    """The lines the button can withdraw from at `at`: EU orders only, inside the
    statutory period, with units left."""
    if not has_withdrawal_button(order):
        return []
    return [
        (line, decision)
        for line, decision in decide_order(order, at)
        if statutory_open(decision, at) and decision.returnable_quantity > 0
    ]


def withdraw(buyer, order: Order, references: list[str], key: str, *, at: datetime | None = None):
    """Record a withdrawal sent with the withdrawal button (Art. 11a; L221-21).

    The notice's time is now: the 14-day refund clock starts here (Art. 13), the
    buyer has 14 days to send the goods (Art. 14), and the acknowledgement email
    gives the content, date and time. `references` are the lines withdrawn (every
    withdrawable line when empty). Idempotent by `key`. Raises StepError when the
    period is over or a line is not covered."""
    existing = existing_return(key, buyer, order.pk)
    if existing is not None:
        return existing, False
    at = at or timezone.now()
    try:
        with transaction.atomic():
            locked = locked_order(order.pk)
            if locked.buyer_id != buyer.pk:
                raise StepError({"lines": [_("Choose items of this order only.")]})
            existing = existing_return(key, buyer, locked.pk)
            if existing is not None:
                raise AlreadyCreated(existing)
            covered = {line.reference: (line, d) for line, d in withdrawable_lines(locked, at)}
            if not covered:
                raise StepError({"lines": [_("The withdrawal period of this order has ended.")]})
            chosen = list(dict.fromkeys(references)) or list(covered)  # each line once
            missing = [reference for reference in chosen if reference not in covered]
            if missing:
                raise StepError(
                    {"lines": [_("Some of these items can no longer be withdrawn from.")]}
                )
            items = tuple(
                (covered[r][0], covered[r][1], covered[r][1].returnable_quantity) for r in chosen
            )
            selection = Selection(items)
            rules = selection.first_rules
            shipping = _withdrawal_shipping(selection)
            quoted = quote(locked, selection, Resolution.REFUND, shipping, False, at)
            return_request = ReturnRequest.objects.create(
                kind=ReturnKind.WITHDRAWAL,
                order=locked,
                buyer=buyer,
                idempotency_key=key,
                resolution=Resolution.REFUND.value,
                shipping_method=shipping.method.value if shipping else "",
                currency=locked.currency,
                shipping_cost=shipping_cost(shipping, False),
                estimate=quoted.to_dict(),
                estimated_total=quoted.total,
                statutory=True,
                notice_at=at,
                refund_due_by=at + timedelta(days=REFUND_DAYS),
                drop_off_code=drop_off_code(shipping.method) if shipping else "",
            )
            ReturnLine.objects.bulk_create(
                ReturnLine(return_request=return_request, order_line=line, quantity=units)
                for line, _decision, units in items
            )
            record_creation(
                return_request,
                buyer,
                at,
                verb="withdraw",
                email="withdrawal",
                note="withdrawal button",
            )
            # The right needs no approval: the return is approved as it is recorded.
            lifecycle.approve(
                return_request,
                actor=None,
                actor_kind=ActorKind.SYSTEM,
                at=at,
                ship_by=ship_by_date(
                    locked, at, max(WITHDRAWAL_SHIP_BACK_DAYS, rules.ship_back_days)
                ),
                notify=False,
            )
    except AlreadyCreated as done:
        return done.return_request, False
    except IntegrityError:
        return replayed_or_refused(key, buyer, order.pk), False
    return ReturnRequest.objects.get(pk=return_request.pk), True


def _withdrawal_shipping(selection: Selection) -> ShippingOption | None:
    options = {option.method: option for option in allowed_shipping(selection)}
    for method in WITHDRAWAL_SHIPPING_PREFERENCE:
        if method in options:
            return options[method]
    return None


def withdrawal_deadline(decisions: list[tuple[OrderLine, Decision]], at: datetime):
    """(open, deadline) of the withdrawal button for an order: open while any line
    is inside its statutory period; the deadline is the latest of those periods
    (None while a split delivery has not started it)."""
    open_lines = [decision for _line, decision in decisions if statutory_open(decision, at)]
    if not open_lines:
        return False, None
    deadlines = [d.statutory_deadline for d in open_lines]
    return True, (None if any(d is None for d in deadlines) else max(deadlines))
