"""Order intake of the means of payment: an optional `payments` list (card, voucher,
store credit...) that adds up to the amount paid, kept in its order (the order
refunds go back to them); without it, the one payment."""

from decimal import Decimal

import pytest

from marketplace.models import OrderPayment
from policy_pages.intake import ingest_order
from tests.marketplace.conftest import api, api_token  # fixtures
from tests.marketplace.factories import OrderPayloadFactory

__all__ = ["api", "api_token"]
pytestmark = pytest.mark.django_db
URL = "/api/v1/orders"
SPLIT = [
    {"method": "card", "reference": "pi_1", "amount": "44.80"},
    {"method": "voucher", "reference": "GIFT-9", "amount": "10.00"},
]


def test_several_means_of_payment_are_kept_in_their_order(policies, api):
    response = api.post(URL, OrderPayloadFactory(reference="PAY-1", payments=SPLIT))

    assert response.status_code == 201, response.json()
    assert response.json()["payments"] == SPLIT
    rows = OrderPayment.objects.filter(order__reference="PAY-1").order_by("position")
    assert [(p.position, p.method, p.reference, p.amount) for p in rows] == [
        (0, "card", "pi_1", Decimal("44.80")),
        (1, "voucher", "GIFT-9", Decimal("10.00")),
    ]


def test_without_a_list_the_payment_is_the_one_means(policies, api):
    response = api.post(URL, OrderPayloadFactory(reference="PAY-2"))

    assert response.status_code == 201
    assert response.json()["payments"] == [
        {"method": "card", "reference": "pi_123", "amount": "54.80"}
    ]
    assert OrderPayment.objects.get(order__reference="PAY-2").amount == Decimal("54.80")


def test_payments_that_do_not_add_up_are_a_field_error_and_save_nothing(policies, api):
    short = [SPLIT[0], {**SPLIT[1], "amount": "9.00"}]
    response = api.post(URL, OrderPayloadFactory(reference="PAY-3", payments=short))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "constraint"
    assert "53.80" in body["errors"]["payments"][0] and "54.80" in body["errors"]["payments"][0]
    assert not OrderPayment.objects.filter(order__reference="PAY-3").exists()


@pytest.mark.parametrize(
    ("payments", "path"),
    [
        ([], "payments"),
        ([{"method": "card", "amount": 54.80}], "payments[0].amount"),
        ([{"method": "Card!", "amount": "54.80"}], "payments[0].method"),
        ("card", "payments"),
    ],
)
def test_a_malformed_payments_list_answers_400_at_its_path(policies, api, payments, path):
    response = api.post(URL, OrderPayloadFactory(payments=payments))

    assert response.status_code == 400
    assert path in response.json()["errors"]


def test_the_import_takes_the_same_list(policies):
    result = ingest_order(OrderPayloadFactory(reference="PAY-4", payments=SPLIT))

    assert result.order is not None
    assert list(result.order.payments.values_list("method", flat=True)) == ["card", "voucher"]
