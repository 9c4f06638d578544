"""Keep-it through the returns API: a return the pinned policy lets the buyer keep
needs no shipping method, is refunded at once, and says so (`kept`)."""

from decimal import Decimal

import pytest

from marketplace.models import ApiToken
from return_portal.models import Refund, ReturnRequest
from tests.api.returns_api import Api, ago
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory
from tests.policy_pages.conftest import policies  # the demo policies
from tests.return_portal.conftest import reasons

__all__ = ["policies", "reasons"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def atelier(db):
    return SellerFactory(reference="atelier-lumiere")


@pytest.fixture
def atelier_api(client, atelier):
    return Api(client, ApiToken.issue("atelier's shop", seller=atelier)[1])


def vase_order(seller):
    order = OrderFactory(placed_at=ago(days=4), payment_amount=Decimal("69.90"))
    OrderLineFactory(
        order=order,
        reference="1",
        seller=seller,
        title="Glass vase",
        unit_price=Decimal("65.00"),
        delivered_at=ago(days=2),
    )
    return order


def body(order, **fields):
    return {
        "order": order.reference,
        "lines": [{"line": "1", "quantity": 1}],
        "reason": "arrived-damaged",
        "condition": "damaged",
        "resolution": "refund",
        **fields,
    }


def test_a_kept_return_needs_no_shipping_and_is_refunded_at_once(
    policies, reasons, atelier, atelier_api
):
    order = vase_order(atelier)

    created = atelier_api.post("/api/v1/returns", body(order), key="kept-1")

    assert created.status_code == 201, created.json()
    answer = created.json()
    assert (answer["kept"], answer["keep_it_clause"]) == (True, "5.1")
    assert answer["shipping_method"] == "" and answer["ship_by"] is None
    assert answer["status"] == "resolved"
    assert answer["settlement"]["figures"][0]["code"] == "kept_items"
    r = ReturnRequest.objects.get()
    assert Refund.objects.filter(return_request=r).get().amount == Decimal("69.90")


def test_a_return_sent_back_still_needs_its_shipping_method(
    policies, reasons, atelier, atelier_api
):
    order = vase_order(atelier)

    refused = atelier_api.post("/api/v1/returns", body(order, reason="too-small"), key="nope-1")

    assert refused.status_code == 400, refused.json()
    assert refused.json()["code"] == "constraint"
    assert "shipping_method" in refused.json()["errors"]
    assert not ReturnRequest.objects.exists()
