"""The settlement's pure function computes the late surcharge (L242-4) itself, from
the due date, the payment instant and the bands; and each line's figures follow
that line's own pinned policy version (lines of one return may differ)."""

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from policy_pages.rules import PolicyRules
from policy_pages.versions import PolicyVersion
from return_portal import inspection, receiving
from return_portal.inspection_rules import CheckResult, UnitResult
from return_portal.models import BackOfficeSettings, InspectionCheck, ReturnStatus
from return_portal.refunds import booking, surcharge
from return_portal.refunds.bands import SurchargeRules, default_bands, parse_bands
from return_portal.refunds.estimate import FigureCode
from return_portal.settlement import Reason, settle
from return_portal.settlement_reading import settlement_input
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import (
    ReturnLineFactory,
    ReturnRequestFactory,
    returns_staff_user,
)
from tests.return_portal.test_settlement import facts, line, rules, unit

D = Decimal
BANDS = SurchargeRules(parse_bands(default_bands()), D("6.650"), D("5"))
DUE = datetime(2026, 5, 4, 21, 59, 59, tzinfo=UTC)  # the end of Monday 4 May in Paris


def late_facts(paid_at, **changes):
    values = {
        "statutory": True,
        "refund_due_by": DUE,
        "paid_at": paid_at,
        "bands": BANDS,
        "lines": (line(1, "49.90", [unit(1)]),),
    }
    values.update(changes)
    return facts(values.pop("lines"), **values)


def late_figures(settlement):
    return [f for f in settlement.figures if f.code == FigureCode.LATE_SURCHARGE]


# --- the late surcharge, in the pure function ------------------------------------------------


def test_paid_on_time_there_is_no_surcharge_figure():
    result = settle(late_facts(DUE - timedelta(hours=1)))
    assert late_figures(result) == [] and result.late_surcharge == 0
    assert result.total == D("49.90")


def test_not_yet_paid_there_is_no_surcharge_figure():
    result = settle(late_facts(None))
    assert late_figures(result) == [] and result.late_surcharge == 0


def test_paid_late_in_france_the_figure_has_the_bands_amount_reason_and_clause():
    paid_at = DUE + timedelta(days=15)  # 15 days late: the 10-20 days band, 5%
    result = settle(late_facts(paid_at))

    (figure,) = late_figures(result)
    # 5% of 49.90 = 2.495, to the cent.
    assert figure.amount == D("2.50") == result.late_surcharge
    assert figure.reason == Reason.PAID_LATE
    assert figure.statute == "C. consom. L242-4"
    assert figure.quantity == 15  # the days late
    # On top of what was due, never in the total.
    assert (result.refund, result.total) == (D("49.90"), D("49.90"))
    assert result.to_dict()["late_surcharge"] == "2.50"


def test_the_surcharge_follows_the_bands_given():
    steep = SurchargeRules(parse_bands([{"from_days": 10, "to_days": 20, "percent": "40"}]),
                           D("6.650"), D("5"))  # fmt: skip
    result = settle(late_facts(DUE + timedelta(days=15), bands=steep))
    assert late_figures(result)[0].amount == D("19.96")  # 40% of 49.90


def test_the_surcharge_is_the_one_the_payment_path_computes(db):
    # Same amount, days and settings: refunds.surcharge at payment, settle here.
    settings = BackOfficeSettings.load()
    paid_at = DUE + timedelta(days=45)
    days = (paid_at.date() - DUE.date()).days
    expected = surcharge.late_surcharge(D("49.90"), D("49.90"), days, "FR", settings)
    result = settle(late_facts(paid_at, bands=surcharge.rules_of(settings)))
    assert expected > 0 and result.late_surcharge == expected


@pytest.mark.parametrize("market", ["DE", "GB"])
def test_outside_france_there_is_no_surcharge_figure(market):
    result = settle(late_facts(DUE + timedelta(days=45), market=market))
    assert late_figures(result) == [] and result.late_surcharge == 0


def test_outside_the_statutory_right_there_is_no_surcharge_figure():
    result = settle(late_facts(DUE + timedelta(days=45), statutory=False))
    assert late_figures(result) == []


def test_the_surcharge_never_exceeds_the_products_price():
    result = settle(late_facts(DUE + timedelta(days=3000)))
    assert late_figures(result)[0].amount == D("49.90")


# --- each line under its own pinned rules ----------------------------------------------------


