"""Order lines read with the policy version pinned to them, and the order as the
API shows it: as stored, each line with its pin and its proof of display."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from marketplace.models import Order, OrderLine
from marketplace.services import lines_queryset, orders_with_lines


def pinned_lines() -> QuerySet[OrderLine]:
    """Order lines with their seller, category and pinned version (and its policy)."""
    return lines_queryset().select_related("pin__version__policy", "pin__displayed_version__policy")


def orders_with_pinned_lines(orders: QuerySet[Order] | None = None) -> QuerySet[Order]:
    """Orders with their pinned lines prefetched: two queries for any number of orders."""
    return orders_with_lines(orders, pinned_lines())


def order_for_api(reference: str) -> Order | None:
    orders = orders_with_pinned_lines(Order.objects.filter(reference=reference))
    return orders.prefetch_related("payments", "lines__variants").first()


def _iso(instant: datetime | None) -> str | None:
    return instant.astimezone(UTC).isoformat() if instant else None


def pinned_policy_data(line: OrderLine) -> dict:
    version = line.pin.version
    return {
        "slug": version.policy.slug,
        "version": version.number,
        "effective_from": _iso(version.effective_from),
        "hash": version.hash,
        "seller": version.seller_ref or None,
    }


def displayed_policy_data(line: OrderLine) -> dict | None:
    """The version the buyer was shown at checkout, and whether it is the one in
    force (the pinned one); None when the storefront sent no proof."""
    pin = line.pin
    shown = pin.displayed_version
    if shown is None:
        return None
    return {
        "slug": shown.policy.slug,
        "version": shown.number,
        "hash": shown.hash,
        "matches": bool(pin.display_matches),
    }


def display_note(line: OrderLine) -> str:
    """A short note for staff: which version was shown at checkout ("" without proof)."""
    pin = getattr(line, "pin", None)
    if pin is None or pin.displayed_version is None:
        return ""
    shown, in_force = pin.displayed_version, pin.version
    if pin.display_matches:
        return _("Shown at checkout: v%(shown)d (matches)") % {"shown": shown.number}
    if shown.policy_id != in_force.policy_id:
        # Another policy altogether (say the marketplace's, for a seller's own).
        return _(
            "Shown at checkout: %(shown_policy)s v%(shown)d (differs from %(policy)s "
            "v%(in_force)d in force)"
        ) % {
            "shown_policy": shown.policy.slug,
            "shown": shown.number,
            "policy": in_force.policy.slug,
            "in_force": in_force.number,
        }
    return _("Shown at checkout: v%(shown)d (differs from v%(in_force)d in force)") % {
        "shown": shown.number,
        "in_force": in_force.number,
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
        "shipping_address": order.shipping_address,
        # In the order refunds go back to them.
        "payments": [
            {
                "method": payment.method,
                "reference": payment.reference,
                "amount": str(payment.amount),
            }
            for payment in order.payments.all()
        ],
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
                "displayed_policy": displayed_policy_data(line),
                "variants": [
                    {
                        "sku": variant.sku,
                        "title": variant.title,
                        "attributes": variant.attributes,
                        "unit_price": str(variant.unit_price),
                        "in_stock": variant.in_stock,
                    }
                    for variant in line.variants.all()
                ],
            }
            for line in order.lines.all()
        ],
    }
