"""The seller's demo policy offers the buyer's own carrier; the wizard's shipping
step says it is at the buyer's own cost, not "Free", in English and French."""

from decimal import Decimal

import pytest
from django.utils import translation

from policy_pages.rules import ShippingMethod
from return_portal.views.wizard_display import Choice
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory
from tests.return_portal.test_wizard import (  # noqa: F401 (fixtures)
    english,
    signed_in,
    start,
    step_url,
    walk,
)


@pytest.fixture
def order(policies, reasons, buyer):
    order = OrderFactory(buyer=buyer, market="FR", payment_amount=Decimal("49.90"))
    OrderLineFactory(
        order=order, reference="A", title="Lamp", seller=SellerFactory(reference="atelier-lumiere")
    )
    return order


def test_the_sellers_demo_policy_offers_the_own_carrier(order):
    rules = order.lines.get().pin.version.rules
    option = next(o for o in rules.shipping_options if o.method == ShippingMethod.OWN_CARRIER)

    assert option.fee == 0 and option.change_of_mind_payer == "buyer"


@pytest.mark.parametrize("language, free", [("en", "Free"), ("fr", "Gratuit")])
def test_the_own_carrier_is_at_the_buyers_own_cost(signed_in, order, language, free):  # noqa: F811
    items_url = start(signed_in, order)
    walk(signed_in, items_url, upto="shipping")

    with translation.override(language):
        # "à vos frais" once the lead's catalogue has the msgid; the English until then.
        expected = translation.gettext("at your own cost")
        url = step_url(items_url, "shipping")
        if language != "en":
            url = f"/{language}{url}"
        body = signed_in.get(url).content.decode()

    own = body.split('id="shipping-own_carrier"')[1].split("</label>")[0]
    assert f'<span class="cost">{expected}</span>' in own
    assert free not in own
    drop_off = body.split('id="shipping-drop_off"')[1].split("</label>")[0]
    assert f'<span class="cost">{free}</span>' in drop_off  # a free option stays free


def test_only_the_own_carrier_is_at_the_buyers_cost():
    assert Choice(value=ShippingMethod.OWN_CARRIER, label="x").at_own_cost
    assert not Choice(value=ShippingMethod.OWN_CARRIER, label="x", amount=Decimal("2")).at_own_cost
    assert not Choice(value=ShippingMethod.DROP_OFF, label="x").at_own_cost
