"""A seller's API token on the existing endpoints (orders intake, deliveries,
eligibility): it takes in only its own orders, sees only orders with a line of
its seller and only those lines; everything else answers like what does not exist."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from marketplace.models import ApiToken, Order, OrderLine
from tests.marketplace.conftest import Api, api, api_token  # fixtures
from tests.marketplace.factories import (
    LinePayloadFactory,
    OrderPayloadFactory,
    SellerFactory,
    SellerPayloadFactory,
    iso,
)

__all__ = ["api", "api_token"]

DURAND = "maison-durand"
LUMIERE = "atelier-lumiere"


def _line(reference, seller, **fields):
    return LinePayloadFactory(
        reference=reference, seller=SellerPayloadFactory(reference=seller), **fields
    )


@pytest.fixture
def mixed(policies, api):
    """An order with a line of each seller, taken in by the operator's token."""
    payload = OrderPayloadFactory(
        reference="MIX-1",
        lines=[_line("D1", DURAND, delivered_at=None), _line("L1", LUMIERE, delivered_at=None)],
    )
    assert api.post("/api/v1/orders", payload).status_code == 201
    only_lumiere = OrderPayloadFactory(reference="LUM-1", lines=[_line("L1", LUMIERE)])
    assert api.post("/api/v1/orders", only_lumiere).status_code == 201
    return payload


@pytest.fixture
def durand_api(client, mixed):
    seller = Order.objects.get(reference="MIX-1").lines.get(reference="D1").seller
    return Api(client, ApiToken.issue("durand", seller=seller)[1])


def test_a_seller_token_takes_in_only_orders_of_its_own_lines(policies, durand_api):
    theirs = OrderPayloadFactory(
        reference="MIX-2", lines=[_line("D1", DURAND), _line("L1", LUMIERE)]
    )

    refused = durand_api.post("/api/v1/orders", theirs)

    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "forbidden"
    assert list(body["errors"]) == ["lines[1].seller.reference"]
    assert not Order.objects.filter(reference="MIX-2").exists()

    own = OrderPayloadFactory(reference="DUR-1", lines=[_line("D1", DURAND)])
    assert durand_api.post("/api/v1/orders", own).status_code == 201
    assert durand_api.post("/api/v1/orders", own).status_code == 200  # a replay


def test_a_seller_token_sees_only_its_lines_of_a_shared_order(durand_api):
    response = durand_api.get("/api/v1/orders/MIX-1/eligibility")

    assert response.status_code == 200
    assert [line["reference"] for line in response.json()["lines"]] == ["D1"]
    # Another seller's line is unknown here, as a line the order does not have.
    opened = durand_api.get("/api/v1/orders/MIX-1/eligibility", {"opened": "L1"})
    assert opened.status_code == 400
    assert opened.json()["code"] == "unknown"


def test_an_order_without_a_line_of_its_seller_is_404_like_an_unknown_one(durand_api):
    theirs = durand_api.get("/api/v1/orders/LUM-1/eligibility")
    unknown = durand_api.get("/api/v1/orders/NOPE-1/eligibility")
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
    when = iso(timezone.now() - timedelta(days=1))
    delivered = durand_api.post(
        "/api/v1/orders/LUM-1/deliveries", {"lines": [{"reference": "L1", "delivered_at": when}]}
    )
    assert delivered.status_code == 404
    assert delivered.json()["code"] == "not_found"


def test_a_seller_token_delivers_its_own_lines_only(durand_api):
    when = iso(timezone.now() - timedelta(days=1))
    url = "/api/v1/orders/MIX-1/deliveries"

    other = durand_api.post(url, {"lines": [{"reference": "L1", "delivered_at": when}]})
    assert other.status_code == 400
    assert other.json()["errors"] == {
        "lines[0].reference": ["This order has no line with this reference."]
    }
    assert OrderLine.objects.get(order__reference="MIX-1", reference="L1").delivered_at is None

    own = durand_api.post(url, {"lines": [{"reference": "D1", "delivered_at": when}]})
    assert own.status_code == 200
    assert [line["reference"] for line in own.json()["lines"]] == ["D1"]
    assert OrderLine.objects.get(order__reference="MIX-1", reference="D1").delivered_at


def test_the_operator_token_sees_every_line(mixed, api):
    response = api.get("/api/v1/orders/MIX-1/eligibility")
    assert sorted(line["reference"] for line in response.json()["lines"]) == ["D1", "L1"]


def test_a_token_of_a_seller_with_no_line_anywhere_sees_nothing(mixed, client):
    stranger = Api(client, ApiToken.issue("x", seller=SellerFactory(reference="stranger"))[1])
    assert stranger.get("/api/v1/orders/MIX-1/eligibility").status_code == 404


# --- create_api_token --seller -------------------------------------------------------------


def test_create_api_token_for_a_seller(db):
    seller = SellerFactory(reference=DURAND)
    out, err = io.StringIO(), io.StringIO()

    call_command("create_api_token", "durand-erp", "--seller", DURAND, stdout=out, stderr=err)

    token = out.getvalue().strip()
    row = ApiToken.authenticate(token)
    assert row is not None and row.seller == seller
    assert "seller 'maison-durand'" in err.getvalue()
    listing = io.StringIO()
    call_command("revoke_api_token", "--list", stdout=listing)
    assert "durand-erp\tseller maison-durand\tactive" in listing.getvalue()


def test_create_api_token_refuses_an_unknown_seller(db):
    with pytest.raises(CommandError, match="No seller"):
        call_command("create_api_token", "x", "--seller", "nobody", stdout=io.StringIO())
    assert not ApiToken.objects.exists()


def test_create_api_token_without_seller_is_the_operators(db):
    out = io.StringIO()
    call_command("create_api_token", "checkout", stdout=out, stderr=io.StringIO())
    assert ApiToken.authenticate(out.getvalue().strip()).seller is None
