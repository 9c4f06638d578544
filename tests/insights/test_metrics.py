"""Each KPI on a small world checked by hand, and the roll-ups against the
same figure computed straight from the source tables."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import F, Sum

from insights import metrics
from insights.filters import FilterError, Filters
from insights.rebuild import rebuild_range
from marketplace.models import OrderLine
from return_portal.models import ReturnLine, ReturnStatus
from tests.insights.world import (
    DAY,
    HOUR,
    MORNING,
    event,
    inspect,
    refund,
    request_return,
    sell,
    two_sellers,
)

pytestmark = pytest.mark.django_db
WEEK = Filters(start=DAY - dt.timedelta(days=6), end=DAY)


@pytest.fixture
def world(policies, reasons):
    a, b, shoes, coats = two_sellers()
    boots = sell(a, shoes, "BOOT-1", 4, "50.00")
    sandals = sell(a, shoes, "SAND-1", 2, "30.00")
    parka = sell(a, coats, "PARKA-1", 1, "200.00")
    other = sell(b, coats, "COAT-B", 3, "80.00")
    small = request_return(boots, 2, "too-small").return_request
    request_return(sandals, 1, "too-large", resolution="store_credit")
    damaged = request_return(other, 1, "arrived-damaged", resolution="exchange")
    request_return(parka, 1, "too-small", status=ReturnStatus.CANCELLED)
    # Approved after 2 h, 4 h and 30 h.
    event(small, ReturnStatus.APPROVED, MORNING + 2 * HOUR)
    event(damaged.return_request, ReturnStatus.APPROVED, MORNING + 30 * HOUR)
    due = MORNING + 14 * 24 * HOUR
    refund(small, "100.00", due_by=due, paid_at=due + HOUR, surcharge="10.00")
    inspect(damaged, 1, "refused")
    # Last month: one boot sold, none returned (the previous period).
    sell(a, shoes, "BOOT-1", 1, "50.00", at=MORNING - dt.timedelta(days=10))
    rebuild_range(DAY - dt.timedelta(days=30), DAY)
    return a, b


def test_return_rate_in_units_and_value(world):
    rate = metrics.return_rate(WEEK)
    # Sold 4 + 2 + 1 + 3 = 10 units for 200 + 60 + 200 + 240 = 700.00;
    # returned 2 boots, 1 sandal, 1 coat (the parka's return was cancelled).
    assert (rate.units_sold, rate.units_returned) == (10, 4)
    assert (rate.value_sold, rate.value_returned) == (Decimal("700.00"), Decimal("210.00"))
    assert rate.unit_rate == pytest.approx(0.4)
    assert rate.value_rate == Decimal("0.3")


def test_the_previous_period_and_an_empty_one(world):
    previous = metrics.return_rate(WEEK.previous())
    assert (previous.units_sold, previous.units_returned, previous.unit_rate) == (1, 0, 0)
    empty = metrics.return_rate(Filters(start=dt.date(2020, 1, 1), end=dt.date(2020, 1, 31)))
    assert (empty.units_sold, empty.unit_rate, empty.value_rate) == (0, None, None)


def test_return_rates_by_category_and_seller(world):
    a, _b = world
    by_category = {
        r.key: (r.units_sold, r.units_returned) for r in metrics.return_rates_by(WEEK, "category")
    }
    assert by_category == {"shoes": (6, 3), "coats": (4, 1)}
    mine = Filters(start=WEEK.start, end=WEEK.end, seller_ids=frozenset({a.pk}))
    by_seller = {r.key: r.unit_rate for r in metrics.return_rates_by(mine, "seller")}
    assert by_seller == {a.name: pytest.approx(3 / 7)}


def test_the_reason_tree_and_its_filter(world):
    tree = metrics.reason_tree(WEEK, metrics.reason_parents())
    as_counts = {
        node.code: (node.units, {child.code: child.units for child in node.children})
        for node in tree
    }
    assert as_counts == {
        "size-fit": (3, {"too-small": 2, "too-large": 1}),
        "item-problem": (1, {"arrived-damaged": 1}),
    }
    # Drilling into one leaf narrows the returns, not the sales.
    leaf = Filters(start=WEEK.start, end=WEEK.end, reason_codes=frozenset({"too-small"}))
    rate = metrics.return_rate(leaf)
    assert (rate.units_sold, rate.units_returned) == (10, 2)


def test_resolutions_and_retained_revenue(world):
    mix = metrics.resolutions(WEEK)
    assert mix.units == {"refund": 2, "store_credit": 1, "exchange": 1}
    assert mix.refunded == Decimal("100.00")
    assert mix.retained == Decimal("0.00")  # no credit paid nor exchange recorded yet
    assert mix.retained_share == 0


def test_stage_times(world):
    approval = next(s for s in metrics.stage_times(WEEK) if s.stage == "approval")
    assert approval.returns == 2
    assert approval.mean_hours == pytest.approx(16)
    assert (approval.p50_hours, approval.p90_hours) == (2, 30)


def test_deadlines_refunds_and_inspections(world):
    money = metrics.refunds_and_deadlines(WEEK)
    assert (money.refunded, money.refunds_late, money.surcharges) == (
        Decimal("100.00"),
        1,
        Decimal("10.00"),
    )
    refund_step = next(d for d in money.deadlines if d.step == "refund")
    assert (refund_step.on_time, refund_step.late, refund_step.compliance) == (0, 1, 0)
    checked = metrics.inspections(WEEK)
    assert (checked.units, checked.refused_share) == (1, 1)
    assert (checked.defect_claims, checked.no_defect_found) == (1, 1)


def test_nearest_rank():
    histogram = [(1, 5), (2, 4), (10, 1)]
    assert metrics.nearest_rank(histogram, 0.5) == 1
    assert metrics.nearest_rank(histogram, 0.9) == 2
    assert metrics.nearest_rank(histogram, 0.91) == 10
    assert metrics.nearest_rank([], 0.5) is None


def test_roll_ups_equal_a_direct_computation(world):
    start, end = MORNING - dt.timedelta(days=30), MORNING + dt.timedelta(days=1)
    sold = OrderLine.objects.filter(order__placed_at__gte=start, order__placed_at__lt=end)
    returned = ReturnLine.objects.filter(
        return_request__created_at__gte=start, return_request__created_at__lt=end
    ).exclude(return_request__status=ReturnStatus.CANCELLED)
    direct_sold = sold.aggregate(units=Sum("quantity"), value=Sum(F("quantity") * F("unit_price")))
    direct_back = returned.aggregate(
        units=Sum("quantity"), value=Sum(F("quantity") * F("order_line__unit_price"))
    )
    rate = metrics.return_rate(Filters(start=DAY - dt.timedelta(days=30), end=DAY))
    assert (rate.units_sold, rate.value_sold) == (direct_sold["units"], direct_sold["value"])
    assert (rate.units_returned, rate.value_returned) == (
        direct_back["units"],
        direct_back["value"],
    )


def test_bad_periods_are_refused():
    with pytest.raises(FilterError):
        Filters(start=DAY, end=DAY - dt.timedelta(days=1))
    with pytest.raises(FilterError):
        Filters(start=dt.date(2020, 1, 1), end=dt.date(2026, 1, 1))


def test_return_rates_week_by_week_then_month_by_month(world):
    weekly = metrics.return_rates_by(WEEK, "period")
    assert [(r.key, r.units_sold, r.units_returned) for r in weekly] == [("2026-W10", 10, 4)]
    season = Filters(start=DAY - dt.timedelta(days=119), end=DAY)
    monthly = metrics.return_rates_by(season, "period")
    assert [(r.key, r.units_sold, r.units_returned) for r in monthly] == [
        ("2026-02", 1, 0),
        ("2026-03", 10, 4),
    ]
