"""The intake API at its edges: control characters, bounds, `lang`, media types,
error codes, and the generated schema saying what the endpoints accept."""

import re

import pytest

from marketplace.fields import MAX_QUANTITY
from marketplace.models import Order, OrderLine
from marketplace.order_schemas import ORDER_EXAMPLE, validate_order
from tests.marketplace.conftest import api, api_token  # fixtures
from tests.marketplace.factories import LinePayloadFactory, OrderPayloadFactory

__all__ = ["api", "api_token"]

URL = "/api/v1/orders"

# Every string of an order, by its path in the payload (and in the errors).
STRING_PATHS = [
    "reference",
    "buyer_email",
    "market",
    "currency",
    "placed_at",
    "shipping.standard",
    "shipping.express_surcharge",
    "payment.method",
    "payment.reference",
    "payment.amount",
    "lines[0].reference",
    "lines[0].seller.reference",
    "lines[0].seller.name",
    "lines[0].seller.country",
    "lines[0].seller.returns_address",
    "lines[0].sku",
    "lines[0].title",
    "lines[0].category.code",
    "lines[0].category.name.en",
    "lines[0].category.parent.code",
    "lines[0].unit_price",
    "lines[0].delivered_at",
]


def _steps(path):
    return [int(p) if p.isdigit() else p for p in re.split(r"\.|\[|\]\.?", path) if p]


def with_value(payload, path, change):
    *parents, last = _steps(path)
    node = payload
    for step in parents:
        node = node[step]
    node[last] = change(node[last])
    return payload


@pytest.mark.parametrize("char", ["\x00", "\x1f", "\x7f"], ids=["NUL", "US", "DEL"])
@pytest.mark.parametrize("path", STRING_PATHS)
def test_a_control_character_in_any_string_answers_400_at_its_path(policies, api, path, char):
    payload = with_value(OrderPayloadFactory(), path, lambda value: f"{value[:1]}{char}{value[1:]}")

    response = api.post(URL, payload)

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert path in body["errors"], body["errors"]
    assert Order.objects.count() == 0


def test_a_control_character_in_a_field_name_answers_400(policies, api):
    response = api.post(URL, {**OrderPayloadFactory(), "note\x00": "x"})

    assert response.status_code == 400
    assert response.json()["errors"] == {"note\x00": ["Unknown field."]}


def test_a_quantity_above_the_maximum_is_refused_and_the_maximum_is_taken(policies, api):
    too_many = OrderPayloadFactory(lines=[LinePayloadFactory(quantity=MAX_QUANTITY + 1)])
    most = OrderPayloadFactory(lines=[LinePayloadFactory(quantity=MAX_QUANTITY)])

    refused = api.post(URL, too_many)
    taken = api.post(URL, most)

    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "lines[0].quantity": [f"The quantity must be at most {MAX_QUANTITY}."]
    }
    assert taken.status_code == 201, taken.json()
    assert OrderLine.objects.get().quantity == MAX_QUANTITY


def test_an_unknown_lang_answers_400_and_saves_nothing(policies, api):
    response = api.post(f"{URL}?lang=xx", OrderPayloadFactory())

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["lang"]
    assert response["Content-Language"] == "en"
    assert Order.objects.count() == 0


def test_a_language_subtag_is_accepted(policies, api):
    response = api.post(f"{URL}?lang=fr-FR", OrderPayloadFactory(currency="EUX"))

    assert response["Content-Language"] == "fr"
    assert response.json()["errors"]["currency"] == [
        "Devise inconnue : utilisez un code ISO 4217 tel que EUR."
    ]


def test_database_refusals_carry_the_code_unknown(policies, api):
    no_policy = api.post(URL, OrderPayloadFactory(market="GB", currency="GBP"))
    unknown_parent = api.post(
        URL,
        OrderPayloadFactory(
            lines=[
                LinePayloadFactory(category={"code": "x", "name": {"en": "X"}, "parent": "nope"})
            ]
        ),
    )
    bad_shape = api.post(URL, OrderPayloadFactory(lines=[LinePayloadFactory(quantity=0)]))

    assert (no_policy.status_code, no_policy.json()["code"]) == (400, "unknown")
    assert (unknown_parent.status_code, unknown_parent.json()["code"]) == (400, "unknown")
    assert (bad_shape.status_code, bad_shape.json()["code"]) == (400, "invalid")


def test_a_conflict_carries_the_code_conflict(policies, api):
    payload = OrderPayloadFactory()
    api.post(URL, payload)

    response = api.post(URL, {**payload, "buyer_email": "other@example.com"})

    assert (response.status_code, response.json()["code"]) == (409, "conflict")


def test_errors_across_fields_are_all_reported_at_once(policies, api):
    # Each rule that depends on another field still names its own path.
    payload = OrderPayloadFactory(
        currency="JPY",
        shipping={"standard": "4.90"},
        lines=[
            LinePayloadFactory(reference="1", delivered_at="2000-01-01T00:00:00Z"),
            LinePayloadFactory(reference="1"),
        ],
    )

    body = api.post(URL, payload).json()

    assert {"shipping.standard", "lines[0].delivered_at", "lines[1].reference"} <= set(
        body["errors"]
    )
    # Each value is well formed: only the rules between them refuse it.
    assert body["code"] == "constraint"


