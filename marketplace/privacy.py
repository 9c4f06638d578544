"""Deletion of what the marketplace mirror keeps about a buyer. Orders are
financial records: deletion keeps them, without the buyer's email address or
postal address. (The export lists them with their pinned policies and shipping
addresses: policy_pages.privacy.)"""

from accounts.privacy import anonymised_email

from .models import SHIPPING_ADDRESS_KEYS, Order


def anonymise_orders(user) -> None:
    Order.objects.filter(buyer=user).update(
        buyer_email=anonymised_email(user),
        **{f"shipping_{key}": "" for key in SHIPPING_ADDRESS_KEYS},
    )
