"""POST /api/v1/orders/<ref>/deliveries: split deliveries, idempotent, validated."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.models import OrderLine
from tests.marketplace.conftest import api, api_token  # fixtures
from tests.marketplace.factories import LinePayloadFactory, OrderPayloadFactory, iso

__all__ = ["api", "api_token"]


@pytest.fixture
def order(policies, api):
    """An order placed six days ago; neither line delivered yet."""
    payload = OrderPayloadFactory(
        reference="SPLIT-1",
        lines=[
            LinePayloadFactory(reference="1", delivered_at=None),
            LinePayloadFactory(reference="2", delivered_at=None),
        ],
    )
    assert api.post("/api/v1/orders", payload).status_code == 201
    return payload


URL = "/api/v1/orders/SPLIT-1/deliveries"


def delivered(reference):
    return OrderLine.objects.get(order__reference="SPLIT-1", reference=reference).delivered_at


def test_a_delivery_sets_delivered_at_on_its_lines_only(order, api):
    when = timezone.now() - timedelta(days=2)

    response = api.post(URL, {"lines": [{"reference": "1", "delivered_at": iso(when)}]})

    assert response.status_code == 200, response.json()
    assert delivered("1") == when
    assert delivered("2") is None
    lines = {line["reference"]: line for line in response.json()["lines"]}
    assert lines["1"]["delivered_at"] is not None
    assert lines["2"]["delivered_at"] is None


def test_sending_the_same_delivery_again_changes_nothing(order, api):
    data = {"lines": [{"reference": "1", "delivered_at": iso(timezone.now() - timedelta(days=2))}]}
    first = api.post(URL, data)

    again = api.post(URL, data)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()


def test_a_recorded_delivery_date_cannot_be_moved(order, api):
    api.post(URL, {"lines": [{"reference": "1", "delivered_at": iso(timezone.now())}]})
    before = delivered("1")

    response = api.post(
        URL,
        {"lines": [{"reference": "1", "delivered_at": iso(timezone.now() - timedelta(days=1))}]},
    )

    assert response.status_code == 400
    assert "lines[0].delivered_at" in response.json()["errors"]
    assert delivered("1") == before


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([{"reference": "9", "delivered_at": "2026-01-01T00:00:00Z"}], "lines[0].reference"),
        ([{"reference": "1", "delivered_at": "yesterday"}], "lines[0].delivered_at"),
        ([{"reference": "1", "delivered_at": "2030-01-01T00:00:00Z"}], "lines[0].delivered_at"),
        ([{"reference": "1", "delivered_at": "2000-01-01T00:00:00Z"}], "lines[0].delivered_at"),
        ([{"reference": "1"}], "lines[0]"),
        ([], "lines"),
    ],
    ids=["unknown line", "not a date", "future", "before placed", "no date", "empty"],
)
def test_bad_deliveries_answer_400_and_change_nothing(order, api, lines, field):
    good = {"reference": "2", "delivered_at": iso(timezone.now() - timedelta(days=1))}

    response = api.post(URL, {"lines": [good, *lines]} if lines else {"lines": []})

    assert response.status_code == 400
    errors = response.json()["errors"]
    expected = field.replace("[0]", "[1]") if lines else field
    assert expected in errors, errors
    assert delivered("2") is None  # all or nothing


def test_a_line_listed_twice_is_refused(order, api):
    item = {"reference": "1", "delivered_at": iso(timezone.now())}

    response = api.post(URL, {"lines": [item, item]})

    assert response.status_code == 400
    assert "lines[1].reference" in response.json()["errors"]


def test_deliveries_for_an_unknown_order_answer_404(order, api):
    response = api.post("/api/v1/orders/NOPE/deliveries", {"lines": []})

    assert response.status_code == 404


def test_deliveries_need_a_token(order, client):
    response = client.post(URL, "{}", content_type="application/json")

    assert response.status_code == 401
