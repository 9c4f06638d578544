"""Money in the buyer's language on the portal's pages and emails: the French
and German withdrawal page and return wizard show the drop-off's cost as
"3,90 €" (English "€3.90"), never "3.90 EUR"; the acknowledgement email of a
German buyer writes its prices the German way; the wizard's store credit bonus
reads "+10 % Bonus"."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.test_wizard import start, step_url, walk

NBSP = "\u00a0"


def ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture(autouse=True)
def english():
    # URLs are reversed outside requests: keep the thread's language English.
    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture
def order(policies, reasons, buyer):
    """Delivered 10 days ago (inside the withdrawal period); the pinned policy
    prices a drop-off 3.90 and a prepaid label 5.90."""
    order = OrderFactory(buyer=buyer, placed_at=ago(13), payment_amount=Decimal("1234.50"))
    OrderLineFactory(
        order=order,
        reference="A",
        title="Oxford shirt",
        quantity=2,
        unit_price=Decimal("1000.00"),
        delivered_at=ago(10),
    )
    return order


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


def withdraw_url(order) -> str:
    return reverse("return_portal:withdraw", args=[order.public_id])


@pytest.mark.parametrize(
    ("prefix", "drop_off", "label", "price"),
    [
        ("/fr", f"3,90{NBSP}€", f"5,90{NBSP}€", f"1\u202f000,00{NBSP}€"),
        ("/de", f"3,90{NBSP}€", f"5,90{NBSP}€", f"1.000,00{NBSP}€"),
        ("", "€3.90", "€5.90", "€1,000.00"),
    ],
)
def test_the_withdrawal_page_prices_in_the_readers_language(
    signed_in, order, prefix, drop_off, label, price, django_assert_max_num_queries
):
    with django_assert_max_num_queries(40):
        html = signed_in.get(prefix + withdraw_url(order)).content.decode()

    assert f'<span class="cost">{drop_off}</span>' in html
    assert f'<span class="cost">{label}</span>' in html
    assert price in html  # the unit price beside the units
    assert "EUR" not in html.split("<main", 1)[1]


@pytest.mark.parametrize(
    ("prefix", "drop_off"),
    [("/fr", f"3,90{NBSP}€"), ("/de", f"3,90{NBSP}€"), ("", "€3.90")],
)
def test_the_wizards_shipping_step_prices_in_the_readers_language(
    signed_in, order, prefix, drop_off
):
    items_url = start(signed_in, order)
    walk(signed_in, items_url, upto="shipping")

    html = signed_in.get(prefix + step_url(items_url, "shipping")).content.decode()

    assert f'<span class="cost">{drop_off}</span>' in html
    assert "3.90 EUR" not in html and "3.90" not in html.replace("€3.90", "")


def test_the_wizards_store_credit_bonus_reads_the_german_way(signed_in, order):
    items_url = start(signed_in, order)
    walk(signed_in, items_url, upto="resolution")

    html = signed_in.get("/de" + step_url(items_url, "resolution")).content.decode()

    assert "+10 % Bonus" in html.replace(NBSP, " ")
    assert "10.00" not in html


def test_a_german_buyers_acknowledgement_writes_prices_the_german_way(
    signed_in, order, buyer, django_capture_on_commit_callbacks
):
    buyer.preferred_language = "de"
    buyer.save(update_fields=["preferred_language"])
    start_url = withdraw_url(order)
    confirm_url = reverse("return_portal:withdraw_confirm", args=[order.public_id])
    response = signed_in.post(start_url, {"units-0": "1", "method-0": "drop_off"})
    assert response.status_code == 302
    page = signed_in.get(confirm_url).content.decode()
    key = page.split('name="key" value="')[1].split('"')[0]

    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(confirm_url, {"key": key})

    [email] = [m for m in mail.outbox if order.reference in m.subject]
    assert f"(1.000,00{NBSP}€)" in email.body
    assert f"— 3,90{NBSP}€" in email.body
    assert "EUR" not in email.body
