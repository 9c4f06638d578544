"""Withdrawals (Directive 2011/83/EU Art. 9-16; C. consom. L221-18 ff.): sent with
the withdrawal button (Art. 11a; L221-21), or received another way and recorded
by staff or an integration; which lines they cover, and recording them.

`withdraw` (the button) and `record_notice` (an email, a phone call, a letter, the
storefront's own button) are actions like the others: the buyer's own order (or
staff within their scope, or the system), under a lock on the order, an event,
the audit log ("return_portal.withdraw"), the acknowledgement with the notice's
content, date and time in the outbox, then the system's approval: the right
needs none (approval.Rule.WITHDRAWAL).

A return holds one seller's lines, so a withdrawal over several sellers' lines is
recorded as one return per seller, all with the same notice time. Each part's
idempotency key is the withdrawal's key prefixed with its seller (`seller_key`),
so a replay finds every part (`recorded`).

The button withdraws the units the buyer chose (`quantities`, all of a line's
units left when not given) and ships each part back by the method the buyer
chose among those the part's pinned policy offers (`shipping`), at the cost that
policy sets for a withdrawal: who pays stays the policy's rule. A notice recorded
another way withdraws whole lines and ships by the first method of
WITHDRAWAL_SHIPPING_PREFERENCE the policy offers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from marketplace.markets import is_eu
from marketplace.models import Order, OrderLine
from policy_pages.rules import Resolution, ShippingMethod, ShippingOption

from . import actors, lifecycle, webhook_events
from .approval import Rule
from .confirm import (
    drop_off_code,
    locked_order,
    record_creation,
    reported_at,
    ship_by_date,
)
from .draft import StepError
from .eligibility import Decision
from .lifecycle import WITHDRAWAL_SHIP_BACK_DAYS
from .models import ActorKind, ReturnKind, ReturnLine, ReturnRequest
from .refunds import clock
from .refunds.estimate import shipping_cost
from .services import decide_order
from .steps import Selection, allowed_shipping, quote, shipping_costs, statutory_open
from .steps import _whole_order as leaves_nothing_of_the_order

# Shipping a withdrawal defaults to, in order of preference (the buyer needs no printer).
WITHDRAWAL_SHIPPING_PREFERENCE = (
    ShippingMethod.DROP_OFF,
    ShippingMethod.PREPAID_LABEL,
    ShippingMethod.OWN_CARRIER,
)
KEY_MAX_LENGTH = 64  # ReturnRequest.idempotency_key


class Channel(StrEnum):
    """How the notice reached the trader (any clear statement counts, Art. 11(1))."""

    BUTTON = "button"  # the hub's withdrawal button
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    STOREFRONT = "storefront"  # the storefront's own withdrawal button or form


# The acknowledgement's first sentence: how the notice reached the trader.
ACKNOWLEDGEMENTS = {
    Channel.BUTTON: gettext_lazy(
        "This email acknowledges your withdrawal from the contract, sent with the "
        "withdrawal button."
    ),
    Channel.EMAIL: gettext_lazy(
        "This email acknowledges your withdrawal from the contract, which we received by email."
    ),
    Channel.PHONE: gettext_lazy(
        "This email acknowledges your withdrawal from the contract, which you told us by phone."
    ),
    Channel.LETTER: gettext_lazy(
        "This email acknowledges your withdrawal from the contract, which we received by letter."
    ),
    Channel.STOREFRONT: gettext_lazy(
        "This email acknowledges your withdrawal from the contract, sent on the shop's website."
    ),
}
# A notice recorded by staff or an integration came any way but the hub's button.
NOTICE_CHANNELS = tuple(channel for channel in Channel if channel != Channel.BUTTON)


def has_withdrawal_button(order: Order) -> bool:
    """The withdrawal button is EU law (Art. 11a, from 19 June 2026). A UK buyer
    cancels under the CCR 2013 by any clear statement: for them the portal's ordinary
    return, judged against the same statutory period, is the way."""
    return is_eu(order.market)


def notice_lines(order: Order, at: datetime) -> list[tuple[OrderLine, Decision]]:
    """The lines a notice given at `at` can withdraw from: inside the statutory
    period then, with units left."""
    return [
        (line, decision)
        for line, decision in decide_order(order, at)
        if statutory_open(decision, at) and decision.returnable_quantity > 0
    ]


def withdrawable_lines(order: Order, at: datetime) -> list[tuple[OrderLine, Decision]]:
    """The lines the button can withdraw from at `at`: EU orders only, inside the
    statutory period, with units left."""
    return notice_lines(order, at) if has_withdrawal_button(order) else []


def seller_key(key: str, seller_id: int) -> str:
    """The idempotency key of one seller's part of the withdrawal sent under `key`
    (a long key is hashed so that the part's key fits)."""
    prefix = f"s{seller_id}:"
    if len(prefix) + len(key) > KEY_MAX_LENGTH:
        key = hashlib.sha256(key.encode()).hexdigest()[: KEY_MAX_LENGTH - len(prefix)]
    return prefix + key


def recorded(order: Order | int, key: str, buyer, seller_ids=None) -> list[ReturnRequest]:
    """Every part of the withdrawal `key` already recorded for this buyer and order
    (a replay), oldest first; [] when none."""
    order_pk = order if isinstance(order, int) else order.pk
    if seller_ids is None:
        seller_ids = OrderLine.objects.filter(order_id=order_pk).values_list("seller_id", flat=True)
    keys = [seller_key(key, seller_id) for seller_id in set(seller_ids)]
    return list(
        ReturnRequest.objects.filter(order_id=order_pk, buyer=buyer, idempotency_key__in=keys)
        .select_related("order")
        .order_by("pk")
    )


def withdraw(
    buyer,
    order: Order,
    references: list[str],
    key: str,
    *,
    at: datetime | None = None,
    quantities: Mapping[str, int] | None = None,
    shipping: str | Mapping[int, str] | None = None,
):
    """Record a withdrawal sent with the withdrawal button (Art. 11a; L221-21):
    (returns, created), one return per seller of the lines withdrawn.

    The notice's time is now: the 14-day refund clock starts here (Art. 13), the
    buyer has 14 days to send the goods (Art. 14), and the acknowledgement email
    gives the content, date and time. `references` are the lines withdrawn (every
    withdrawable line when empty), each with all its units left; `quantities`
    (line reference -> units, zeros ignored) replaces them when given. `shipping`:
    the return method, one for every part or one per seller id (a seller left
    out must then offer none); None: the first of WITHDRAWAL_SHIPPING_PREFERENCE
    the policy offers. Idempotent by `key`. Raises StepError when the period is
    over, a line is not covered, a quantity is more than is left or a method is
    not offered."""
    existing = recorded(order, key, buyer)
    if existing:
        return existing, False
    return _record(
        order.pk,
        references,
        key,
        at=at or timezone.now(),
        buyer=buyer,
        actor=buyer,
        actor_kind=ActorKind.BUYER,
        channel=Channel.BUTTON,
        quantities=quantities,
        shipping=shipping,
    )


def record_notice(
    order: Order,
    references: list[str],
    *,
    notified_at: datetime,
    channel: str,
    key: str,
    actor=None,
    actor_kind: str | None = None,
):
    """Record a withdrawal the trader received another way (`channel`: email, phone,
    letter, the storefront's own button) at `notified_at`: (returns, created), one
    return per seller, for the order's buyer (none for a guest order).

    The refund clock, the 14 days to send the goods and the statutory period are
    all judged at `notified_at`, which is neither in the future nor before the
    order was placed (a withdrawal before delivery is valid, Art. 9(3)). `actor`:
    staff within their sellers' scope, or None for the system (the API checks its
    token's scope first). Idempotent by `key`. Raises StepError on bad input."""
    if actor_kind is None:
        actor_kind = ActorKind.SYSTEM if actor is None else ActorKind.STAFF
    if channel not in NOTICE_CHANNELS:
        raise StepError({"channel": [_("Say how the withdrawal was received.")]})
    if notified_at is None:
        raise StepError({"notified_at": [_("Say when the withdrawal was received.")]})
    notified_at = reported_at(notified_at, order, "notified_at")
    if not key:
        raise StepError({"key": [_("Give an idempotency key of 1 to 64 characters.")]})
    existing = recorded(order, key, order.buyer if order.buyer_id else None)
    if existing:
        return existing, False
    return _record(
        order.pk,
        references,
        key,
        at=notified_at,
        buyer=None,  # the order's, read under the lock
        actor=actor,
        actor_kind=actor_kind,
        channel=Channel(channel),
    )


class _AlreadyRecorded(Exception):
    """A replay, or a concurrent request won the order's lock."""

    def __init__(self, returns: list[ReturnRequest]):
        super().__init__(", ".join(r.rma for r in returns))
        self.returns = returns


def _record(
    order_pk,
    references,
    key,
    *,
    at,
    buyer,
    actor,
    actor_kind,
    channel,
    quantities=None,
    shipping=None,
):
    by_buyer = actor_kind == ActorKind.BUYER
    buyer_for_replay = buyer
    try:
        with transaction.atomic():
            locked = locked_order(order_pk)
            if by_buyer and locked.buyer_id != buyer.pk:
                raise StepError({"lines": [_("Choose items of this order only.")]})
            buyer = buyer if by_buyer else locked.buyer
            buyer_for_replay = buyer
            sellers = {line.seller_id for line in locked.lines.all()}
            existing = recorded(locked.pk, key, buyer, sellers)
            if existing:
                raise _AlreadyRecorded(existing)
            lines = withdrawable_lines(locked, at) if by_buyer else notice_lines(locked, at)
            covered = {line.reference: (line, d) for line, d in lines}
            if not covered:
                raise StepError({"lines": [_("The withdrawal period of this order has ended.")]})
            items = chosen_items(covered, references, quantities)
            whole = leaves_nothing_of_the_order(locked, Selection(tuple(items)))
            parts: dict[int, list] = {}
            for item in items:
                parts.setdefault(item[0].seller_id, []).append(item)
            # Every part's method is checked before anything is recorded.
            methods = {
                seller_id: shipping_for(Selection(tuple(part)), _method_of(shipping, seller_id))
                for seller_id, part in parts.items()
            }
            created = [
                _record_part(
                    locked,
                    Selection(tuple(part)),
                    seller_key(key, seller_id),
                    shipping=methods[seller_id],
                    at=at,
                    buyer=buyer,
                    actor=actor,
                    actor_kind=actor_kind,
                    channel=channel,
                    # The standard delivery's refund goes with one part only.
                    whole_order=whole and index == 0,
                )
                for index, (seller_id, part) in enumerate(parts.items())
            ]
    except _AlreadyRecorded as done:
        return done.returns, False
    except IntegrityError:
        # A part's unique key: another request recorded it between our checks.
        existing = recorded(order_pk, key, buyer_for_replay)
        if existing:
            return existing, False
        raise StepError({"lines": [_("This form has expired. Please start again.")]}) from None
    return list(ReturnRequest.objects.filter(pk__in=created).order_by("pk")), True


def chosen_items(
    covered: Mapping[str, tuple[OrderLine, Decision]],
    references: list[str],
    quantities: Mapping[str, int] | None = None,
) -> list[tuple[OrderLine, Decision, int]]:
    """(line, decision, units) of the lines chosen among `covered` (reference ->
    (line, decision)), in the order's order: `quantities` when given (zeros
    ignored), else every unit left of `references` (of every covered line when
    empty). Raises StepError for nothing chosen, a line not covered, or units
    that are not a whole number from 1 to what is left."""
    if quantities is None:
        wanted = dict.fromkeys(references or covered)
    else:
        wanted = {reference: units for reference, units in quantities.items() if units != 0}
        if not wanted:
            raise StepError({"lines": [_("Choose at least one item to withdraw from.")]})
    if any(reference not in covered for reference in wanted):
        raise StepError({"lines": [_("Some of these items can no longer be withdrawn from.")]})
    items = []
    for reference, (line, decision) in covered.items():
        if reference not in wanted:
            continue
        left = decision.returnable_quantity
        units = left if quantities is None else wanted[reference]
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise StepError({"lines": [_("Enter a whole number of units.")]})
        if units > left:
            message = ngettext(
                "You can withdraw from at most %(count)s unit of %(item)s.",
                "You can withdraw from at most %(count)s units of %(item)s.",
                left,
            ) % {"count": left, "item": line.title}
            raise StepError({"lines": [message]})
        items.append((line, decision, units))
    return items


def shipping_choices(selection: Selection) -> list[tuple[ShippingOption, Decimal]]:
    """The return methods the selection's pinned policies offer, each with what it
    costs the buyer for a withdrawal (no defect: the policy's change-of-mind payer)."""
    return shipping_costs(selection, False)


def shipping_for(selection: Selection, method: str | None) -> ShippingOption | None:
    """The option the part ships back by: the chosen `method` ("" when the buyer
    chose none) among those offered, or by preference for None (a notice)."""
    options = {option.method.value: option for option in allowed_shipping(selection)}
    if method is None:
        for preferred in WITHDRAWAL_SHIPPING_PREFERENCE:
            if preferred.value in options:
                return options[preferred.value]
        return None
    if not options and not method:
        return None  # the policy offers no method: nothing to choose
    option = options.get(method) if isinstance(method, str) else None
    if option is None:
        raise StepError({"shipping_method": [_("Choose how you will send the parcel back.")]})
    return option


def _method_of(shipping: str | Mapping[int, str] | None, seller_id: int) -> str | None:
    if isinstance(shipping, Mapping):
        return shipping.get(seller_id, "")
    return shipping


def _record_part(
    locked: Order,
    selection: Selection,
    key: str,
    *,
    shipping: ShippingOption | None,
    at,
    buyer,
    actor,
    actor_kind,
    channel,
    whole_order,
) -> int:
    """One seller's part of the withdrawal: created, acknowledged and approved."""
    rules = selection.first_rules
    quoted = quote(
        locked, selection, Resolution.REFUND, shipping, False, at, whole_order=whole_order
    )
    return_request = ReturnRequest(
        kind=ReturnKind.WITHDRAWAL,
        order=locked,
        buyer=buyer,
        seller_id=selection.items[0][0].seller_id,
        idempotency_key=key,
        resolution=Resolution.REFUND.value,
        shipping_method=shipping.method.value if shipping else "",
        currency=locked.currency,
        shipping_cost=shipping_cost(shipping, False),
        estimate=quoted.to_dict(),
        estimated_total=quoted.total,
        statutory=True,
        notice_at=at,
        refund_due_by=clock.statutory_due_by(locked.market, at),
        # Known now, so the acknowledgement gives it (Art. 14(1)).
        ship_by=ship_by_date(locked, at, max(WITHDRAWAL_SHIP_BACK_DAYS, rules.ship_back_days)),
        drop_off_code=drop_off_code(shipping.method) if shipping else "",
    )
    if actor_kind != ActorKind.BUYER:
        # Staff within their sellers' scope, or the system (the API's token).
        actors.check(return_request, actor, actor_kind, (ActorKind.STAFF, ActorKind.SYSTEM))
    return_request.save(force_insert=True)
    ReturnLine.objects.bulk_create(
        ReturnLine(return_request=return_request, order_line=line, quantity=units)
        for line, _decision, units in selection.items
    )
    record_creation(
        return_request,
        at,
        actor=actor,
        actor_kind=actor_kind,
        verb="withdraw",
        email="withdrawal",
        note="withdrawal button" if channel == Channel.BUTTON else f"notice by {channel}",
        acknowledgement=ACKNOWLEDGEMENTS[channel],
    )
    webhook_events.withdrawal_notified(return_request)
    # The right needs no approval: the return is approved as it is recorded.
    lifecycle.approve(
        return_request,
        actor=None,
        actor_kind=ActorKind.SYSTEM,
        at=at,
        notify=False,
        held=True,  # created above, in this transaction
        rule=Rule.WITHDRAWAL,
    )
    return return_request.pk


def withdrawal_deadline(decisions: list[tuple[OrderLine, Decision]], at: datetime):
    """(open, deadline) of the withdrawal button for an order: open while any line
    is inside its statutory period; the deadline is the latest of those periods
    (None while a split delivery has not started it)."""
    open_lines = [decision for _line, decision in decisions if statutory_open(decision, at)]
    if not open_lines:
        return False, None
    deadlines = [d.statutory_deadline for d in open_lines]
    return True, (None if any(d is None for d in deadlines) else max(deadlines))
