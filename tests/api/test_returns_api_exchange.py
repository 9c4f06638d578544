"""Exchanges through the returns API: POST /returns with `exchange` (a variant
the platform offered, per line) and `difference_by`, checked like the portal's
resolution step, and the exchange in the return's representation."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import ApiToken, LineVariant
from return_portal.models import Exchange, ReturnRequest
from tests.api.returns_api import Api, ago, durand, durand_api, nordlicht, operator, url
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.policy_pages.conftest import policies  # the demo policies
from tests.return_portal.conftest import reasons

__all__ = ["durand", "durand_api", "nordlicht", "operator", "policies", "reasons"]
pytestmark = pytest.mark.django_db

VARIANTS = [  # sku, size, price, in stock
    ("JKT-L", "L", "80.00", True),
    ("JKT-XL", "XL", "95.00", True),
    ("JKT-S", "S", "72.00", True),
    ("JKT-XS", "XS", "80.00", False),
]


def jacket_order(seller):
    """Delivered three days ago: two jackets of `seller` ("1", "2"), each with the
    variants above (the second's SKUs prefixed with "B-")."""
    order = OrderFactory(placed_at=ago(days=6), payment_amount=Decimal("160.00"))
    for reference, prefix in (("1", ""), ("2", "B-")):
        line = OrderLineFactory(
            order=order,
            reference=reference,
            seller=seller,
            sku=f"{prefix}JKT-M",
            title="Quilted jacket",
            unit_price=Decimal("80.00"),
            quantity=1,
            delivered_at=ago(days=3),
        )
        for position, (sku, size, price, stock) in enumerate(VARIANTS):
            LineVariant.objects.create(
                line=line,
                position=position,
                sku=f"{prefix}{sku}",
                title=f"Quilted jacket, {size}",
                attributes={"size": size},
                unit_price=Decimal(price),
                in_stock=stock,
            )
    return order


def exchange_body(order, **fields):
    return {
        "order": order.reference,
        "lines": [{"line": "1", "quantity": 1}],
        "reason": "too-small",
        "condition": "like_new",
        "resolution": "exchange",
        "exchange": [{"line": "1", "sku": "JKT-XL"}],
        "difference_by": "payment",
        "shipping_method": "drop_off",
        **fields,
    }


def test_an_exchange_created_through_the_api_shows_in_the_return(
    policies, reasons, durand, durand_api
):
    order = jacket_order(durand)

    created = durand_api.post("/api/v1/returns", exchange_body(order), key="swap-1")
    again = durand_api.post("/api/v1/returns", exchange_body(order), key="swap-1")

    assert created.status_code == 201, created.json()
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"  # the same answer
    assert again.json() == created.json()
    assert ReturnRequest.objects.filter(order=order).count() == 1
    assert Exchange.objects.count() == 1
    answer = created.json()
    assert answer["resolution"] == "exchange"
    exchange = answer["exchange"]
    row = Exchange.objects.get()
    assert exchange == {
        "status": row.status,
        "instant": row.instant,
        "lines": [
            {
                "line": "1",
                "quantity": 1,
                "from": {"sku": "JKT-M", "title": "Quilted jacket"},
                "to": {
                    "sku": "JKT-XL",
                    "title": "Quilted jacket, XL",
                    "attributes": {"size": "XL"},
                    "unit_price": "95.00",
                },
            }
        ],
        # €15.00 dearer, and the €3.90 drop-off the buyer pays for a change of mind.
        "returned_total": "80.00",
        "replacement_total": "95.00",
        "shipping_cost": "3.90",
        "balance": "-18.90",
        "currency": "EUR",
        "settle_by": "charge",
        "replacement": None,
    }
    assert ReturnRequest.objects.get().exchange_variant == ""  # the legacy free text: unused
    detail = durand_api.get(url(ReturnRequest.objects.get()))
    assert detail.status_code == 200 and detail.json()["exchange"] == exchange


def test_the_replacement_order_shows_once_the_platform_replies(
    policies, reasons, durand, durand_api
):
    order = jacket_order(durand)
    created = durand_api.post("/api/v1/returns", exchange_body(order), key="swap-1")
    r = ReturnRequest.objects.get()
    if created.json()["status"] == "requested":
        assert durand_api.post(url(r, "approve"), {}, key="ok-1").status_code == 200
    reply = {"order_reference": "SHOP-REPL-1", "status": "shipped", "carrier": "DHL",
             "tracking": "JD0001"}  # fmt: skip

    replied = durand_api.post(url(r, "exchange/replacement"), reply, key="reply-1")

    assert replied.status_code == 200, replied.json()
    exchange = durand_api.get(url(r)).json()["exchange"]
    assert exchange["status"] == "shipped"
    replacement = exchange["replacement"]
    assert replacement["order_reference"] == "SHOP-REPL-1"
    assert (replacement["carrier"], replacement["tracking"]) == ("DHL", "JD0001")
    assert replacement["shipped_at"] is not None


def test_a_return_that_is_not_an_exchange_shows_none(policies, reasons, durand, durand_api):
    order = jacket_order(durand)
    body = exchange_body(order, resolution="refund")
    del body["exchange"], body["difference_by"]

    created = durand_api.post("/api/v1/returns", body, key="refund-1")

    assert created.status_code == 201, created.json()
    assert created.json()["exchange"] is None


def test_nothing_to_settle_needs_no_difference_by(policies, reasons, durand, durand_api):
    order = jacket_order(durand)
    # The same price, and a defect: the merchant pays the return shipping.
    body = exchange_body(order, reason="defective", exchange=[{"line": "1", "sku": "JKT-L"}])
    del body["difference_by"]

    created = durand_api.post("/api/v1/returns", body, key="same-1")

    assert created.status_code == 201, created.json()
    exchange = created.json()["exchange"]
    assert (exchange["balance"], exchange["settle_by"]) == ("0.00", "none")


def test_a_cheaper_replacement_on_store_credit(policies, reasons, durand, durand_api):
    order = jacket_order(durand)
    body = exchange_body(order, exchange=[{"line": "1", "sku": "JKT-S"}], difference_by="credit")

    created = durand_api.post("/api/v1/returns", body, key="cheaper-1")

    assert created.status_code == 201, created.json()
    exchange = created.json()["exchange"]
    # €8.00 cheaper, less the €3.90 drop-off.
    assert (exchange["balance"], exchange["settle_by"]) == ("4.10", "credit")


TWO_LINES = [{"line": "1", "quantity": 1}, {"line": "2", "quantity": 1}]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        # A line not among those returned.
        ({"exchange": [{"line": "2", "sku": "B-JKT-L"}]}, "exchange[0].line"),
        # A line named twice.
        (
            {"exchange": [{"line": "1", "sku": "JKT-L"}, {"line": "1", "sku": "JKT-XL"}]},
            "exchange[1].line",
        ),
        # A SKU the line does not offer (another line's variant included).
        ({"exchange": [{"line": "1", "sku": "NO-SUCH-SKU"}]}, "exchange[0].sku"),
        ({"exchange": [{"line": "1", "sku": "B-JKT-L"}]}, "exchange[0].sku"),
        # Out of stock.
        ({"exchange": [{"line": "1", "sku": "JKT-XS"}]}, "exchange[0].sku"),
        # An exchange without its replacements, or a line without one.
        ({"exchange": []}, "exchange"),
        ({"lines": TWO_LINES}, "exchange"),
        # The second line's SKU refused, named by its index.
        (
            {
                "lines": TWO_LINES,
                "exchange": [{"line": "1", "sku": "JKT-L"}, {"line": "2", "sku": "B-JKT-XS"}],
            },
            "exchange[1].sku",
        ),
        # Replacements or a settlement for another resolution.
        ({"resolution": "refund"}, "exchange"),
        ({"resolution": "refund", "exchange": []}, "difference_by"),
        # A dearer replacement, or the return shipping to pay, and no settlement chosen.
        ({"difference_by": None}, "difference_by"),
        ({"exchange": [{"line": "1", "sku": "JKT-L"}], "difference_by": None}, "difference_by"),
        # On store credit the buyer does not have.
        ({"difference_by": "credit"}, "difference_by"),
    ],
)
def test_a_bad_exchange_is_a_400_naming_the_field(
    policies, reasons, durand, durand_api, change, path
):
    order = jacket_order(durand)
    body = {
        key: value for key, value in exchange_body(order, **change).items() if value is not None
    }

    refused = durand_api.post("/api/v1/returns", body, key="bad-1")

    assert refused.status_code == 400, refused.json()
    assert refused.json()["code"] == "constraint"
    assert path in refused.json()["errors"], refused.json()
    assert not ReturnRequest.objects.exists()


