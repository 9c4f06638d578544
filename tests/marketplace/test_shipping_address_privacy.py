"""The buyer's shipping address is theirs: the data export shows it with each
order, and deleting the account blanks it (the order itself is kept)."""

import json

from accounts.privacy import delete_account, export_user_data
from marketplace.models import Order
from tests.marketplace.factories import OrderFactory, OrderLineFactory

ADDRESS = {
    "shipping_name": "Camille Martin",
    "shipping_line1": "4 rue Oberkampf",
    "shipping_line2": "Bâtiment B",
    "shipping_postal_code": "75011",
    "shipping_city": "Paris",
    "shipping_country": "FR",
}


def test_the_export_shows_the_address_and_deletion_blanks_it(policies, buyer):
    shipped = OrderFactory(buyer=buyer, reference="F-SHIPPED", **ADDRESS)
    OrderLineFactory(order=shipped)
    bare = OrderFactory(buyer=buyer, reference="F-BARE")
    OrderLineFactory(order=bare)
    other = OrderFactory(reference="F-OTHER", **ADDRESS)  # another buyer's

    data = json.loads(json.dumps(export_user_data(buyer)))

    exported = {order["reference"]: order for order in data["orders"]}
    assert exported["F-SHIPPED"]["shipping_address"] == {
        "name": "Camille Martin",
        "line1": "4 rue Oberkampf",
        "line2": "Bâtiment B",
        "postal_code": "75011",
        "city": "Paris",
        "country": "FR",
    }
    assert exported["F-BARE"]["shipping_address"] is None
    assert "F-OTHER" not in exported

    delete_account(buyer)

    kept = Order.objects.get(pk=shipped.pk)
    assert {field: getattr(kept, field) for field in ADDRESS} == dict.fromkeys(ADDRESS, "")
    assert kept.shipping_address is None and kept.sender_lines == []
    assert Order.objects.get(pk=other.pk).shipping_name == "Camille Martin"