def test_each_lines_figures_cite_that_lines_own_rules():
    tenth = rules(restocking_fee_percent=D("10"), money_clause="7")
    fifth = rules(restocking_fee_percent=D("20"), money_clause="7-bis", resolutions_clause="5-bis")
    first = line(1, "49.90", [unit(1, earnings="44.91")])  # 10% off
    second = line(2, "49.90", [unit(1, earnings="39.92")])  # 20% off
    result = settle(
        facts(
            [
                replace(first, rules=tenth),
                replace(second, rules=fifth),
            ],
            rules=tenth,
        )
    )
    fees = [(f.order_line, f.amount, f.clause) for f in result.figures
            if f.code == FigureCode.RESTOCKING_FEE]  # fmt: skip
    assert fees == [(1, D("-4.99"), "7"), (2, D("-9.98"), "7-bis")]
    items = [(f.order_line, f.clause) for f in result.figures if f.code == FigureCode.ITEMS]
    assert items == [(1, "5"), (2, "5-bis")]


def test_a_deduction_never_exceeds_what_its_unit_earns():
    own = rules(restocking_fee_percent=D("20"))
    worn = line(1, "49.90", [unit(1, "partial_refund", earnings="39.92", deduction="45.00")])
    result = settle(facts([replace(worn, rules=own)]))
    (deduction,) = [f for f in result.figures if f.code == FigureCode.DEDUCTION]
    assert deduction.amount == D("-39.92")


PASSED = {check.value: CheckResult(True) for check in InspectionCheck}


def version_with(base: PolicyVersion, number: int, **changes) -> PolicyVersion:
    """A further version of `base`'s policy with changed rules (as if published)."""
    new_rules = PolicyRules.from_dict({**base.rules.to_dict(), **changes})
    version = PolicyVersion(
        policy=base.policy,
        number=number,
        kind=base.kind,
        seller_ref=base.seller_ref,
        effective_from=base.effective_from,
        rules_json=new_rules.to_canonical_json(),
        revision=base.revision,
        published_at=base.published_at,
        previous_hash=base.hash,
        hash=hashlib.sha256(f"{base.hash}:{number}".encode()).hexdigest(),
    )
    version.save()
    return version


def test_two_lines_pinned_to_two_versions_each_pay_their_own_restocking_fee(policies, buyer):
    staff = returns_staff_user()
    base = PolicyVersion.objects.filter(policy=policies).order_by("number").first()
    tenth = version_with(base, 90, restocking_fee_percent="10", money_clause="7")
    fifth = version_with(base, 91, restocking_fee_percent="20", money_clause="7-bis")
    order = OrderFactory(buyer=buyer, payment_amount=D("104.70"))
    first = OrderLineFactory(order=order, reference="A", policy_version=tenth)
    second = OrderLineFactory(order=order, reference="B", policy_version=fifth)
    r = ReturnRequestFactory(
        order=order, status=ReturnStatus.APPROVED, statutory=False, reason_is_defect=False
    )
    lines = [ReturnLineFactory(return_request=r, order_line=ol) for ol in (first, second)]
    receiving.receive_all(r, actor=staff)
    inspection.inspect_units(
        r, [(rl.pk, 1, UnitResult("full_refund", PASSED)) for rl in lines], actor=staff
    )
    r.refresh_from_db()

    read = settlement_input(r)
    assert [f.rules.restocking_fee_percent for f in read.lines] == [D("10"), D("20")]
    # The return's own amounts: the policy it was quoted under, the first line's.
    assert read.rules == tenth.rules

    result = booking.preview(r)
    fees = [(f.order_line, f.amount, f.clause) for f in result.figures
            if f.code == FigureCode.RESTOCKING_FEE]  # fmt: skip
    assert fees == [(first.pk, D("-4.99"), "7"), (second.pk, D("-9.98"), "7-bis")]
    assert result.line_amounts("refund") == {first.pk: D("44.91"), second.pk: D("39.92")}


def test_the_reading_gives_the_due_date_and_the_bands(policies, buyer):
    order = OrderFactory(buyer=buyer, payment_amount=D("104.70"))
    ol = OrderLineFactory(order=order, reference="A")
    r = ReturnRequestFactory(order=order, statutory=True, refund_due_by=DUE)
    ReturnLineFactory(return_request=r, order_line=ol)

    read = settlement_input(r, paid_at=DUE + timedelta(days=15))
    assert read.refund_due_by == DUE and read.paid_at == DUE + timedelta(days=15)
    assert read.bands == surcharge.rules_of(BackOfficeSettings.load())
    assert settlement_input(r).paid_at is None
