"""What the marketplace mirror keeps about a buyer, for the data export and
deletion. Orders are financial records: deletion keeps them, without the
buyer's email address."""

from accounts.privacy import anonymised_email

from .models import Order


def export_orders(user) -> list[dict]:
    orders = (
        Order.objects.filter(buyer=user)
        .prefetch_related("lines__policy_version__policy")
        .order_by("placed_at")
    )
    return [
        {
            "reference": order.reference,
            "placed_at": order.placed_at.isoformat(),
            "market": order.market,
            "currency": order.currency,
            "amount_paid": str(order.payment_amount),
            "lines": [
                {
                    "reference": line.reference,
                    "title": line.title,
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unit_price": str(line.unit_price),
                    "delivered_at": line.delivered_at.isoformat() if line.delivered_at else None,
                    "policy": line.policy_version.policy.slug,
                    "policy_version": line.policy_version.number,
                }
                for line in order.lines.all()
            ],
        }
        for order in orders
    ]


def anonymise_orders(user) -> None:
    Order.objects.filter(buyer=user).update(buyer_email=anonymised_email(user))
