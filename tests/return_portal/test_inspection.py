"""Inspecting each received unit: every outcome, the checklist, deductions
bounded by the action, refused units earning nothing, only received units, when
the return becomes inspected, a double submit writing one row (also at the same
moment, on PostgreSQL), the sellers' inspect setting, and what the settlement
reads. What a unit earns and the database's own bounds: test_inspection_bounds.py;
photos and the staff's form: test_inspection_admin.py."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import storages
from django.db import connection
from django.utils import timezone
from wagtail.models import ModelLogEntry

from core.models import OutboxMessage
from return_portal import inspection, receiving
from return_portal.actors import ActionDenied
from return_portal.inspection import UnitResult, result_errors
from return_portal.lifecycle import TransitionError
from return_portal.models import (
    BackOfficeSettings,
    InspectionOutcome,
    InspectionPhoto,
    ReturnRequest,
    ReturnStatus,
    UnitInspection,
)
from return_portal.receiving import LineReceipt
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory
from tests.return_portal.factories import (
    ReturnLineFactory,
    ReturnRequestFactory,
    returns_staff_user,
)
from tests.return_portal.inspecting import (
    at_once,
    checklist,
    full_refund,
    inspect_every_unit,
    partial_refund,
    refused,
)

S = ReturnStatus
Outcome = InspectionOutcome
PRICE = Decimal("45.00")


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path, monkeypatch):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    monkeypatch.setattr(InspectionPhoto._meta.get_field("file"), "storage", storages["private"])
    return tmp_path / "private"


@pytest.fixture
def staff(db):
    return returns_staff_user(with_totp=True)


@pytest.fixture
def order(policies, buyer):
    order = OrderFactory(
        buyer=buyer, placed_at=timezone.now() - timedelta(days=6), payment_amount=Decimal("200")
    )
    OrderLineFactory(order=order, reference="A", title="Desk lamp", unit_price=PRICE, quantity=3)
    return order


def received(order, staff, quantity=3, arrived=None, **fields):
    """A return of `quantity` lamps, `arrived` of them received (the rest lost)."""
    return_request = ReturnRequestFactory(order=order, status=S.IN_TRANSIT, **fields)
    line = ReturnLineFactory(
        return_request=return_request, order_line=order.lines.get(reference="A"), quantity=quantity
    )
    arrived = quantity if arrived is None else arrived
    receiving.receive(
        return_request,
        {line.pk: LineReceipt(received=arrived, lost=quantity - arrived)},
        actor=staff,
    )
    return return_request, line


def rows(line):
    return {row.unit: row for row in UnitInspection.objects.filter(return_line=line)}


# --- outcomes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "earns", "deduction"),
    [
        (full_refund(), PRICE, Decimal("0")),
        (partial_refund("12.50", "Scratched shade"), PRICE, Decimal("12.50")),
        (UnitResult(Outcome.REPAIR, checklist(functional="Switch broken")), PRICE, Decimal("0")),
        (UnitResult(Outcome.REPLACEMENT, checklist()), PRICE, Decimal("0")),
        (UnitResult(Outcome.STORE_CREDIT, checklist()), PRICE, Decimal("0")),
        (refused("Another lamp than the one sold", "kept_at_buyers_request"), 0, Decimal("0")),
    ],
)
def test_each_outcome_is_recorded_with_what_the_unit_earns(order, staff, result, earns, deduction):
    return_request, line = received(order, staff, quantity=1)

    inspection.inspect_units(return_request, [(line.pk, 1, result)], actor=staff)

    row = rows(line)[1]
    assert (row.outcome, row.earnings, row.deduction) == (result.outcome, earns, deduction)
    assert row.inspected_by == staff
    assert return_request.status == S.INSPECTED


def test_a_refused_unit_is_justified_says_where_the_goods_go_and_earns_nothing(order, staff):
    return_request, line = received(order, staff, quantity=1)

    inspection.inspect_units(
        return_request,
        [(line.pk, 1, refused(" Serial number differs ", "return_to_buyer"))],
        actor=staff,
    )

    row = rows(line)[1]
    assert (row.earnings, row.deduction) == (0, 0)
    assert (row.justification, row.disposition) == ("Serial number differs", "return_to_buyer")
    [outcome] = inspection.outcomes_of(return_request)
    assert outcome.units[0].paid == 0


@pytest.mark.parametrize(
    "result",
    [
        refused(justification="  "),
        refused(disposition=""),
        refused(disposition="thrown_away"),
        UnitResult(Outcome.FULL_REFUND, checklist(), disposition="return_to_buyer"),
    ],
)
def test_a_refusal_without_its_justification_or_disposition_is_refused(order, staff, result):
    return_request, line = received(order, staff, quantity=1)
    with pytest.raises(ValueError):
        inspection.inspect_units(return_request, [(line.pk, 1, result)], actor=staff)
    assert not UnitInspection.objects.exists()


# --- the checklist ------------------------------------------------------------------------


def test_the_checklist_is_kept_check_by_check(order, staff):
    return_request, line = received(order, staff, quantity=1)
    result = UnitResult(Outcome.REPAIR, checklist(packaging=" Box torn ", functional="No light"))

    inspection.inspect_units(return_request, [(line.pk, 1, result)], actor=staff)

    checks = rows(line)[1].checks
    assert checks["packaging"] == {"passed": False, "note": "Box torn"}
    assert checks["functional"] == {"passed": False, "note": "No light"}
    assert checks["visual"] == {"passed": True, "note": ""}
    assert set(checks) == {"visual", "packaging", "accessories", "functional", "as_described"}


@pytest.mark.parametrize(
    "checks",
    [
        {k: v for k, v in checklist().items() if k != "accessories"},  # a check left out
        checklist(visual=""),  # failed, without saying what
        {**checklist(), "smell": checklist()["visual"]},  # not a check of the list
        checklist(visual="bad\x00note"),
    ],
)
def test_an_incomplete_checklist_is_refused(order, staff, checks):
    return_request, line = received(order, staff, quantity=1)
    with pytest.raises(ValueError):
        inspection.inspect_units(
            return_request, [(line.pk, 1, UnitResult(Outcome.FULL_REFUND, checks))], actor=staff
        )
    assert not UnitInspection.objects.exists()


# --- deductions ---------------------------------------------------------------------------


def test_a_deduction_up_to_what_the_unit_earns_is_accepted(order, staff):
    return_request, line = received(order, staff, quantity=1)
    inspection.inspect_units(return_request, [(line.pk, 1, partial_refund("45.00"))], actor=staff)
    assert rows(line)[1].deduction == PRICE


@pytest.mark.parametrize(
    "result",
    [
        partial_refund("45.01"),  # more than the unit earns
        partial_refund("100.00"),  # the issue's €100 on €45
        partial_refund("0"),  # a partial refund deducts something
        partial_refund("5.00", reason="  "),  # with its reason
        partial_refund("-1"),
        partial_refund("NaN"),
        UnitResult(
            Outcome.FULL_REFUND, checklist(), deduction=Decimal("5")
        ),  # only partial deducts
        UnitResult(Outcome.REFUSED, checklist(), Decimal("5"), "x", "No", "return_to_buyer"),
    ],
)
def test_a_deduction_out_of_bounds_is_refused_by_the_action(order, staff, result):
    return_request, line = received(order, staff, quantity=1)
    with pytest.raises(ValueError):
        inspection.inspect_units(return_request, [(line.pk, 1, result)], actor=staff)
    return_request.refresh_from_db()
    assert return_request.status == S.RECEIVED
    assert not UnitInspection.objects.exists()
    assert not ModelLogEntry.objects.filter(action="return_portal.inspect").exists()


def test_a_policy_that_applies_no_deduction_refuses_one():
    errors = result_errors(partial_refund("5.00"), earnings=PRICE, deduction_allowed=False)
    assert "deduction" in errors
    assert not result_errors(partial_refund("5.00"), earnings=PRICE, deduction_allowed=True)


# --- only received units, and when the return is inspected ------------------------------------


def test_only_received_units_are_inspected(order, staff):
    return_request, line = received(order, staff, quantity=3, arrived=2)
    for unit in (0, 3, "1"):
        with pytest.raises(ValueError):
            inspection.inspect_units(return_request, [(line.pk, unit, full_refund())], actor=staff)
    assert not UnitInspection.objects.exists()


def test_the_return_is_inspected_once_every_received_unit_has_its_result(order, staff):
    return_request, line = received(order, staff, quantity=3, arrived=2)
    emails = OutboxMessage.objects.filter(return_request=return_request).count()

    inspection.inspect_units(return_request, [(line.pk, 1, full_refund())], actor=staff)

    assert return_request.status == S.RECEIVED
    event = return_request.events.last()
    assert (event.code, event.to_status) == ("unit_inspected", S.RECEIVED)
    assert ModelLogEntry.objects.filter(action="return_portal.unit_inspected").count() == 1
    assert OutboxMessage.objects.filter(return_request=return_request).count() == emails

    inspection.inspect_units(return_request, [(line.pk, 2, refused())], actor=staff)

    assert return_request.status == S.INSPECTED
    event = return_request.events.last()
    assert (event.code, event.from_status, event.to_status) == ("", S.RECEIVED, S.INSPECTED)
    assert ModelLogEntry.objects.filter(action="return_portal.inspect").count() == 1
    assert OutboxMessage.objects.filter(return_request=return_request, kind="inspected").exists()


def test_nothing_arrived_nothing_to_inspect(order, staff):
    return_request, _line = received(order, staff, quantity=1, arrived=0)
    inspection.inspect_units(return_request, [], actor=staff)
    assert return_request.status == S.INSPECTED


def test_an_empty_inspection_is_refused_while_units_await(order, staff):
    return_request, _line = received(order, staff, quantity=1)
    with pytest.raises(ValueError):
        inspection.inspect_units(return_request, [], actor=staff)


def test_a_partly_received_return_is_not_inspected_yet(order, staff):
    return_request = ReturnRequestFactory(order=order, status=S.IN_TRANSIT)
    line = ReturnLineFactory(
        return_request=return_request, order_line=order.lines.get(reference="A"), quantity=2
    )
    receiving.receive(return_request, {line.pk: LineReceipt(received=1)}, actor=staff)
    with pytest.raises(TransitionError):
        inspection.inspect_units(return_request, [(line.pk, 1, full_refund())], actor=staff)


def test_a_double_submit_writes_one_row(order, staff):
    return_request, line = received(order, staff, quantity=2)
    inspection.inspect_units(return_request, [(line.pk, 1, full_refund())], actor=staff)

    with pytest.raises(ValueError, match="already inspected"):
        inspection.inspect_units(return_request, [(line.pk, 1, full_refund())], actor=staff)
    with pytest.raises(ValueError, match="already inspected"):
        inspection.inspect_units(
            return_request, [(line.pk, 2, full_refund()), (line.pk, 2, refused())], actor=staff
        )
    assert list(rows(line)) == [1]
    assert return_request.events.filter(code="unit_inspected").count() == 1


# --- who may inspect ----------------------------------------------------------------------


def test_sellers_inspect_setting_refuses_seller_staff_but_not_the_operator(order, staff):
    return_request, line = received(order, staff, quantity=2)
    seller_staff = returns_staff_user(operator=False, sellers=[line.order_line.seller])
    settings = BackOfficeSettings.load()
    settings.sellers_inspect = False
    settings.save()

    with pytest.raises(ActionDenied):
        inspection.inspect_units(return_request, [(line.pk, 1, full_refund())], actor=seller_staff)
    inspection.inspect_units(return_request, [(line.pk, 1, full_refund())], actor=staff)

    settings.sellers_inspect = True
    settings.save()
    inspection.inspect_units(return_request, [(line.pk, 2, full_refund())], actor=seller_staff)
    assert list(rows(line)) == [1, 2]


def test_another_sellers_staff_and_the_buyer_may_not_inspect(order, staff):
    return_request, line = received(order, staff, quantity=1)
    stranger = returns_staff_user(operator=False, sellers=[SellerFactory(reference="other")])
    for actor in (stranger, return_request.buyer, None):
        with pytest.raises(ActionDenied):
            inspection.inspect_units(return_request, [(line.pk, 1, full_refund())], actor=actor)
    assert not UnitInspection.objects.exists()


# --- what the settlement reads ------------------------------------------------------------


def test_outcomes_per_line_for_the_settlement(order, staff):
    return_request, line = received(order, staff, quantity=3, arrived=2)
    inspection.inspect_units(
        return_request,
        [(line.pk, 1, partial_refund("12.50", "Scratched shade")), (line.pk, 2, refused())],
        actor=staff,
    )

    [outcome] = inspection.outcomes_of(return_request)

    assert (outcome.quantity, outcome.received, outcome.lost, outcome.uninspected) == (3, 2, 1, 0)
    assert outcome.by_outcome == {"partial_refund": 1, "refused": 1}
    assert outcome.deductions == [(1, Decimal("12.50"), "Scratched shade")]
    assert outcome.restocking == 0  # the demo policy charges none
    assert [unit.paid for unit in outcome.units] == [Decimal("32.50"), 0]


def test_inspecting_the_whole_return_through_the_helper(order, staff):
    return_request, line = received(order, staff, quantity=2)
    inspect_every_unit(return_request, staff)
    assert return_request.status == S.INSPECTED
    assert set(rows(line)) == {1, 2}


# --- at the same moment (PostgreSQL) ------------------------------------------------------

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no row locks (select_for_update is a no-op there): run with DATABASE_URL",
)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_unit_inspected_twice_at_once_is_recorded_once(order, staff):
    return_request, line = received(order, staff, quantity=1)
    other = returns_staff_user()

    def inspect(actor, result):
        return lambda: inspection.inspect_units(
            ReturnRequest.objects.get(pk=return_request.pk), [(line.pk, 1, result)], actor=actor
        )

    outcomes = at_once(inspect(staff, full_refund()), inspect(other, refused()))

    assert outcomes in (["TransitionError", "ok"], ["ValueError", "ok"])
    assert UnitInspection.objects.filter(return_line=line).count() == 1
    assert ReturnRequest.objects.get(pk=return_request.pk).status == S.INSPECTED
