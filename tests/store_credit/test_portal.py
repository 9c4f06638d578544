"""The buyer's store credit in the portal (their own, never another's), linked
from My orders, and the bonus in money at the step where credit is chosen."""

from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import translation

from store_credit import ledger
from tests.marketplace.factories import OrderFactory
from tests.return_portal.test_wizard import order, start, step_url, walk  # noqa: F401

pytestmark = pytest.mark.django_db
CREDIT_URL = "/returns/credit/"


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


def page(client, url=CREDIT_URL, language=None) -> str:
    with translation.override(translation.get_language()):
        if language:
            url = f"/{language}{url}"
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get(CREDIT_URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_buyer_sees_their_balance_and_history_only(signed_in, buyer, other_buyer):
    assert reverse("return_portal:credit") == CREDIT_URL
    placed = OrderFactory(buyer=buyer, reference="F-CREDIT")
    ledger.issue(buyer.email, Decimal("49.90"), "EUR", key="i", order=placed)
    ledger.spend(buyer.email, Decimal("10.00"), "EUR", key="s")
    ledger.issue(other_buyer.email, Decimal("777.77"), "EUR", key="other")

    body = page(signed_in)

    assert "<h1>My store credit</h1>" in body
    assert "<caption>" in body and 'scope="col"' in body
    assert "€39.90" in body and "€49.90" in body and "-€10.00" in body
    assert "F-CREDIT" in body and "Credit issued" in body and "Spent" in body
    assert "777.77" not in body


def test_credit_of_a_verified_address_is_shown_not_of_an_unverified_one(signed_in, buyer):
    EmailAddress.objects.create(user=buyer, email="second@example.com", verified=True)
    EmailAddress.objects.create(user=buyer, email="claimed@example.com", verified=False)
    ledger.issue("second@example.com", Decimal("5.00"), "EUR", key="a")
    ledger.issue("claimed@example.com", Decimal("666.00"), "EUR", key="b")

    body = page(signed_in)

    assert "€5.00" in body and "666" not in body


def test_amounts_are_formatted_in_the_readers_language(signed_in, buyer):
    ledger.issue(buyer.email, Decimal("1234.50"), "EUR", key="i")
    assert "1\u202f234,50\xa0€" in page(signed_in, language="fr")


def test_without_credit_the_page_says_so(signed_in):
    assert "You have no store credit." in page(signed_in)


def test_my_orders_links_to_my_store_credit(signed_in):
    assert f'href="{CREDIT_URL}"' in page(signed_in, "/returns/")


def test_the_resolution_step_shows_the_store_credit_bonus_in_money(signed_in, order):  # noqa: F811
    items_url = start(signed_in, order)
    walk(signed_in, items_url, upto="resolution")

    body = signed_in.get(step_url(items_url, "resolution")).content.decode()

    # One shirt of 49.90 under the policy's 10 % bonus.
    assert "+10 % bonus" in body
    assert "Store credit: +€4.99 bonus" in body
