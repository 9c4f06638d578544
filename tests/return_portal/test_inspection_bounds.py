"""What a unit earns (its price less the pinned policy's restocking fee, never on
a statutory withdrawal nor for a defect) and the bounds the database holds on
its own: a deduction within the earnings, only on a partial refund, a refused
unit earning nothing, one row per unit."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.models import OrderLine
from policy_pages.pins import LinePin
from policy_pages.rules import PolicyRules
from policy_pages.versions import PolicyVersion
from return_portal import inspection
from return_portal.inspection import unit_earnings
from return_portal.models import InspectionOutcome, ReturnLine, ReturnRequest, UnitInspection
from tests.return_portal.test_inspection import PRICE, order, received, staff

__all__ = ["order", "staff"]  # the fixtures of test_inspection.py

Outcome = InspectionOutcome


def row_fields(line, **fields):
    return {
        "return_line": line,
        "unit": 1,
        "checks": {},
        "outcome": Outcome.FULL_REFUND,
        "earnings": PRICE,
        "inspected_at": timezone.now(),
        **fields,
    }


@pytest.mark.parametrize(
    "fields",
    [
        {"outcome": Outcome.PARTIAL_REFUND, "deduction": Decimal("45.01"), "deduction_reason": "x"},
        {"outcome": Outcome.PARTIAL_REFUND, "deduction": Decimal("0")},
        {"outcome": Outcome.FULL_REFUND, "deduction": Decimal("1"), "deduction_reason": "x"},
        {
            "outcome": Outcome.REFUSED,
            "justification": "No",
            "disposition": "return_to_buyer",
        },  # earns
        {
            "outcome": Outcome.REFUSED,
            "earnings": 0,
            "disposition": "return_to_buyer",
        },  # unjustified
        {"outcome": Outcome.REFUSED, "earnings": 0, "justification": "No"},  # goes nowhere
        {"outcome": Outcome.FULL_REFUND, "disposition": "return_to_buyer"},
        {"outcome": "thrown_away"},
        {"unit": 0},
        {"earnings": Decimal("-1")},
    ],
)
def test_the_database_holds_the_same_bounds(order, staff, fields):
    _return_request, line = received(order, staff, quantity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitInspection.objects.create(**row_fields(line, **fields))


def test_the_database_keeps_one_row_per_unit(order, staff):
    _return_request, line = received(order, staff, quantity=1)
    UnitInspection.objects.create(**row_fields(line))
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitInspection.objects.create(**row_fields(line))


# --- what a unit earns: the restocking fee of the pinned policy -------------------------------


def line_under(rules: PolicyRules, *, statutory=False, defect=False, price="45.00"):
    """A returned line pinned to `rules`, in memory."""
    version = PolicyVersion(rules_json=rules.to_canonical_json())
    order_line = OrderLine(unit_price=Decimal(price))
    order_line.pin = LinePin(line=order_line, version=version)
    request = ReturnRequest(statutory=statutory, reason_is_defect=defect)
    return ReturnLine(return_request=request, order_line=order_line, quantity=1)


@pytest.fixture
def restocking_rules(policies):
    rules = PolicyVersion.objects.filter(policy=policies).order_by("number").first().rules
    return PolicyRules.from_dict({**rules.to_dict(), "restocking_fee_percent": "10"})


def test_a_unit_earns_its_price_less_the_policys_restocking_fee(restocking_rules):
    assert unit_earnings(line_under(restocking_rules)) == Decimal("40.50")
    assert inspection.restocking_fee(line_under(restocking_rules, price="9.99")) == Decimal("1.00")


def test_no_restocking_fee_on_a_statutory_withdrawal_nor_for_a_defect(restocking_rules):
    assert unit_earnings(line_under(restocking_rules, statutory=True)) == PRICE
    assert unit_earnings(line_under(restocking_rules, defect=True)) == PRICE


def test_the_demo_policy_charges_no_restocking_fee(order, staff):
    _return_request, line = received(order, staff, quantity=1)
    line = ReturnLine.objects.select_related("return_request", "order_line").get(pk=line.pk)
    assert unit_earnings(line) == PRICE
