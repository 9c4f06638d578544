"""From order lines to decisions: line facts, whole orders, pinned rules, queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.models import Order
from policy_pages.rules import ItemFlag
from return_portal.eligibility_reasons import ReasonCode
from return_portal.models import ReturnStatus
from return_portal.services import (
    Declarations,
    decide_order,
    line_facts,
    order_lines,
    orders_for_decisions,
)
from tests.marketplace.conftest import policies  # the demo policies
from tests.marketplace.factories import (
    CategoryFactory,
    OrderFactory,
    OrderLineFactory,
    SellerFactory,
)
from tests.return_portal.factories import ReturnLineFactory

__all__ = ["policies"]


def ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def split_order(policies):
    order = OrderFactory(placed_at=ago(10))
    first = OrderLineFactory(order=order, reference="1", delivered_at=ago(6))
    second = OrderLineFactory(order=order, reference="2", delivered_at=ago(2))
    return order, first, second


def test_the_statutory_clock_runs_from_the_last_delivery_of_the_order(split_order):
    _order, first, second = split_order

    facts = line_facts(first)

    assert facts.delivered_at == first.delivered_at
    assert facts.order_last_delivered_at == second.delivered_at


def test_while_a_line_is_on_its_way_the_order_has_no_last_delivery(split_order):
    order, first, _second = split_order
    OrderLineFactory(order=order, reference="3", delivered_at=None)

    facts = line_facts(first)

    assert facts.order_last_delivered_at is None
    (_, decision), *_ = decide_order(order, timezone.now())
    assert ReasonCode.STATUTORY_PERIOD_NOT_STARTED in decision.codes
    assert decision.eligible


def test_sealed_goods_count_as_unsealed_only_when_the_buyer_declares_it(policies):
    line = OrderLineFactory(reference="9", sealed_hygiene=True, custom_made=True)

    sealed = line_facts(line)
    opened = line_facts(line, Declarations.of({"9"}))

    assert sealed.flags == {ItemFlag.CUSTOM_MADE}
    assert opened.flags == {ItemFlag.CUSTOM_MADE, ItemFlag.SEALED_HYGIENE}


def test_units_in_open_or_finished_returns_come_off_the_returnable_quantity(policies):
    line = OrderLineFactory(quantity=5)
    ReturnLineFactory(order_line=line, quantity=1)  # requested
    ReturnLineFactory(order_line=line, quantity=2, return_request__status=ReturnStatus.CLOSED)

    ((_, decision),) = decide_order(line.order, timezone.now())

    assert decision.returnable_quantity == 2
    assert line_facts(line).quantity_returned_or_open == 3


@pytest.mark.parametrize(
    "status", [ReturnStatus.CANCELLED, ReturnStatus.REJECTED, ReturnStatus.EXPIRED]
)
def test_a_cancelled_rejected_or_expired_return_releases_its_units(policies, status):
    line = OrderLineFactory(quantity=2)
    ReturnLineFactory(order_line=line, quantity=2, return_request__status=status)

    ((_, decision),) = decide_order(line.order, timezone.now())

    assert decision.returnable_quantity == 2


def test_a_fully_returned_line_has_nothing_left_to_return(policies):
    line = OrderLineFactory(quantity=2)
    ReturnLineFactory(order_line=line, quantity=2)

    ((_, decision),) = decide_order(line.order, timezone.now())

    assert not decision.eligible
    assert ReasonCode.NOTHING_LEFT_TO_RETURN in decision.codes


def test_given_quantities_override_the_returns(policies):
    line = OrderLineFactory(quantity=3)

    ((_, decision),) = decide_order(line.order, timezone.now(), returned_or_open={line.pk: 2})

    assert decision.returnable_quantity == 1


def test_facts_carry_the_order_the_seller_status_and_the_category_path(policies):
    apparel = CategoryFactory(code="apparel")
    shirts = CategoryFactory(code="shirts", parent=apparel)
    private = SellerFactory(reference="private", is_trader=False)
    order = OrderFactory(withdrawal_info_given=False, market="DE")
    line = OrderLineFactory(order=order, seller=private, category=shirts)

    facts = line_facts(line)

    assert facts.category_path == ("apparel", "shirts")
    assert facts.seller_is_trader is False
    assert (facts.market, facts.withdrawal_info_given) == ("DE", False)


def test_each_line_is_judged_by_the_version_it_is_pinned_to(policies):
    # Placed while v1 (30 days) was in force, delivered 140 days ago: its window is long
    # over; v3 (45 days, scheduled) does not reach back to it either.
    old = OrderLineFactory(order=OrderFactory(placed_at=ago(150)), delivered_at=ago(140))

    ((line, decision),) = decide_order(old.order, timezone.now())

    assert line.pin.version.number == 1
    assert not decision.eligible
    assert ReasonCode.POLICY_WINDOW_ENDED in decision.codes


def test_the_sellers_own_policy_gives_its_longer_window(policies):
    atelier = SellerFactory(reference="atelier-lumiere")
    line = OrderLineFactory(
        order=OrderFactory(placed_at=ago(50)), seller=atelier, delivered_at=ago(45)
    )

    ((_, decision),) = decide_order(line.order, timezone.now())

    assert decision.eligible  # 60 days under Atelier Lumière's policy
    assert decision.policy_deadline > timezone.now() + timedelta(days=10)


def test_judging_many_orders_costs_a_constant_number_of_queries(
    policies, django_assert_max_num_queries
):
    for _ in range(30):
        order = OrderFactory()
        for line in OrderLineFactory.create_batch(3, order=order):
            ReturnLineFactory(order_line=line)
    rules = {}

    with django_assert_max_num_queries(2):
        orders = list(orders_for_decisions(Order.objects.all()))
        results = [decide_order(order, timezone.now(), rules_cache=rules) for order in orders]

    assert sum(len(lines) for lines in results) == 90


def test_an_order_without_prefetched_lines_costs_one_query(policies, django_assert_num_queries):
    order = OrderFactory()
    OrderLineFactory.create_batch(4, order=order)
    order = Order.objects.get(pk=order.pk)

    with django_assert_num_queries(1):
        assert len(order_lines(order)) == 4
