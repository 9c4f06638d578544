"""The bulk in-force timelines; the demo seed."""

import threading
from datetime import timedelta

import holidays
import pytest
from django.db import connection
from django.utils import timezone

from marketplace.models import Order
from marketplace.seeding import holiday_window_delivery
from policy_pages.demo_orders import seed_demo_orders
from policy_pages.timeline import Timelines, policy_in_force
from tests.marketplace.factories import OrderPayloadFactory


def test_the_bulk_timelines_answer_every_scope_and_instant_from_one_query(
    policies, django_assert_num_queries
):
    # The rule itself is tested through policy_in_force (tests/policy_pages/test_versions.py),
    # which asks the same Timelines for two scopes: here the bulk form must give the same
    # answers for every scope while reading the table once.
    now = timezone.now()
    instants = [now + timedelta(days=days, hours=7) for days in range(-420, 80, 3)]
    expected = {
        (market, seller, at): policy_in_force(market, seller, "", at)
        for market in ("FR", "BE", "DE", "GB")
        for seller in ("", "atelier-lumiere", "someone-else")
        for at in instants
    }
    assert {version for version in expected.values() if version}, "no version in force at all"

    timelines = Timelines()
    with django_assert_num_queries(1):
        answers = {key: timelines.in_force(*key) for key in expected}

    assert answers == expected


@pytest.fixture
def demo_buyers(db):
    from accounts.demo import seed_users

    seed_users()


def test_the_demo_seed_covers_the_situations_of_the_issue(policies, demo_buyers):
    seed_demo_orders()

    orders = {order.reference: order for order in Order.objects.prefetch_related("lines")}
    assert len(orders) == 10
    assert {o.buyer.email for o in orders.values()} == {
        "buyer@example.com",
        "acheteur@example.com",
    }
    split = orders["DEMO-1003"].lines.all()
    assert sorted(line.delivered_at is None for line in split) == [False, True]
    flags = {flag for line in orders["DEMO-1004"].lines.all() for flag in line.flags}
    assert flags == {"custom_made", "perishable", "sealed_hygiene", "sealed_media"}
    assert not orders["DEMO-1005"].lines.get().seller_is_trader
    assert orders["DEMO-1007"].lines.get().pin.version.number == 1
    assert orders["DEMO-1001"].lines.first().pin.version.number == 2
    assert orders["DEMO-1009"].lines.get().pin.version.seller_ref == "atelier-lumiere"
    assert not orders["DEMO-1008"].withdrawal_info_given
    vase = orders["DEMO-1010"].lines.get()
    assert vase.pin.version.rules.keep_it_rule(vase.unit_price, "arrived-damaged") is not None


def test_the_demo_orders_have_addresses_and_an_exchangeable_jacket(policies, demo_buyers):
    seed_demo_orders()

    orders = Order.objects.prefetch_related("lines__variants")
    assert all(order.shipping_address for order in orders)
    assert Order.objects.get(reference="DEMO-1001").sender_lines[0] == "Camille Martin"
    (jacket,) = [
        line for order in orders for line in order.lines.all() if "jacket" in line.title.lower()
    ]
    variants = list(jacket.variants.all())
    assert 2 <= len(variants) <= 3
    assert all("size" in variant.attributes for variant in variants)
    assert any(v.unit_price > jacket.unit_price and v.in_stock for v in variants)
    assert any(v.unit_price == jacket.unit_price and v.in_stock for v in variants)
    assert any(not v.in_stock for v in variants)


def test_the_demo_seed_is_idempotent(policies, demo_buyers):
    seed_demo_orders()
    seed_demo_orders(timezone.localdate() + timedelta(days=1))  # another day, same orders

    assert Order.objects.count() == 10


def test_the_holiday_order_window_ends_on_a_french_public_holiday():
    today = timezone.localdate()

    delivery, holiday = holiday_window_delivery(today, 30)

    assert holiday in holidays.country_holidays("FR", years=holiday.year)
    assert delivery + timedelta(days=30) == holiday
    assert delivery <= today


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_orders_create_one(site_tree, django_capture_on_commit_callbacks):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers on one file; the race needs PostgreSQL.")
    from django.test import Client

    from marketplace.models import ApiToken
    from policy_pages.seeding import seed_policies

    with django_capture_on_commit_callbacks(execute=True):
        seed_policies(site_tree)
    _row, token = ApiToken.issue("race")
    payload = OrderPayloadFactory()
    barrier = threading.Barrier(4)
    statuses = []

    def submit():
        import json

        client = Client()
        barrier.wait()
        try:
            response = client.post(
                "/api/v1/orders",
                json.dumps(payload),
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 200, 200, 201]
    assert Order.objects.filter(reference=payload["reference"]).count() == 1
