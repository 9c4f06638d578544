"""A buyer's orders for the data export, each line with the policy version that
governs it (the pin lives here, above the marketplace mirror)."""

from marketplace.models import Order

from .pinning import orders_with_pinned_lines


def export_orders(user) -> list[dict]:
    orders = orders_with_pinned_lines(Order.objects.filter(buyer=user).order_by("placed_at"))
    return [
        {
            "reference": order.reference,
            "placed_at": order.placed_at.isoformat(),
            "market": order.market,
            "currency": order.currency,
            "amount_paid": str(order.payment_amount),
            "shipping_address": order.shipping_address,
            "lines": [
                {
                    "reference": line.reference,
                    "title": line.title,
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unit_price": str(line.unit_price),
                    "delivered_at": line.delivered_at.isoformat() if line.delivered_at else None,
                    "policy": line.pin.version.policy.slug,
                    "policy_version": line.pin.version.number,
                }
                for line in order.lines.all()
            ],
        }
        for order in orders
    ]
