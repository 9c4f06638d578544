"""POST /api/v1/orders: validation, pinning, idempotency, authentication."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.models import ApiToken, Order, OrderLine, ProductCategory, Seller
from tests.factories import UserFactory
from tests.marketplace.conftest import api, api_token  # fixtures
from tests.marketplace.factories import (
    CategoryPayloadFactory,
    LinePayloadFactory,
    OrderPayloadFactory,
    SellerPayloadFactory,
    iso,
)

URL = "/api/v1/orders"

__all__ = ["api", "api_token"]


def days_ago(days, **delta):
    return iso(timezone.now() - timedelta(days=days, **delta))


def assert_nothing_saved():
    assert Order.objects.count() == 0
    assert OrderLine.objects.count() == 0
    assert Seller.objects.count() == 0
    assert ProductCategory.objects.count() == 0


# --- creation and pinning --------------------------------------------------------------------


def test_a_valid_order_is_created_with_its_lines_pinned_to_the_version_in_force(policies, api):
    payload = OrderPayloadFactory(
        lines=[LinePayloadFactory(reference="1"), LinePayloadFactory(reference="2", quantity=2)]
    )

    response = api.post(URL, payload)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"] == payload["reference"]
    assert [line["reference"] for line in body["lines"]] == ["1", "2"]
    pin = body["lines"][0]["policy"]
    assert (pin["slug"], pin["version"]) == ("return-policy", 2)
    assert len(pin["hash"]) == 64
    order = Order.objects.get(reference=payload["reference"])
    assert order.lines.count() == 2
    assert {line.pin.version.number for line in order.lines.all()} == {2}
    assert order.lines.get(reference="1").category.path_codes == ("apparel", "shirts")


def test_an_order_placed_while_v1_was_in_force_is_pinned_to_v1(policies, api):
    payload = OrderPayloadFactory(
        placed_at=days_ago(200),
        lines=[LinePayloadFactory(delivered_at=days_ago(195))],
    )

    response = api.post(URL, payload)

    assert response.status_code == 201, response.json()
    assert response.json()["lines"][0]["policy"]["version"] == 1
    assert OrderLine.objects.get().pin.version.number == 1


def test_a_seller_with_its_own_policy_is_pinned_to_it_in_its_markets_only(policies, api):
    atelier = SellerPayloadFactory(reference="atelier-lumiere")
    in_france = OrderPayloadFactory(lines=[LinePayloadFactory(seller=atelier)])
    in_germany = OrderPayloadFactory(market="DE", lines=[LinePayloadFactory(seller=atelier)])

    french = api.post(URL, in_france).json()["lines"][0]["policy"]
    german = api.post(URL, in_germany).json()["lines"][0]["policy"]

    assert (french["slug"], french["seller"]) == ("atelier-lumiere-returns", "atelier-lumiere")
    assert (german["slug"], german["seller"]) == ("return-policy", None)


def test_a_line_with_no_policy_in_force_refuses_the_whole_order(policies, api):
    # GB is outside every demo policy's markets.
    payload = OrderPayloadFactory(market="GB", currency="GBP")

    response = api.post(URL, payload)

    assert response.status_code == 400
    assert "lines[0]" in response.json()["errors"]
    assert_nothing_saved()


def test_an_order_placed_before_any_policy_existed_is_refused(policies, api):
    payload = OrderPayloadFactory(
        placed_at=days_ago(400), lines=[LinePayloadFactory(delivered_at=days_ago(390))]
    )

    assert api.post(URL, payload).status_code == 400
    assert_nothing_saved()


def test_sellers_and_categories_are_created_then_updated_from_later_orders(policies, api):
    seller = SellerPayloadFactory(reference="maison-durand", name="Maison Durand")
    api.post(URL, OrderPayloadFactory(lines=[LinePayloadFactory(seller=seller)]))
    renamed = {**seller, "name": "Maison Durand & fils"}
    moved = CategoryPayloadFactory(
        code="apparel",
        name={"en": "Clothing"},
        parent={"code": "fashion", "name": {"en": "Fashion"}},
    )
    second = OrderPayloadFactory(lines=[LinePayloadFactory(seller=renamed, category=moved)])

    assert api.post(URL, second).status_code == 201

    assert Seller.objects.get(reference="maison-durand").name == "Maison Durand & fils"
    apparel = ProductCategory.objects.get(code="apparel")
    # Names merge per language; the category moved under "fashion" with its children.
    assert apparel.names == {"en": "Clothing", "fr": "Vêtements", "de": "Bekleidung"}
    assert ProductCategory.objects.get(code="shirts").path_codes == ("fashion", "apparel", "shirts")


def test_a_parent_may_be_named_by_the_code_of_a_known_category(policies, api):
    api.post(URL, OrderPayloadFactory())
    shoes = CategoryPayloadFactory(code="shoes", name={"en": "Shoes"}, parent="apparel")

    response = api.post(URL, OrderPayloadFactory(lines=[LinePayloadFactory(category=shoes)]))

    assert response.status_code == 201, response.json()
    assert response.json()["lines"][0]["category_path"] == ["apparel", "shoes"]


def test_a_category_loop_is_refused(policies, api):
    api.post(URL, OrderPayloadFactory())  # apparel > shirts
    loop = CategoryPayloadFactory(code="apparel", name={"en": "Apparel"}, parent="shirts")

    response = api.post(URL, OrderPayloadFactory(lines=[LinePayloadFactory(category=loop)]))

    assert response.status_code == 400
    assert "lines[0].category" in response.json()["errors"]
    assert ProductCategory.objects.get(code="apparel").parent is None


def test_the_seller_trader_status_at_purchase_is_kept_on_the_line(policies, api):
    seller = SellerPayloadFactory(reference="grenier", is_trader=False)
    api.post(URL, OrderPayloadFactory(lines=[LinePayloadFactory(seller=seller)]))
    api.post(
        URL, OrderPayloadFactory(lines=[LinePayloadFactory(seller={**seller, "is_trader": True})])
    )

    first, second = OrderLine.objects.order_by("id")
    assert (first.seller_is_trader, second.seller_is_trader) == (False, True)


# --- buyers ------------------------------------------------------------------------------------


def test_an_order_for_a_verified_email_joins_that_account(policies, api):
    buyer = UserFactory(email="bea@example.com")

    api.post(URL, OrderPayloadFactory(buyer_email="Bea@Example.com"))

    order = Order.objects.get()
    assert (order.buyer, order.buyer_email) == (buyer, "bea@example.com")


def test_an_order_for_an_unknown_email_waits_for_its_buyer_to_log_in(policies, api, client):
    api.post(URL, OrderPayloadFactory(buyer_email="later@example.com"))
    assert Order.objects.get().buyer is None

    buyer = UserFactory(email="later@example.com")
    client.force_login(buyer)  # sends user_logged_in

    assert Order.objects.get().buyer == buyer


def test_an_unverified_email_does_not_take_the_orders(policies, api, client):
    from allauth.account.models import EmailAddress

    squatter = UserFactory(email="victim@example.com")
    EmailAddress.objects.filter(user=squatter).update(verified=False)

    api.post(URL, OrderPayloadFactory(buyer_email="victim@example.com"))
    client.force_login(squatter)

    assert Order.objects.get().buyer is None


# --- idempotency ---------------------------------------------------------------------------


def test_replaying_an_order_answers_200_with_the_same_body_and_creates_nothing(policies, api):
    payload = OrderPayloadFactory()
    first = api.post(URL, payload)
    # The same JSON with its keys in another order is the same order.
    reordered = json.dumps(dict(reversed(list(payload.items()))))

    replay = api.post(URL, reordered)

    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json() == first.json()
    assert Order.objects.count() == 1
    assert OrderLine.objects.count() == 1


def test_the_same_reference_with_other_content_is_a_conflict(policies, api):
    payload = OrderPayloadFactory()
    api.post(URL, payload)

    response = api.post(URL, {**payload, "payment": {**payload["payment"], "amount": "1.00"}})

    assert response.status_code == 409
    assert "reference" in response.json()["errors"]
    assert Order.objects.get().payment_amount == payload_amount(payload)


def payload_amount(payload):
    from decimal import Decimal

    return Decimal(payload["payment"]["amount"])


# --- bad input ---------------------------------------------------------------------------------


def _with_line(**changes):
    return OrderPayloadFactory(lines=[LinePayloadFactory(**changes)])


BAD_ORDERS = {
    "quantity as a string": (lambda: _with_line(quantity="1"), "lines[0].quantity"),
    "quantity as a boolean": (lambda: _with_line(quantity=True), "lines[0].quantity"),
    "zero quantity": (lambda: _with_line(quantity=0), "lines[0].quantity"),
    "negative quantity": (lambda: _with_line(quantity=-2), "lines[0].quantity"),
    "price as a float": (lambda: _with_line(unit_price=49.9), "lines[0].unit_price"),
    "price as an integer": (lambda: _with_line(unit_price=49), "lines[0].unit_price"),
    "negative price": (lambda: _with_line(unit_price="-1.00"), "lines[0].unit_price"),
    "price not a number": (lambda: _with_line(unit_price="12,50"), "lines[0].unit_price"),
    "price with 3 decimals": (lambda: _with_line(unit_price="1.005"), "lines[0].unit_price"),
    "delivered before placed": (
        lambda: _with_line(delivered_at=days_ago(10)),
        "lines[0].delivered_at",
    ),
    "delivered in the future": (
        lambda: _with_line(delivered_at=days_ago(-1)),
        "lines[0].delivered_at",
    ),
    "delivered without time zone": (
        lambda: _with_line(delivered_at="2026-01-05T10:00:00"),
        "lines[0].delivered_at",
    ),
    "placed in the future": (lambda: OrderPayloadFactory(placed_at=days_ago(-2)), "placed_at"),
    "unknown currency": (lambda: OrderPayloadFactory(currency="EUX"), "currency"),
    "currency as a number": (lambda: OrderPayloadFactory(currency=978), "currency"),
    "cents in yen": (
        lambda: OrderPayloadFactory(currency="JPY", payment={"method": "card", "amount": "100.50"}),
        "payment.amount",
    ),
    "unknown market": (lambda: OrderPayloadFactory(market="US"), "market"),
    "bad email": (lambda: OrderPayloadFactory(buyer_email="not-an-email"), "buyer_email"),
    "duplicate line reference": (
        lambda: OrderPayloadFactory(
            lines=[LinePayloadFactory(reference="1"), LinePayloadFactory(reference="1")]
        ),
        "lines[1].reference",
    ),
    "no lines": (lambda: OrderPayloadFactory(lines=[]), "lines"),
    "lines not a list": (lambda: OrderPayloadFactory(lines={"0": {}}), "lines"),
    "unknown field": (lambda: OrderPayloadFactory(discount="5.00"), "discount"),
    "missing shipping": (
        lambda: {k: v for k, v in OrderPayloadFactory().items() if k != "shipping"},
        "shipping",
    ),
    "withdrawal flag as a string": (
        lambda: OrderPayloadFactory(withdrawal_info_given="yes"),
        "withdrawal_info_given",
    ),
    "seller country unknown": (
        lambda: _with_line(seller=SellerPayloadFactory(country="XY")),
        "lines[0].seller.country",
    ),
    "category parent unknown": (
        lambda: _with_line(category=CategoryPayloadFactory(parent="nowhere")),
        "lines[0].category",
    ),
    "category name in an unknown language": (
        lambda: _with_line(category=CategoryPayloadFactory(name={"xx": "?"})),
        "lines[0].category.name.xx",
    ),
    "one seller described two ways": (
        lambda: OrderPayloadFactory(
            lines=[
                LinePayloadFactory(seller=SellerPayloadFactory(reference="s", name="A")),
                LinePayloadFactory(seller=SellerPayloadFactory(reference="s", name="B")),
            ]
        ),
        "lines[1].seller",
    ),
}


@pytest.mark.parametrize("case", BAD_ORDERS, ids=list(BAD_ORDERS))
def test_bad_input_answers_400_with_the_field_and_saves_nothing(policies, api, case):
    build, field = BAD_ORDERS[case]

    response = api.post(URL, build())

    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert field in errors, errors
    assert all(isinstance(message, str) and message for message in errors[field])
    assert_nothing_saved()


@pytest.mark.parametrize(
    "body", ["{not json", "[1, 2]", '"an order"', "null", b"\xff\xfe", "1" * 5000]
)
def test_a_body_that_is_not_a_json_object_answers_400(policies, api, body):
    response = api.post(URL, body)

    assert response.status_code == 400
    assert "body" in response.json()["errors"]
    assert_nothing_saved()


def test_a_body_that_is_not_json_at_all_answers_415(policies, client, api_token):
    response = client.post(
        URL, "a=1", content_type="text/plain", headers={"Authorization": f"Bearer {api_token}"}
    )

    assert response.status_code == 415


def test_messages_follow_the_lang_parameter(policies, api):
    payload = _with_line(delivered_at="2026-01-05T10:00:00")

    response = api.post(f"{URL}?lang=fr", payload)

    assert response["Content-Language"] == "fr"
    assert response.json()["errors"]["lines[0].delivered_at"] == [
        "Indiquez un fuseau horaire, par exemple Z ou +02:00."
    ]


# --- authentication ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Token abc"],
    ids=["missing", "empty bearer", "unknown token", "basic", "other scheme"],
)
def test_a_missing_or_wrong_token_answers_401_with_a_challenge(db, client, header):
    headers = {"Authorization": header} if header else {}

    response = client.post(
        URL, json.dumps(OrderPayloadFactory()), content_type="application/json", headers=headers
    )

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer realm="returns-hub"')
    assert "authorization" in response.json()["errors"]
    assert Order.objects.count() == 0


def test_a_revoked_token_answers_401(db, client):
    token_row, token = ApiToken.issue("old")
    token_row.revoked = True
    token_row.save()

    response = client.post(
        URL, "{}", content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_token_records_when_it_was_last_used(policies, api):
    assert ApiToken.objects.get().last_used_at is None

    api.post(URL, OrderPayloadFactory())

    assert ApiToken.objects.get().last_used_at is not None


def test_only_post_is_allowed(db, client):
    assert client.get(URL).status_code == 405


# --- cost ------------------------------------------------------------------------------------


def test_taking_in_an_order_costs_a_bounded_number_of_queries(
    policies, api, django_assert_max_num_queries
):
    api.post(URL, OrderPayloadFactory())  # sellers and categories exist afterwards
    payload = OrderPayloadFactory(lines=[LinePayloadFactory() for _ in range(20)])

    # Token, existing order, categories, sellers, two policy timelines, buyer,
    # order and lines inserts, the answer: independent of the number of lines.
    with django_assert_max_num_queries(16):
        response = api.post(URL, payload)

    assert response.status_code == 201
