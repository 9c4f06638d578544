"""Abuse signals (issue 13, point 5): a buyer's figures over a rolling 90 days
(return_portal/abuse.py), the thresholds they cross, and the blocklist's matches."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from return_portal import abuse
from return_portal.models import InspectionOutcome, ReturnReason, ReturnRequest, UnitInspection
from screening.models import BlockedEntry, BlockKind, ScreeningSettings
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import ReturnLineFactory

pytestmark = pytest.mark.django_db


def ago(days):
    return timezone.now() - timedelta(days=days)


def bought(buyer, *, days=10, units=2, price="50.00", **order_fields):
    order = OrderFactory(buyer=buyer, placed_at=ago(days), **order_fields)
    line = OrderLineFactory(order=order, quantity=units, unit_price=Decimal(price))
    return order, line


def returned(line, *, units=1, days=5, status="requested", reason=None):
    return_request = ReturnLineFactory(order_line=line, quantity=units).return_request
    ReturnRequest.objects.filter(pk=return_request.pk).update(
        created_at=ago(days), status=status, reason=reason
    )
    return return_request


def inspected(return_request, **checks):
    """Each unit of the return inspected, with these checks' results."""
    for line in return_request.lines.all():
        for unit in range(1, line.quantity + 1):
            UnitInspection.objects.create(
                return_line=line,
                unit=unit,
                checks={name: {"passed": passed, "note": ""} for name, passed in checks.items()},
                outcome=InspectionOutcome.FULL_REFUND,
                earnings=Decimal("10"),
                inspected_at=timezone.now(),
            )


def rules(**values) -> ScreeningSettings:
    return ScreeningSettings(**{"min_returns": 1, **values})


@pytest.fixture
def nad(reasons):
    return ReturnReason.objects.get(code=abuse.NOT_AS_DESCRIBED, locale__language_code="en")


def test_the_rates_and_the_count_read_the_last_90_days_only(buyer):
    order, line = bought(buyer, units=4, price="25.00")  # 4 units, 100.00
    returned(line, units=1)
    returned(line, units=1, status="cancelled")  # taken back: counts for nothing
    _old_order, old_line = bought(buyer, days=120, units=10, price="100.00")
    returned(old_line, units=5, days=100)  # outside the window
    _other, other_line = bought(None, buyer_email="someone@example.com")
    returned(other_line, units=2)  # another buyer's

    figures = abuse.measure(order, timezone.now())

    assert (figures.returns, figures.units_bought, figures.units_returned) == (1, 4, 1)
    assert (figures.value_bought, figures.value_returned) == (Decimal("100"), Decimal("25"))
    assert (figures.unit_rate, figures.value_rate) == (Decimal("25.00"), Decimal("25.00"))


def test_a_guest_order_under_the_buyers_email_counts_for_the_buyer(buyer):
    order, _line = bought(buyer, units=2)
    _guest, guest_line = bought(None, buyer_email=buyer.email.upper(), units=2)
    returned(guest_line, units=2)

    figures = abuse.measure(order, timezone.now())

    assert (figures.returns, figures.units_bought, figures.units_returned) == (1, 4, 2)


def test_the_return_being_made_counts_with_the_others(buyer):
    order, _line = bought(buyer, units=2)

    figures = abuse.measure(
        order, timezone.now(), pending=abuse.Pending(units=2, value=Decimal("100"))
    )

    assert (figures.returns, figures.unit_rate, figures.value_rate) == (
        1,
        Decimal("100.00"),
        Decimal("100.00"),
    )


def test_the_share_of_not_as_described_claims_with_no_defect_found(buyer, nad):
    order, line = bought(buyer, units=10)
    inspected(returned(line, reason=nad), as_described=True, functional=True)  # no defect
    inspected(returned(line, reason=nad), as_described=True)  # no defect either
    inspected(returned(line, reason=nad), as_described=False)  # the defect is real
    inspected(returned(line, reason=nad), functional=False)  # so is this one
    returned(line, reason=nad)  # not inspected yet: not counted
    inspected(returned(line), as_described=True)  # another reason

    figures = abuse.measure(order, timezone.now())

    assert (figures.nad_claims, figures.nad_no_defect, figures.nad_share) == (
        4,
        2,
        Decimal("50.00"),
    )
    assert figures.returns == 6


