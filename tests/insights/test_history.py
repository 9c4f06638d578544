"""The demo history: deterministic, idempotent, consistent books, roll-ups that
equal the source, and Atelier Lumière's "arrived damaged" share far above its
category's other seller."""

import datetime as dt

import pytest
from django.db.models import Sum

from insights import metrics
from insights.filters import Filters
from insights.history import PREFIX, seed_history
from marketplace.models import Order, OrderLine, Seller
from return_portal.models import Refund, ReturnLine, ReturnRequest, ReturnStatus

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def history(policies, reasons):
    from policy_pages.demo_orders import seed_demo_orders

    seed_demo_orders()
    return seed_history(days=60, orders_per_day=30, today=TODAY)


def test_it_writes_once_and_keeps_the_books(history):
    assert history > 1000
    assert seed_history(days=60, orders_per_day=30, today=TODAY) == 0
    returns = ReturnRequest.objects.filter(order__reference__startswith=PREFIX)
    assert returns.count() > 100
    statuses = set(returns.values_list("status", flat=True))
    assert {ReturnStatus.CLOSED, ReturnStatus.CANCELLED, ReturnStatus.REJECTED} <= statuses
    for order in Order.objects.filter(reference__startswith=PREFIX, refunded_amount__gt=0)[:50]:
        paid = Refund.objects.filter(order=order).aggregate(total=Sum("amount") + Sum("surcharge"))[
            "total"
        ]
        assert paid == order.refunded_amount <= order.payment_amount


def test_roll_ups_equal_the_source(history):
    period = Filters(start=TODAY - dt.timedelta(days=61), end=TODAY)
    rate = metrics.return_rate(period)
    sold = OrderLine.objects.filter(order__reference__startswith=PREFIX)
    assert rate.units_sold == sold.aggregate(units=Sum("quantity"))["units"]
    back = ReturnLine.objects.filter(order_line__in=sold).exclude(
        return_request__status=ReturnStatus.CANCELLED
    )
    assert rate.units_returned == back.aggregate(units=Sum("quantity"))["units"]


def test_atelier_lumiere_stands_out_for_damage(history):
    period = Filters(start=TODAY - dt.timedelta(days=61), end=TODAY)

    def damaged_share(reference):
        seller = Seller.objects.get(reference=reference)
        mine = Filters(start=period.start, end=period.end, seller_ids=frozenset({seller.pk}))
        counts = metrics.reason_counts(mine)
        total = sum(units for units, _lines in counts.values())
        return counts.get("arrived-damaged", (0, 0))[0] / total

    assert damaged_share("atelier-lumiere") > 2 * damaged_share("lumen-co")