def test_a_settlement_means_the_api_does_not_know_is_a_400(policies, reasons, durand, durand_api):
    order = jacket_order(durand)

    refused = durand_api.post(
        "/api/v1/returns", exchange_body(order, difference_by="cash"), key="bad-1"
    )

    assert refused.status_code == 400 and "difference_by" in refused.json()["errors"]
    assert not ReturnRequest.objects.exists()


def test_another_sellers_token_cannot_exchange_on_the_order(
    policies, reasons, durand, nordlicht, client
):
    order = jacket_order(durand)
    nordlicht_api = Api(client, ApiToken.issue("nordlicht's shop", seller=nordlicht)[1])

    refused = nordlicht_api.post("/api/v1/returns", exchange_body(order), key="swap-1")

    assert refused.status_code == 400 and refused.json()["code"] == "unknown"
    assert not ReturnRequest.objects.exists()


def test_an_exchanges_detail_reads_in_as_many_queries_as_a_refunds(
    policies, reasons, durand, operator
):
    order = jacket_order(durand)
    refund = exchange_body(order, resolution="refund", lines=[{"line": "2", "quantity": 1}])
    del refund["exchange"], refund["difference_by"]
    assert operator.post("/api/v1/returns", exchange_body(order), key="a").status_code == 201
    assert operator.post("/api/v1/returns", refund, key="b").status_code == 201
    swap, plain = (ReturnRequest.objects.get(resolution=kind) for kind in ("exchange", "refund"))

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert operator.get(path).status_code == 200
        return len(captured)

    queries(url(plain))  # the token's last use is written once a minute
    assert queries(url(swap)) == queries(url(plain))


def test_the_openapi_documents_the_exchange(client):
    document = client.get("/api/v1/openapi.json").json()
    paths, schemas = document["paths"], document["components"]["schemas"]
    assert {"line", "from", "to"} <= set(schemas["ExchangeLineOut"]["properties"])
    assert "exchange" in schemas["ReturnOut"]["properties"]
    body = paths["/returns"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"exchange", "difference_by"} <= set(body["properties"])
    assert "exchange_variant" not in body["properties"]
    assert any(example.get("resolution") == "exchange" for example in body["examples"])
