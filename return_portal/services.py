"""Eligibility of real orders: from marketplace rows to the pure decision.

`decide` (eligibility.py) reads plain facts; this module builds those facts from an
`OrderLine` and judges whole orders with the policy version each line is pinned to.
The portal, the staff screens and the eligibility API all call `decide_order`.

The quantity already returned or in an open return is read with the lines (a subquery
annotation, see `decision_lines`), or given as a mapping (line pk -> quantity).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from marketplace.models import Order, OrderLine
from marketplace.services import orders_with_lines
from policy_pages.pinning import pinned_lines
from policy_pages.rules import ItemFlag, PolicyRules

from .eligibility import Decision, LineFacts, decide
from .models import RELEASED_STATUSES, ReturnLine

# Flags the item has from the catalogue, whatever the buyer does.
_STATE_FLAGS = (("custom_made", ItemFlag.CUSTOM_MADE), ("perishable", ItemFlag.PERISHABLE))
# Sealed goods lose the right only once unsealed after delivery: the buyer declares it.
_SEALED_FLAGS = (
    ("sealed_hygiene", ItemFlag.SEALED_HYGIENE),
    ("sealed_media", ItemFlag.SEALED_MEDIA),
)


@dataclass(frozen=True)
class Declarations:
    """What the buyer declares about the items: the references of the lines whose
    sealed goods they unsealed after delivery."""

    opened: frozenset[str] = frozenset()

    @classmethod
    def of(cls, opened: Iterable[str] = ()) -> Declarations:
        return cls(opened=frozenset(opened))


NO_DECLARATIONS = Declarations()


def order_last_delivered_at(lines: Iterable[OrderLine]) -> datetime | None:
    """The delivery of the order's last line; None while any line is on its way
    (the statutory period then has not started: Art. 9(2)(b)(i))."""
    deliveries = [line.delivered_at for line in lines]
    if not deliveries or any(when is None for when in deliveries):
        return None
    return max(deliveries)


def _held_quantity():
    """Per order line: the units in returns that still hold them (not rejected,
    cancelled or expired)."""
    return (
        ReturnLine.objects.filter(order_line=OuterRef("pk"))
        .exclude(return_request__status__in=RELEASED_STATUSES)
        .values("order_line")
        .annotate(total=Sum("quantity"))
        .values("total")
    )


def decision_lines() -> QuerySet[OrderLine]:
    """Order lines with all a decision reads, including `returned_or_open`."""
    return pinned_lines().annotate(returned_or_open=Coalesce(Subquery(_held_quantity()), Value(0)))


def orders_for_decisions(orders: QuerySet[Order] | None = None) -> QuerySet[Order]:
    """Orders with their lines ready to judge: two queries for any number of orders."""
    return orders_with_lines(orders, decision_lines())


def returned_or_open_quantity(line: OrderLine) -> int:
    """The units of `line` already returned or in an open return (annotated by
    `decision_lines`, else one query)."""
    held = getattr(line, "returned_or_open", None)
    if held is None:
        held = decision_lines().filter(pk=line.pk).values_list("returned_or_open", flat=True)[0]
    return held


def line_facts(
    line: OrderLine,
    declarations: Declarations = NO_DECLARATIONS,
    returned_or_open: Mapping[int, int] | None = None,
    *,
    last_delivered_at: datetime | type[...] | None = ...,
) -> LineFacts:
    """The facts of one line. Reads `line.order` and the order's lines: prefetch
    them (see `orders_for_decisions`), or pass `last_delivered_at` when already known.
    `returned_or_open` (line pk -> quantity) overrides what the returns say."""
    order = line.order
    if last_delivered_at is ...:
        last_delivered_at = order_last_delivered_at(order.lines.all())
    flags = {flag for attr, flag in _STATE_FLAGS if getattr(line, attr)}
    if line.reference in declarations.opened:
        flags |= {flag for attr, flag in _SEALED_FLAGS if getattr(line, attr)}
    return LineFacts(
        order_placed_at=order.placed_at,
        market=order.market,
        delivered_at=line.delivered_at,
        order_last_delivered_at=last_delivered_at,
        withdrawal_info_given=order.withdrawal_info_given,
        withdrawal_info_given_at=order.withdrawal_info_given_at,
        seller_is_trader=line.seller_is_trader,
        category_path=line.category.path_codes,
        quantity=line.quantity,
        flags=frozenset(flags),
        quantity_returned_or_open=(
            returned_or_open.get(line.pk, 0)
            if returned_or_open is not None
            else returned_or_open_quantity(line)
        ),
    )


def order_lines(order: Order) -> list[OrderLine]:
    """The order's lines with seller, category, pinned version and returned quantity:
    the prefetched ones when the order came from `orders_for_decisions`, else one query."""
    prefetched = getattr(order, "_prefetched_objects_cache", {}).get("lines")
    if prefetched is not None and all(hasattr(line, "returned_or_open") for line in prefetched):
        lines = list(prefetched)
    else:
        lines = list(decision_lines().filter(order=order))
    for line in lines:
        line.order = order  # no query back to the order
    return lines


def decide_order(
    order: Order,
    at: datetime,
    declarations: Declarations = NO_DECLARATIONS,
    returned_or_open: Mapping[int, int] | None = None,
    *,
    rules_cache: dict[int, PolicyRules] | None = None,
) -> list[tuple[OrderLine, Decision]]:
    """Judge every line of `order` at the instant `at` under its pinned version.

    At most one query (none when the lines are prefetched). Pass one `rules_cache`
    across orders to parse each version's rules once."""
    lines = order_lines(order)
    last = order_last_delivered_at(lines)
    rules_cache = {} if rules_cache is None else rules_cache
    decisions = []
    for line in lines:
        rules = rules_cache.get(line.pin.version_id)
        if rules is None:
            rules = rules_cache[line.pin.version_id] = line.pin.version.rules
        facts = line_facts(line, declarations, returned_or_open, last_delivered_at=last)
        decisions.append((line, decide(rules, facts, at)))
    return decisions
