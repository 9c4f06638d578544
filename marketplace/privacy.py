"""Deletion of what the marketplace mirror keeps about a buyer. Orders are
financial records: deletion keeps them, without the buyer's email address. (The
export lists them with their pinned policies: policy_pages.privacy.)"""

from accounts.privacy import anonymised_email

from .models import Order


def anonymise_orders(user) -> None:
    Order.objects.filter(buyer=user).update(buyer_email=anonymised_email(user))
