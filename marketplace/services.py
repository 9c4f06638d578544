"""Marketplace operations shared by the API, commands, the seed and the portal."""

from __future__ import annotations

from datetime import datetime

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from core.api.errors import ErrorCode

from .delivery_schemas import DeliveriesIn
from .fields import Errors
from .models import Order, OrderLine, ProductCategory
from .scoping import EVERYTHING, SellerScope


def lines_queryset() -> QuerySet[OrderLine]:
    """Order lines with their seller and category, in order. The floors above
    extend it (policy_pages.pinning.pinned_lines adds the pinned version)."""
    return OrderLine.objects.select_related("seller", "category").order_by("position", "id")


def orders_with_lines(
    orders: QuerySet[Order] | None = None, lines: QuerySet[OrderLine] | None = None
) -> QuerySet[Order]:
    """Orders with their lines (`lines`, default `lines_queryset()`) prefetched: two
    queries for any number of orders."""
    orders = orders if orders is not None else Order.objects.all()
    lines = lines if lines is not None else lines_queryset()
    return orders.prefetch_related(Prefetch("lines", queryset=lines))


# --- deliveries ------------------------------------------------------------------------------


def record_deliveries(
    order: Order, deliveries: DeliveriesIn, scope: SellerScope = EVERYTHING
) -> Errors:
    """Set delivered_at on the given lines of `order`, all or nothing. Only the
    lines `scope` allows exist here: a seller's token names another seller's
    line as it would a line the order does not have.

    The schema checked the shape and the dates alone; this checks them against
    the order. Idempotent: the same date again changes nothing. A delivery date,
    once set, is not moved (the legal deadlines count from it): a different date
    for a delivered line is an error.
    """
    errors = Errors()
    with transaction.atomic():
        lines = {
            line.reference: line
            for line in scope.filter(OrderLine.objects.select_for_update().filter(order=order))
        }
        changes: dict[str, datetime] = {}
        for index, item in enumerate(deliveries.lines):
            path = f"lines[{index}]"
            line = lines.get(item.reference)
            if line is None:
                errors.add(
                    f"{path}.reference",
                    _("This order has no line with this reference."),
                    code=ErrorCode.UNKNOWN,
                )
                continue
            if line.reference in changes:
                errors.add(
                    f"{path}.reference", _("This line is listed twice."), code=ErrorCode.CONSTRAINT
                )
                continue
            when = item.delivered_at
            if when < order.placed_at:
                errors.add(
                    f"{path}.delivered_at",
                    _("This date is before %(field)s.") % {"field": "placed_at"},
                    code=ErrorCode.CONSTRAINT,
                )
                continue
            if line.delivered_at is not None and line.delivered_at != when:
                errors.add(
                    f"{path}.delivered_at",
                    _("This line was already delivered at another time; that cannot change."),
                    code=ErrorCode.CONSTRAINT,
                )
                continue
            changes[line.reference] = when
        if errors:
            return errors
        for reference, when in changes.items():
            if lines[reference].delivered_at is None:
                OrderLine.objects.filter(pk=lines[reference].pk).update(delivered_at=when)
    return errors


# --- buyers ----------------------------------------------------------------------------------


def link_orders_to(user) -> int:
    """Give `user` the orders placed under their verified email addresses."""
    emails = list(
        EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    )
    if not emails:
        return 0
    return Order.objects.filter(
        buyer__isnull=True, buyer_email__in=[e.lower() for e in emails]
    ).update(buyer=user)


# --- categories ------------------------------------------------------------------------------


def category_path(code: str) -> tuple[str, ...] | None:
    """The codes from the root to a category, or None when it is unknown."""
    path = ProductCategory.objects.filter(code=code).values_list("path", flat=True).first()
    return tuple(path.split("/")) if path else None
