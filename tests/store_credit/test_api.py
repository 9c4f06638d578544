"""The ledger through the API: read, spend (Idempotency-Key), replay, reversal
once, a spend above the balance refused with it, bad input a 400 (never a 500),
and only the operator's token."""

import json
from decimal import Decimal

import pytest

from marketplace.models import ApiToken
from store_credit import ledger
from store_credit.models import CreditEntry, EntryKind
from tests.api.returns_api import Api
from tests.marketplace.factories import OrderFactory, SellerFactory

BUYER = "ada@example.com"
URL = f"/api/v1/buyers/{BUYER}/credit"
pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    return Api(client, ApiToken.issue("operator")[1])


@pytest.fixture
def funded(db):
    return ledger.issue(BUYER, Decimal("50.00"), "EUR", key="i", reason="RMA-1").entry


def spend(api, amount="20.00", key="k1", **fields):
    return api.post(f"{URL}/spends", {"amount": amount, "currency": "EUR", **fields}, key=key)


def test_the_operator_reads_balances_and_entries(operator, funded):
    ledger.issue("other@example.com", Decimal("9"), "EUR", key="other")

    body = operator.get("/api/v1/buyers/ADA@example.com/credit").json()

    assert body["buyer"] == BUYER
    assert body["balances"] == [{"currency": "EUR", "balance": "50.00"}]
    assert [(e["kind"], e["amount"], e["reason"]) for e in body["entries"]] == [
        ("issue", "50.00", "RMA-1")
    ]


def test_a_spend_is_booked_once_and_replayed(operator, funded):
    order = OrderFactory(reference="F-77", buyer_email=BUYER)
    first = spend(operator, order="F-77")
    again = spend(operator, order="F-77")

    assert first.status_code == again.status_code == 201
    assert first.json()["balance"] == "30.00"
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["entry"]["id"] == first.json()["entry"]["id"]
    spent = CreditEntry.objects.get(kind=EntryKind.SPEND)
    assert (spent.amount, spent.order_id) == (Decimal("-20.00"), order.pk)
    # The same key with another request is a conflict, nothing spent.
    reused = spend(operator, amount="1.00")
    assert reused.status_code == 409 and reused.json()["code"] == "conflict"
    assert ledger.balances([BUYER]) == {"EUR": Decimal("30.00")}


def test_a_spend_above_the_balance_is_a_400_with_the_balance(operator, funded):
    response = spend(operator, amount="50.01")
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["balance"], body["currency"]) == ("constraint", "50.00", "EUR")
    assert "amount" in body["errors"]
    assert not CreditEntry.objects.filter(kind=EntryKind.SPEND).exists()


def test_a_spend_needs_an_idempotency_key(operator, funded):
    response = spend(operator, key=None)
    assert response.status_code == 400
    assert not CreditEntry.objects.filter(kind=EntryKind.SPEND).exists()


def test_a_reversal_restores_the_spend_once(operator, funded):
    spent_id = spend(operator).json()["entry"]["id"]
    url = f"{URL}/spends/{spent_id}/reversal"

    first = operator.post(url)
    again = operator.post(url)

    assert first.status_code == again.status_code == 201
    assert first.json()["entry"]["kind"] == "reversal"
    assert first.json()["entry"]["reverses"] == spent_id
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["balance"] == again.json()["balance"] == "50.00"
    assert CreditEntry.objects.filter(kind=EntryKind.REVERSAL).count() == 1


def test_a_reversal_of_another_buyers_or_an_unknown_spend_is_a_404(operator, funded):
    spent_id = spend(operator).json()["entry"]["id"]
    assert (
        operator.post(
            f"/api/v1/buyers/bob@example.com/credit/spends/{spent_id}/reversal"
        ).status_code
        == 404
    )
    assert operator.post(f"{URL}/spends/not-a-uuid/reversal").status_code == 400
    assert (
        operator.post(f"{URL}/spends/{'0' * 8}-0000-0000-0000-{'0' * 12}/reversal").status_code
        == 404
    )
    assert operator.post(f"{URL}/spends/{funded.public_id}/reversal").status_code == 404  # an issue


@pytest.mark.parametrize(
    "body",
    [
        {"amount": "-5.00", "currency": "EUR"},
        {"amount": "0", "currency": "EUR"},
        {"amount": "5.001", "currency": "EUR"},
        {"amount": 5, "currency": "EUR"},
        {"amount": "5.00", "currency": "XXQ"},
        {"amount": "5.00", "currency": "EUR", "reason": "a\x00b"},
        {"amount": "5.00", "currency": "EUR", "reason": "x" * 501},
        {"amount": "5.00", "currency": "EUR", "order": "F-" + "9" * 80},
        {"amount": "5.00", "currency": "EUR", "order": "NOPE"},
        {"amount": "5.00", "currency": "EUR", "tip": "1"},
        {"currency": "EUR"},
    ],
)
def test_bad_input_is_a_400_and_spends_nothing(operator, funded, body):
    response = operator.post(f"{URL}/spends", body, key="bad")
    assert response.status_code == 400, response.content
    assert response.json()["code"] in ("invalid", "constraint", "unknown")
    assert not CreditEntry.objects.filter(kind=EntryKind.SPEND).exists()


def test_a_spend_in_a_currency_without_credit_is_above_the_balance(operator, funded):
    response = operator.post(f"{URL}/spends", {"amount": "5", "currency": "GBP"}, key="gbp")
    assert response.status_code == 400
    assert (response.json()["balance"], response.json()["currency"]) == ("0.00", "GBP")


@pytest.mark.parametrize("email", ["not-an-email", "a%00b@example.com", "x" * 300 + "@example.com"])
def test_a_bad_buyer_address_is_a_400(operator, email):
    assert operator.get(f"/api/v1/buyers/{email}/credit").status_code == 400


def test_bad_json_and_a_bad_key_are_400s(operator, funded):
    assert operator.post(f"{URL}/spends", raw="{", key="k").status_code == 400
    assert spend(operator, key="has space").status_code == 400
    assert spend(operator, key="k" * 256).status_code == 400


def test_a_sellers_token_is_refused_and_no_token_is_a_401(client, funded):
    seller = Api(client, ApiToken.issue("shop", seller=SellerFactory())[1])
    assert seller.get(URL).status_code == 403
    assert spend(seller).status_code == 403
    assert client.get(URL).status_code == 401
    assert ledger.balances([BUYER]) == {"EUR": Decimal("50.00")}


def test_the_operations_are_in_the_openapi_document(client):
    document = json.loads(client.get("/api/v1/openapi.json").content)
    assert "/buyers/{email}/credit/spends" in document["paths"]
