"""The roll-ups against the source, on a world small enough to check by hand:
sales and return lines per product, stage-time histograms, deadlines kept,
money paid back and inspection outcomes; a rebuild run twice; the day a return
counts on, in the marketplace's time zone."""

import datetime as dt
from decimal import Decimal

import pytest

from insights.models import (
    InspectionDay,
    ReturnDay,
    ReturnOutcomeDay,
    SalesDay,
    SlaDay,
    Stage,
    StageDay,
)
from insights.rebuild import rebuild_range
from insights.rollup import rebuild_slice
from return_portal.models import ReturnStatus
from tests.insights.world import (
    DAY,
    HOUR,
    MORNING,
    PARIS,
    event,
    inspect,
    refund,
    request_return,
    sell,
    two_sellers,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(policies, reasons):
    a, b, shoes, coats = two_sellers()
    lines = {
        "boots": sell(a, shoes, "BOOT-1", 4, "50.00"),
        "sandals": sell(a, shoes, "SAND-1", 2, "30.00"),
        "parka": sell(a, coats, "PARKA-1", 1, "200.00"),
        "other": sell(b, coats, "COAT-B", 3, "80.00"),
    }
    return a, b, lines


def test_sales_per_product_and_day(world):
    a, b, _ = world
    rebuild_slice(DAY, a.pk)
    rows = {r.sku: (r.units, r.value, r.category.code) for r in SalesDay.objects.filter(seller=a)}
    assert rows == {
        "BOOT-1": (4, Decimal("200.00"), "shoes"),
        "SAND-1": (2, Decimal("60.00"), "shoes"),
        "PARKA-1": (1, Decimal("200.00"), "coats"),
    }
    # Seller B's slice is another slice: not built by A's rebuild.
    assert not SalesDay.objects.filter(seller=b).exists()


def test_return_lines_leave_cancelled_out(world):
    a, _, lines = world
    request_return(lines["boots"], 2, "too-small")
    request_return(lines["sandals"], 1, "defective", resolution="store_credit")
    request_return(lines["parka"], 1, "too-large", status=ReturnStatus.CANCELLED)
    rebuild_slice(DAY, a.pk)
    rows = {
        (r.sku, r.reason, r.resolution): (r.lines, r.units, r.value)
        for r in ReturnDay.objects.filter(seller=a)
    }
    assert rows == {
        ("BOOT-1", "too-small", "refund"): (1, 2, Decimal("100.00")),
        ("SAND-1", "defective", "store_credit"): (1, 1, Decimal("30.00")),
    }


def test_stage_histograms_give_exact_means_and_hour_buckets(world):
    a, _, lines = world
    first = request_return(lines["boots"], 1, "too-small").return_request
    second = request_return(lines["sandals"], 1, "too-small").return_request
    for request, approval_hours in ((first, 5.5), (second, 30)):
        event(request, ReturnStatus.APPROVED, MORNING + approval_hours * HOUR)
    event(first, ReturnStatus.IN_TRANSIT, MORNING + 10 * HOUR)
    # A receipt's event with a code is not a change of status: not a milestone.
    event(first, ReturnStatus.RECEIVED, MORNING + 11 * HOUR, code="units_received")
    rebuild_slice(DAY, a.pk)
    approval = {
        r.hours: (r.returns, r.seconds) for r in StageDay.objects.filter(stage=Stage.APPROVAL)
    }
    assert approval == {5: (1, 5.5 * 3600), 30: (1, 30 * 3600)}
    shipping = StageDay.objects.get(stage=Stage.SHIPPING)
    assert (shipping.hours, shipping.seconds) == (4, int(4.5 * 3600))
    assert not StageDay.objects.filter(stage__in=[Stage.TRANSIT, Stage.TOTAL]).exists()


def test_deadlines_on_time_late_and_overdue(world):
    a, _, lines = world
    due = MORNING + 48 * HOUR
    on_time = request_return(lines["boots"], 1, "too-small", approval_due_by=due).return_request
    late = request_return(lines["sandals"], 1, "too-small", approval_due_by=due).return_request
    request_return(lines["parka"], 1, "too-small", approval_due_by=due)  # undecided, past due
    event(on_time, ReturnStatus.APPROVED, due - HOUR)
    event(late, ReturnStatus.REJECTED, due + HOUR)
    refund(on_time, "50.00", due_by=due + 24 * HOUR, paid_at=due + 25 * HOUR, surcharge="5.00")
    rebuild_slice(DAY, a.pk)
    approval = SlaDay.objects.get(step="approval")
    assert (approval.on_time, approval.late, approval.overdue) == (1, 1, 1)
    paid = SlaDay.objects.get(step="refund")
    assert (paid.on_time, paid.late, paid.overdue) == (0, 1, 0)


def test_money_paid_back_by_kind(world):
    a, _, lines = world
    money = request_return(lines["boots"], 2, "too-small").return_request
    credit = request_return(lines["sandals"], 1, "too-small", resolution="store_credit")
    due = MORNING + 14 * 24 * HOUR
    refund(money, "100.00", due_by=due, paid_at=due + HOUR, surcharge="10.00")
    refund(
        credit.return_request, "30.00", due_by=due, paid_at=due - HOUR, resolution="store_credit"
    )
    rebuild_slice(DAY, a.pk)
    rows = {r.resolution: r for r in ReturnOutcomeDay.objects.filter(seller=a)}
    assert (rows["refund"].refunded, rows["refund"].surcharges, rows["refund"].refunds_late) == (
        Decimal("100.00"),
        Decimal("10.00"),
        1,
    )
    assert (rows["store_credit"].credited, rows["store_credit"].refunds_late) == (
        Decimal("30.00"),
        0,
    )


def test_inspection_outcomes_and_no_defect_found(world):
    a, _, lines = world
    claim = request_return(lines["boots"], 2, "defective")
    inspect(claim, 1, "full_refund")  # every check passed: no defect found
    inspect(claim, 2, "full_refund", failed=("functional",))
    other = request_return(lines["sandals"], 1, "too-small")
    inspect(other, 1, "partial_refund", deduction="4.50")
    rebuild_slice(DAY, a.pk)
    defect = InspectionDay.objects.get(reason="defective")
    assert (defect.units, defect.defect_claims, defect.no_defect_found) == (2, 2, 1)
    size = InspectionDay.objects.get(reason="too-small")
    assert (size.outcome, size.deductions, size.defect_claims) == (
        "partial_refund",
        Decimal("4.50"),
        0,
    )


def test_a_rebuild_run_twice_gives_the_same_rows(world):
    a, _, lines = world
    request_return(lines["boots"], 2, "too-small")

    def snapshot():
        return sorted((r.sku, r.units, r.value) for r in SalesDay.objects.all()), sorted(
            (r.sku, r.units) for r in ReturnDay.objects.all()
        )

    rebuild_slice(DAY, a.pk)
    once = snapshot()
    rebuild_slice(DAY, a.pk)
    assert snapshot() == once
    assert once[1] == [("BOOT-1", 2)]


def test_a_range_rebuild_removes_rows_the_source_no_longer_has(world):
    a, b, lines = world
    rebuild_range(DAY, DAY)
    assert SalesDay.objects.filter(seller=b).exists()
    lines["other"].delete()
    rebuild_range(DAY, DAY)
    assert not SalesDay.objects.filter(seller=b).exists()
    assert SalesDay.objects.filter(seller=a).count() == 3


def test_a_return_counts_on_its_day_in_the_marketplace_time_zone(world):
    a, _, lines = world
    # 23:30 UTC on 1 March is 00:30 on 2 March in Paris.
    late_evening = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
    request_return(lines["boots"], 1, "too-small", at=late_evening)
    rebuild_slice(DAY - dt.timedelta(days=1), a.pk)
    assert not ReturnDay.objects.exists()
    rebuild_slice(DAY, a.pk)
    assert ReturnDay.objects.get().day == late_evening.astimezone(PARIS).date() == DAY


def test_the_inspection_deadline_counts_from_the_goods_arrival(world):
    from return_portal.models import BackOfficeSettings

    a, _, lines = world
    days = BackOfficeSettings.load().inspection_sla_days
    quick = request_return(lines["boots"], 1, "too-small").return_request
    slow = request_return(lines["sandals"], 1, "too-small").return_request
    for request, after in ((quick, days * 24 - 1), (slow, days * 24 + 1)):
        event(request, ReturnStatus.RECEIVED, MORNING + HOUR)
        event(request, ReturnStatus.INSPECTED, MORNING + HOUR + after * HOUR)
    rebuild_slice(DAY, a.pk)
    inspected = SlaDay.objects.get(step="inspection")
    assert (inspected.on_time, inspected.late, inspected.overdue) == (1, 1, 0)
