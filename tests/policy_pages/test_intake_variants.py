"""Intake takes, per line, the variants the buyer may exchange it to, and the
buyer's shipping address; the order API answers with both, a replay answers the
same and other content under the reference is a conflict; the import takes them
too."""

import copy
import json
from decimal import Decimal

import pytest

from marketplace.models import LineVariant, Order
from policy_pages.intake import import_orders
from tests.marketplace.conftest import api, api_token  # fixtures
from tests.marketplace.factories import LinePayloadFactory, OrderPayloadFactory

__all__ = ["api", "api_token"]

URL = "/api/v1/orders"

ADDRESS = {
    "name": "Camille Martin",
    "line1": "4 rue Oberkampf",
    "line2": "Bâtiment B",
    "postal_code": "75011",
    "city": "Paris",
    "country": "fr",
}


def variant(sku, size, price="49.90", in_stock=True, **changes):
    return {
        "sku": sku,
        "title": f"Quilted jacket, {size}",
        "attributes": {"size": size, "colour": "navy"},
        "unit_price": price,
        "in_stock": in_stock,
        **changes,
    }


def jacket_order(**changes):
    line = LinePayloadFactory(
        reference="1",
        sku="JKT-M",
        title="Quilted jacket, M",
        variants=[variant("JKT-L", "L"), variant("JKT-XL", "XL", "59.90", False)],
    )
    return OrderPayloadFactory(lines=[line], **{"shipping_address": dict(ADDRESS), **changes})


def test_variants_and_the_address_are_stored_and_answered(policies, api):
    payload = jacket_order()

    response = api.post(URL, payload)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["shipping_address"] == {**ADDRESS, "country": "FR"}
    assert body["lines"][0]["variants"] == [
        {
            "sku": "JKT-L",
            "title": "Quilted jacket, L",
            "attributes": {"size": "L", "colour": "navy"},
            "unit_price": "49.90",
            "in_stock": True,
        },
        {
            "sku": "JKT-XL",
            "title": "Quilted jacket, XL",
            "attributes": {"size": "XL", "colour": "navy"},
            "unit_price": "59.90",
            "in_stock": False,
        },
    ]
    order = Order.objects.get(reference=payload["reference"])
    assert (order.shipping_name, order.shipping_line2, order.shipping_country) == (
        "Camille Martin",
        "Bâtiment B",
        "FR",
    )
    stored = list(LineVariant.objects.filter(line__order=order))
    assert [(v.position, v.sku, v.unit_price, v.in_stock) for v in stored] == [
        (0, "JKT-L", Decimal("49.90"), True),
        (1, "JKT-XL", Decimal("59.90"), False),
    ]
    assert stored[1].attribute_text == "size XL, colour navy"


def test_without_variants_or_address_a_line_has_none_and_the_order_no_address(policies, api):
    response = api.post(URL, OrderPayloadFactory())

    assert response.status_code == 201
    assert response.json()["shipping_address"] is None
    assert response.json()["lines"][0]["variants"] == []
    assert LineVariant.objects.count() == 0


def test_a_replay_answers_the_same_and_changed_variants_are_a_conflict(policies, api):
    payload = jacket_order()
    first = api.post(URL, payload).json()

    replay = api.post(URL, payload)
    changed = copy.deepcopy(payload)
    changed["lines"][0]["variants"][0]["unit_price"] = "39.90"
    conflict = api.post(URL, changed)

    assert replay.status_code == 200 and replay.json() == first
    assert conflict.status_code == 409
    assert LineVariant.objects.count() == 2
    assert LineVariant.objects.get(sku="JKT-L").unit_price == Decimal("49.90")


@pytest.mark.parametrize(
    ("variants", "path"),
    [
        ([variant("JKT-M", "M")], "lines[0].variants[0].sku"),  # the line's own SKU
        ([variant("JKT-L", "L"), variant("JKT-L", "L")], "lines[0].variants[1].sku"),
    ],
    ids=["own-sku", "twice"],
)
def test_a_variant_sku_is_another_article_once_per_line(policies, api, variants, path):
    payload = jacket_order()
    payload["lines"][0]["variants"] = variants

    response = api.post(URL, payload)

    assert response.status_code == 400
    assert response.json()["code"] == "constraint"
    assert list(response.json()["errors"]) == [path]
    assert Order.objects.count() == 0


