"""Marketplace operations shared by the API, commands, the seed and the portal."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .intake import CLOCK_SKEW, Errors, parse_instant
from .models import Order, OrderLine, ProductCategory


def _iso(instant: datetime | None) -> str | None:
    return instant.astimezone(UTC).isoformat() if instant else None


def lines_queryset() -> QuerySet[OrderLine]:
    """Order lines with everything a decision or a representation reads."""
    return OrderLine.objects.select_related(
        "seller", "category", "policy_version", "policy_version__policy"
    ).order_by("position", "id")


def orders_with_lines(orders: QuerySet[Order] | None = None) -> QuerySet[Order]:
    """Orders with their lines prefetched: two queries for any number of orders."""
    orders = orders if orders is not None else Order.objects.all()
    return orders.prefetch_related(Prefetch("lines", queryset=lines_queryset()))


def order_for_api(reference: str) -> Order | None:
    return orders_with_lines(Order.objects.filter(reference=reference)).first()


def pinned_policy_data(line: OrderLine) -> dict:
    version = line.policy_version
    return {
        "slug": version.policy.slug,
        "version": version.number,
        "effective_from": _iso(version.effective_from),
        "hash": version.hash,
        "seller": version.seller_ref or None,
    }


def order_data(order: Order) -> dict:
    """The order as stored (the intake API's answer; a replay gets the same)."""
    return {
        "reference": order.reference,
        "buyer_email": order.buyer_email,
        "market": order.market,
        "currency": order.currency,
        "placed_at": _iso(order.placed_at),
        "withdrawal_info_given": order.withdrawal_info_given,
        "withdrawal_info_given_at": _iso(order.withdrawal_info_given_at),
        "shipping": {
            "standard": str(order.shipping_standard_amount),
            "express_surcharge": str(order.shipping_express_surcharge),
        },
        "payment": {
            "method": order.payment_method,
            "reference": order.payment_reference,
            "amount": str(order.payment_amount),
        },
        "lines": [
            {
                "reference": line.reference,
                "seller": line.seller.reference,
                "seller_is_trader": line.seller_is_trader,
                "sku": line.sku,
                "title": line.title,
                "category": line.category.code,
                "category_path": list(line.category.path_codes),
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "custom_made": line.custom_made,
                "perishable": line.perishable,
                "sealed_hygiene": line.sealed_hygiene,
                "sealed_media": line.sealed_media,
                "delivered_at": _iso(line.delivered_at),
                "policy": pinned_policy_data(line),
            }
            for line in order.lines.all()
        ],
    }


# --- deliveries ------------------------------------------------------------------------------


def record_deliveries(order: Order, data, now: datetime | None = None) -> Errors:
    """Set delivered_at on the given lines of `order`, all or nothing.

    `data` is {"lines": [{"reference": …, "delivered_at": …}]}. Idempotent: the same
    date again changes nothing. A delivery date, once set, is not moved (the legal
    deadlines count from it): a different date for a delivered line is an error.
    """
    now = now or timezone.now()
    errors = Errors()
    if not isinstance(data, dict) or set(data) != {"lines"}:
        errors.add("body", _('Send {"lines": [{"reference": …, "delivered_at": …}]}.'))
        return errors
    raw = data["lines"]
    if not isinstance(raw, list) or not raw:
        errors.add("lines", _("Give at least one delivered line."))
        return errors
    with transaction.atomic():
        lines = {
            line.reference: line
            for line in OrderLine.objects.select_for_update().filter(order=order)
        }
        changes: dict[str, datetime] = {}
        for index, item in enumerate(raw):
            path = f"lines[{index}]"
            if not isinstance(item, dict) or set(item) != {"reference", "delivered_at"}:
                errors.add(path, _('Give each line as {"reference": …, "delivered_at": …}.'))
                continue
            line = lines.get(item["reference"]) if isinstance(item["reference"], str) else None
            if line is None:
                errors.add(f"{path}.reference", _("This order has no line with this reference."))
                continue
            if line.reference in changes:
                errors.add(f"{path}.reference", _("This line is listed twice."))
                continue
            when = parse_instant(item["delivered_at"])
            if isinstance(when, str):
                errors.add(f"{path}.delivered_at", when)
                continue
            if when > now + CLOCK_SKEW:
                errors.add(f"{path}.delivered_at", _("This date is in the future."))
                continue
            if when < order.placed_at:
                errors.add(
                    f"{path}.delivered_at",
                    _("This date is before %(field)s.") % {"field": "placed_at"},
                )
                continue
            if line.delivered_at is not None and line.delivered_at != when:
                errors.add(
                    f"{path}.delivered_at",
                    _("This line was already delivered at another time; that cannot change."),
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
    from allauth.account.models import EmailAddress

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
    """The codes from the root to a category, or None when it is unknown. Suits
    `policy_pages.api.set_category_resolver`."""
    path = ProductCategory.objects.filter(code=code).values_list("path", flat=True).first()
    return tuple(path.split("/")) if path else None
