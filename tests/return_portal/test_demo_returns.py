"""The demo buyer has returns to look at, made through the services; seeding
again adds nothing."""

import pytest

from accounts.demo import seed_users
from policy_pages.demo_orders import seed_demo_orders
from return_portal.models import ReturnMessage, ReturnRequest, ReturnStatus
from return_portal.seeding import seed_demo_returns, seed_reasons


@pytest.fixture
def demo(policies):
    seed_users()
    seed_demo_orders()
    seed_reasons()


def test_the_demo_buyer_gets_a_return_on_its_way_with_a_message_and_a_drop_off(demo):
    created = seed_demo_returns()

    by_order = {r.order.reference: r for r in created}
    lamp, shoes = by_order["DEMO-1009"], by_order["DEMO-1001"]
    assert lamp.status == ReturnStatus.IN_TRANSIT
    assert lamp.shipping_method == "prepaid_label"
    assert ReturnMessage.objects.filter(return_request=lamp, from_staff=True).exists()
    assert shoes.status == ReturnStatus.APPROVED and shoes.drop_off_code
    assert {r.buyer.email for r in created} == {"buyer@example.com"}


def test_seeding_again_adds_nothing(demo):
    seed_demo_returns()
    count = ReturnRequest.objects.count()

    assert seed_demo_returns() == []
    assert ReturnRequest.objects.count() == count == 2