# --- deliveries -------------------------------------------------------------------------------


@pytest.fixture
def order(policies, api):
    payload = OrderPayloadFactory(
        reference="EDGE-1", lines=[LinePayloadFactory(reference="1", delivered_at=None)]
    )
    assert api.post(URL, payload).status_code == 201
    return payload


DELIVERIES = "/api/v1/orders/EDGE-1/deliveries"


@pytest.mark.parametrize(
    ("item", "path"),
    [
        ({"reference": "1\x00", "delivered_at": "2026-01-01T00:00:00Z"}, "lines[0].reference"),
        ({"reference": "1", "delivered_at": "2026-01-01T00:00:00Z\x00"}, "lines[0].delivered_at"),
        ({"reference": "", "delivered_at": "2026-01-01T00:00:00Z"}, "lines[0].reference"),
    ],
    ids=["NUL in reference", "NUL in date", "blank reference"],
)
def test_bad_strings_in_deliveries_answer_400_at_their_path(order, api, item, path):
    response = api.post(DELIVERIES, {"lines": [item]})

    assert response.status_code == 400
    assert path in response.json()["errors"]


def test_a_nul_in_the_order_reference_of_the_url_answers_400(order, api):
    response = api.post("/api/v1/orders/EDGE%00-1/deliveries", {"lines": []})

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert Order.objects.get(reference="EDGE-1").lines.get().delivered_at is None


def test_deliveries_refuse_what_is_not_json_and_an_unknown_lang(order, api, client, api_token):
    not_json = client.post(
        DELIVERIES,
        "a=1",
        content_type="text/plain",
        headers={"Authorization": f"Bearer {api_token}"},
    )
    bad_lang = api.post(f"{DELIVERIES}?lang=klingon", {"lines": []})

    assert (not_json.status_code, not_json.json()["code"]) == (415, "unsupported_media_type")
    assert bad_lang.status_code == 400
    assert "lang" in bad_lang.json()["errors"]


def test_deliveries_tell_unknown_lines_from_broken_rules(order, api):
    unknown = api.post(
        DELIVERIES, {"lines": [{"reference": "9", "delivered_at": "2026-01-01T00:00:00Z"}]}
    )
    too_early = api.post(
        DELIVERIES, {"lines": [{"reference": "1", "delivered_at": "2000-01-01T00:00:00Z"}]}
    )
    future = api.post(
        DELIVERIES, {"lines": [{"reference": "1", "delivered_at": "9000-01-01T00:00:00Z"}]}
    )

    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown")
    assert (too_early.status_code, too_early.json()["code"]) == (400, "constraint")
    assert (future.status_code, future.json()["code"]) == (400, "constraint")


# --- the schema says what is accepted ------------------------------------------------------------


@pytest.fixture
def schemas(client):
    return client.get("/api/v1/openapi.json").json()["components"]["schemas"]


def accepts(schema, value):
    """A string schema's verdict on `value` (length and pattern)."""
    return (
        schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value))
        and re.search(schema["pattern"], value) is not None
    )


def test_the_schema_documents_the_quantity_bounds(schemas):
    quantity = schemas["OrderLineIn"]["properties"]["quantity"]

    assert (quantity["minimum"], quantity["maximum"]) == (1, MAX_QUANTITY)
    assert schemas["OrderIn"]["properties"]["lines"]["maxItems"] == 500


@pytest.mark.parametrize(
    ("component", "field"),
    [("SellerIn", "name"), ("OrderLineIn", "sku"), ("OrderLineIn", "title")],
)
def test_a_blank_name_sku_or_title_is_invalid_by_the_schema_as_by_the_api(
    schemas, policies, api, component, field
):
    schema = schemas[component]["properties"][field]
    path = {"name": "lines[0].seller.name"}.get(field, f"lines[0].{field}")

    for blank in ("", "   ", "\t\n"):
        assert not accepts(schema, blank)
        response = api.post(URL, with_value(OrderPayloadFactory(), path, lambda _v: blank))  # noqa: B023
        assert response.status_code == 400
        assert path in response.json()["errors"]
    assert accepts(schema, "  Maison Durand ")  # trimmed, as the API stores it


def test_a_blank_delivery_reference_is_invalid_by_the_schema(client):
    document = client.get("/api/v1/openapi.json").json()
    body = document["paths"]["/orders/{reference}/deliveries"]["post"]["requestBody"]
    line = body["content"]["application/json"]["schema"]["properties"]["lines"]["items"]

    assert line["required"] == ["reference", "delivered_at"]
    assert not accepts(line["properties"]["reference"], "")


def test_the_documented_example_is_a_valid_order(schemas):
    (example,) = schemas["OrderIn"]["examples"]

    order, errors = validate_order(example, now=None)

    assert errors == {}
    assert example == ORDER_EXAMPLE
    assert [line.reference for line in order.lines] == ["1"]