def test_another_line_may_offer_the_same_variant(policies, api):
    first = LinePayloadFactory(sku="JKT-M", variants=[variant("JKT-L", "L")])
    second = LinePayloadFactory(
        sku="JKT-S", variants=[variant("JKT-L", "L"), variant("JKT-M", "M")]
    )

    response = api.post(URL, OrderPayloadFactory(lines=[first, second]))

    assert response.status_code == 201, response.json()
    assert LineVariant.objects.count() == 3


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"unit_price": 49.9}, "lines[0].variants[0].unit_price"),
        ({"unit_price": "-1.00"}, "lines[0].variants[0].unit_price"),
        ({"unit_price": "49.999"}, "lines[0].variants[0].unit_price"),
        ({"title": "  "}, "lines[0].variants[0].title"),
        ({"sku": "A\x00"}, "lines[0].variants[0].sku"),
        ({"in_stock": "yes"}, "lines[0].variants[0].in_stock"),
        ({"colour": "navy"}, "lines[0].variants[0].colour"),
        ({"attributes": ["size", "L"]}, "lines[0].variants[0].attributes"),
        ({"attributes": {"size": "L\x07"}}, "lines[0].variants[0].attributes.size"),
        ({"attributes": {"size": ""}}, "lines[0].variants[0].attributes.size"),
        ({"attributes": {"size": "x" * 101}}, "lines[0].variants[0].attributes.size"),
        ({"attributes": {"n" * 41: "x"}}, "lines[0].variants[0].attributes." + "n" * 41),
        ({"attributes": {f"a{n}": "x" for n in range(11)}}, "lines[0].variants[0].attributes"),
        ({"attributes": {"size": "L", " size ": "M"}}, "lines[0].variants[0].attributes"),
    ],
)
def test_a_bad_variant_answers_400_at_its_field(policies, api, change, path):
    payload = jacket_order()
    payload["lines"][0]["variants"] = [{**variant("JKT-L", "L"), **change}]

    response = api.post(URL, payload)

    assert response.status_code == 400, response.json()
    assert path in response.json()["errors"], response.json()
    assert Order.objects.count() == 0


def test_at_most_fifty_variants_per_line(policies, api):
    payload = jacket_order()
    payload["lines"][0]["variants"] = [variant(f"V-{n}", str(n)) for n in range(51)]

    too_many = api.post(URL, payload)
    payload["lines"][0]["variants"].pop()
    fifty = api.post(URL, payload)

    assert too_many.status_code == 400
    assert list(too_many.json()["errors"]) == ["lines[0].variants"]
    assert fifty.status_code == 201
    assert LineVariant.objects.count() == 50


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"country": "XX"}, "shipping_address.country"),
        ({"country": "FRA"}, "shipping_address.country"),
        ({"name": " "}, "shipping_address.name"),
        ({"line1": "4 rue\x00"}, "shipping_address.line1"),
        ({"city": "x" * 101}, "shipping_address.city"),
        ({"postal_code": "75011!"}, "shipping_address.postal_code"),
        ({"postal_code": "1" * 17}, "shipping_address.postal_code"),
        ({"line2": "\x1b"}, "shipping_address.line2"),
        ({"floor": "3"}, "shipping_address.floor"),
        ({"city": None}, "shipping_address.city"),
    ],
)
def test_a_bad_address_answers_400_at_its_field(policies, api, change, path):
    response = api.post(URL, jacket_order(shipping_address={**ADDRESS, **change}))

    assert response.status_code == 400, response.json()
    assert path in response.json()["errors"], response.json()
    assert Order.objects.count() == 0


def test_the_openapi_documents_variants_and_the_address(client):
    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]

    line_in = schemas["OrderLineIn"]["properties"]["variants"]
    assert line_in["maxItems"] == 50 and line_in["items"]["$ref"].endswith("/VariantIn")
    assert set(schemas["VariantIn"]["required"]) == {"sku", "title", "unit_price"}
    assert schemas["VariantIn"]["properties"]["attributes"]["maxProperties"] == 10
    assert set(schemas["ShippingAddressIn"]["required"]) == {
        "name",
        "line1",
        "postal_code",
        "city",
        "country",
    }
    assert "variants" in schemas["OrderLineOut"]["required"]
    assert set(schemas["VariantOut"]["properties"]) == {
        "sku",
        "title",
        "attributes",
        "unit_price",
        "in_stock",
    }
    assert "shipping_address" in schemas["OrderOut"]["properties"]


def test_the_import_takes_variants_and_addresses(policies):
    orders = [jacket_order(), OrderPayloadFactory()]

    report = import_orders(json.dumps(order) for order in orders)
    again = import_orders(json.dumps(order) for order in orders)

    assert (report.created, report.failed) == (2, {})
    assert (again.created, again.replayed) == (0, 2)
    jacket = Order.objects.get(reference=orders[0]["reference"])
    assert jacket.shipping_city == "Paris"
    assert list(LineVariant.objects.filter(line__order=jacket).values_list("sku", flat=True)) == [
        "JKT-L",
        "JKT-XL",
    ]
    assert Order.objects.get(reference=orders[1]["reference"]).shipping_address is None