def test_the_figures_cost_the_same_queries_with_1_return_or_20(buyer, nad):
    order, line = bought(buyer, units=40)

    def count():
        with CaptureQueriesContext(connection) as queries:
            abuse.measure(order, timezone.now())
        return len(queries)

    inspected(returned(line, reason=nad), as_described=True)
    few = count()
    for _ in range(19):
        inspected(returned(line, reason=nad), as_described=False)
    assert count() == few == 3


def test_each_threshold_is_crossed_strictly_above_and_off_when_empty():
    figures = abuse.Screening(
        returns=4,
        units_bought=10,
        units_returned=5,
        value_bought=Decimal("200"),
        value_returned=Decimal("150"),
        nad_claims=2,
        nad_no_defect=2,
    )

    assert abuse.crossed(figures, rules()) == ()  # every threshold off
    signals = abuse.crossed(
        figures,
        rules(
            max_returns=3,
            max_value_rate=Decimal("74.99"),
            max_unit_rate=Decimal("50"),  # 50 %: not above
            max_not_as_described_share=Decimal("90"),
        ),
    )
    assert [s.code for s in signals] == [abuse.RETURNS, abuse.VALUE_RATE, abuse.NAD_SHARE]
    assert signals[0].detail == "4 > 3"
    assert signals[1].detail == "75.00% > 74.99%"
    assert abuse.crossed(figures, rules(max_returns=4)) == ()


def test_rates_count_only_from_the_minimum_number_of_returns():
    figures = abuse.Screening(returns=2, units_bought=2, units_returned=2)
    strict = {"max_unit_rate": Decimal("10"), "max_returns": 5}

    assert abuse.crossed(figures, rules(min_returns=3, **strict)) == ()
    assert [s.code for s in abuse.crossed(figures, rules(min_returns=2, **strict))] == [
        abuse.UNIT_RATE
    ]


def test_no_query_of_the_history_while_every_threshold_is_off(buyer):
    order, _line = bought(buyer)
    ScreeningSettings.load()  # created

    with CaptureQueriesContext(connection) as queries:
        verdict = abuse.screen(order, timezone.now())

    assert not verdict.flagged
    assert len(queries) == 1  # the settings, with whether the blocklist names the buyer


def test_the_blocklist_matches_the_email_in_any_case_or_the_order_reference(buyer):
    order, _line = bought(buyer, reference="BLK-0001")
    BlockedEntry.objects.create(kind=BlockKind.EMAIL, value=buyer.email.upper(), reason="Fraud")
    by_email = abuse.screen(order, timezone.now())
    BlockedEntry.objects.all().delete()
    BlockedEntry.objects.create(kind=BlockKind.ORDER, value="BLK-0001", reason="Chargeback")
    by_order = abuse.screen(order, timezone.now())
    other, _other_line = bought(buyer, reference="BLK-0002")

    assert by_email.codes == [abuse.BLOCKLISTED]
    assert f"email {buyer.email.lower()} (Fraud)" == by_email.signals[0].detail
    assert by_order.codes == [abuse.BLOCKLISTED] and "Chargeback" in by_order.note()
    assert not abuse.screen(other, timezone.now()).flagged  # another order of theirs


def test_an_expired_entry_no_longer_counts(buyer):
    order, _line = bought(buyer)
    entry = BlockedEntry.objects.create(
        kind=BlockKind.EMAIL, value=buyer.email, reason="x", expires_at=ago(-1)
    )
    assert abuse.screen(order, timezone.now()).flagged  # until tomorrow

    BlockedEntry.objects.filter(pk=entry.pk).update(expires_at=ago(1))
    assert not abuse.screen(order, timezone.now()).flagged


def test_the_note_reads_back_as_its_signals():
    verdict = abuse.Screening(
        signals=(abuse.Signal(abuse.RETURNS, "4 > 3"), abuse.Signal(abuse.BLOCKLISTED, "a: b"))
    )

    parsed = abuse.parse_note(verdict.note())

    assert parsed == list(verdict.signals)
    assert parsed[0].label == "Many returns in 90 days"
