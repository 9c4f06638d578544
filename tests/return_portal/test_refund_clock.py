"""The refund clock per market (EU: 14 days from the notice, withheld until the
goods or proof of sending; UK: 14 days from the goods or proof; otherwise the
policy's days from receipt), days late in the market's calendar, and the beat
sweep that alerts staff to refunds due within 48 hours and overdue."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import OutboxMessage
from marketplace.models import SellerMembership
from return_portal import lifecycle, receiving, support
from return_portal.legal_calendar import local_date, period_end
from return_portal.models import (
    Refund,
    RefundStatus,
    ReturnEvent,
    ReturnRequest,
    ReturnStatus,
)
from return_portal.receiving import LineReceipt
from return_portal.refunds import alerts, clock
from return_portal.tasks import sweep_returns
from tests.factories import UserFactory
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory
from tests.return_portal.factories import (
    ReturnLineFactory,
    ReturnRequestFactory,
    returns_staff_user,
)

S = ReturnStatus
PARIS = ZoneInfo("Europe/Paris")
LONDON = ZoneInfo("Europe/London")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def end_of(day, zone) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=zone)


def a_return(market="FR", **fields):
    order = OrderFactory(market=market, currency="GBP" if market == "GB" else "EUR")
    return ReturnRequestFactory(order=order, **fields)


# --- the EU: 14 days from the notice ------------------------------------------------


@pytest.mark.parametrize(
    ("notice", "due_day"),
    [
        (paris(2026, 3, 5, 10), (2026, 3, 19)),  # a Thursday: the 14th day
        (paris(2026, 3, 7, 10), (2026, 3, 23)),  # the 14th is a Saturday: Monday
        (paris(2026, 4, 17, 10), (2026, 5, 4)),  # 1 May is a holiday, then a weekend
        (paris(2026, 3, 5, 23, 30), (2026, 3, 19)),  # late at night: that day in Paris
    ],
)
def test_an_eu_refund_is_due_14_days_after_the_notice(notice, due_day):
    assert clock.statutory_due_by("FR", notice) == end_of(datetime(*due_day), PARIS)


def test_the_notice_day_is_the_markets_day():
    # 23:30 UTC on 4 March is already 5 March in Paris.
    notice = datetime(2026, 3, 4, 23, 30, tzinfo=UTC)
    assert clock.statutory_due_by("FR", notice) == end_of(datetime(2026, 3, 19), PARIS)


def test_goods_arriving_after_the_14_days_make_the_refund_due_at_once():
    notice = paris(2026, 3, 5, 10)
    late_goods = paris(2026, 3, 25, 9)
    assert clock.statutory_due_by("FR", notice, paris(2026, 3, 10, 9)) == end_of(
        datetime(2026, 3, 19), PARIS
    )
    assert clock.statutory_due_by("FR", notice, late_goods) == late_goods


@pytest.mark.django_db
def test_a_withdrawal_is_withheld_until_the_goods_or_proof_of_sending(policies):
    notice = timezone.now() - timedelta(days=2)
    withdrawal = a_return(
        status=S.APPROVED,
        statutory=True,
        notice_at=notice,
        refund_due_by=clock.statutory_due_by("FR", notice),
    )
    now = timezone.now()
    assert clock.is_withheld(withdrawal, now)

    # The carrier's scan is the proof of sending.
    lifecycle.mark_in_transit(withdrawal, tracking="6A123")

    withdrawal.refresh_from_db()
    assert withdrawal.goods_or_proof_at is not None
    assert not clock.is_withheld(withdrawal, timezone.now())
    assert withdrawal.refund_due_by == clock.statutory_due_by("FR", notice)
    assert clock.refund_due_by(withdrawal) == withdrawal.refund_due_by


@pytest.mark.django_db
def test_a_withheld_refund_is_not_overdue(policies):
    notice = timezone.now() - timedelta(days=20)
    withheld = a_return(
        status=S.APPROVED,
        statutory=True,
        notice_at=notice,
        refund_due_by=clock.statutory_due_by("FR", notice),
    )
    flagged = support.with_deadlines(ReturnRequest.objects.filter(pk=withheld.pk)).get()
    assert flagged.refund_overdue is False

    ReturnRequest.objects.filter(pk=withheld.pk).update(goods_or_proof_at=notice)
    flagged = support.with_deadlines(ReturnRequest.objects.filter(pk=withheld.pk)).get()
    assert flagged.refund_overdue is True


# --- the UK: 14 days from the goods or proof of sending -----------------------------


@pytest.mark.parametrize(
    ("goods", "due_day"),
    [
        (datetime(2026, 3, 6, 10, tzinfo=LONDON), (2026, 3, 20)),
        (datetime(2026, 3, 7, 10, tzinfo=LONDON), (2026, 3, 21)),  # a Saturday: not moved
    ],
)
def test_a_uk_refund_is_due_14_days_after_the_goods_or_proof(goods, due_day):
    notice = datetime(2026, 3, 1, 10, tzinfo=LONDON)
    assert clock.statutory_due_by("GB", notice) is None  # the clock has not started
    assert clock.statutory_due_by("GB", notice, goods) == end_of(datetime(*due_day), LONDON)


@pytest.mark.django_db
def test_a_uk_return_gets_its_due_date_with_the_proof_of_sending(policies):
    uk = a_return("GB", status=S.APPROVED, statutory=True, notice_at=timezone.now())
    assert clock.refund_due_by(uk) is None

    scanned = timezone.now()
    lifecycle.mark_in_transit(uk, at=scanned)

    uk.refresh_from_db()
    assert uk.refund_due_by == clock.statutory_due_by("GB", uk.notice_at, scanned)


# --- outside the statutory right: the policy's days from receipt --------------------


@pytest.mark.django_db
def test_a_return_outside_the_law_runs_the_policy_days_from_the_first_receipt(policies, buyer):
    staff = returns_staff_user()
    order = OrderFactory(buyer=buyer)
    line = OrderLineFactory(order=order, quantity=2)
    ordinary = ReturnRequestFactory(order=order, status=S.APPROVED, statutory=False)
    returned = ReturnLineFactory(return_request=ordinary, order_line=line, quantity=2)

    lifecycle.mark_in_transit(ordinary, tracking="6A1")
    ordinary.refresh_from_db()
    assert ordinary.refund_due_by is None  # proof of sending starts no policy clock

    received_at = timezone.now() - timedelta(hours=1)
    receiving.receive(ordinary, {returned.pk: LineReceipt(received=1)}, actor=staff, at=received_at)
    ordinary.refresh_from_db()
    days = line.pin.version.rules.refund_days
    expected = period_end(local_date(received_at, "FR"), days, "FR")
    assert ordinary.refund_due_by == expected
    assert clock.refund_due_by(ordinary) == expected  # read back from the receipt's event

    receiving.receive(ordinary, {returned.pk: LineReceipt(received=1)}, actor=staff)
    ordinary.refresh_from_db()
    assert ordinary.refund_due_by == expected


# --- days late ------------------------------------------------------------------------

DUE = end_of(datetime(2026, 3, 16), PARIS)


@pytest.mark.parametrize(
    ("paid", "late"),
    [
        (paris(2026, 3, 10, 12), 0),
        (paris(2026, 3, 16, 23, 30), 0),
        (paris(2026, 3, 17, 0, 10), 1),  # 23:10 UTC on the 16th, but the 17th in Paris
        (paris(2026, 3, 26, 9), 10),
        (paris(2026, 4, 15, 9), 30),  # across the change to summer time
    ],
)
def test_days_late_are_calendar_days_in_the_markets_zone(paid, late):
    assert clock.days_late(DUE.astimezone(UTC), paid.astimezone(UTC), market="FR") == late


def test_days_late_without_a_due_date_or_a_payment():
    assert clock.days_late(None, paris(2026, 3, 20)) == 0
    assert clock.days_late(DUE, None) == 0
    assert clock.days_late(DUE, paris(2026, 3, 18)) == 2  # the due date's own zone


# --- the sweep --------------------------------------------------------------------------


@pytest.fixture
def team(db):
    """The operator's staff, the seller's staff, another seller's staff."""
    seller = SellerFactory(reference="maison-durand")
    other = SellerFactory(reference="other-shop")
    return {
        "operator": returns_staff_user(email="ops@example.com"),
        "seller": returns_staff_user(operator=False, sellers=[seller], email="durand@example.com"),
        "other": returns_staff_user(operator=False, sellers=[other], email="other@example.com"),
        "seller_row": seller,
    }


def due_return(buyer, due_in: timedelta, **fields):
    order = OrderFactory(buyer=buyer)
    line = OrderLineFactory(order=order)
    values = {
        "status": S.RECEIVED,
        "statutory": True,
        "notice_at": timezone.now() - timedelta(days=10),
        "goods_or_proof_at": timezone.now() - timedelta(days=5),
        "refund_due_by": timezone.now() + due_in,
        **fields,
    }
    return_request = ReturnRequestFactory(order=order, **values)
    ReturnLineFactory(return_request=return_request, order_line=line)
    return ReturnRequest.objects.get(pk=return_request.pk)


def alert_recipients(return_request, kind):
    return set(
        OutboxMessage.objects.filter(return_request=return_request, kind=kind).values_list(
            "recipient", flat=True
        )
    )


def test_staff_are_told_once_when_a_refund_is_due_within_48_hours(policies, buyer, team):
    soon = due_return(buyer, timedelta(hours=30))
    token_user = UserFactory(email="token-9@api-tokens.invalid")  # an API token's user
    token_user.user_permissions.set(team["operator"].user_permissions.all())
    SellerMembership.objects.create(user=token_user, seller=team["seller_row"])

    assert alerts.sweep_refund_clock(timezone.now()) == {"due_soon": 1, "overdue": 0}

    soon.refresh_from_db()
    assert soon.refund_alert == alerts.DUE_SOON
    recipients = alert_recipients(soon, "refund_due_soon")
    assert {"ops@example.com", "durand@example.com"} <= recipients
    assert not {"other@example.com", token_user.email, buyer.email} & recipients
    message = OutboxMessage.objects.filter(recipient="durand@example.com").get()
    assert soon.rma in message.subject and "48 hours" in message.subject
    assert reverse("returns:inspect", args=[soon.pk]) in message.body
    event = ReturnEvent.objects.get(return_request=soon, code="refund_due_soon")
    assert event.actor is None and event.to_status == S.RECEIVED

    # Once per state: the next sweep says nothing more.
    assert alerts.sweep_refund_clock(timezone.now()) == {"due_soon": 0, "overdue": 0}
    assert len(alert_recipients(soon, "refund_due_soon")) == len(recipients)


def test_an_overdue_refund_is_alerted_once_more(policies, buyer, team):
    soon = due_return(buyer, timedelta(hours=30))
    alerts.sweep_refund_clock(timezone.now())

    later = timezone.now() + timedelta(days=2)
    assert alerts.sweep_refund_clock(later) == {"due_soon": 0, "overdue": 1}
    assert alerts.sweep_refund_clock(later + timedelta(hours=1)) == {"due_soon": 0, "overdue": 0}

    soon.refresh_from_db()
    assert soon.refund_alert == alerts.OVERDUE
    assert "ops@example.com" in alert_recipients(soon, "refund_overdue")
    overdue_mail = OutboxMessage.objects.get(recipient="durand@example.com", kind="refund_overdue")
    assert "overdue" in overdue_mail.subject.lower()
    assert "L242-4" in overdue_mail.body  # a French statutory refund


def test_an_overdue_refund_never_alerted_goes_straight_to_overdue(policies, buyer, team):
    late = due_return(buyer, -timedelta(days=3))
    assert alerts.sweep_refund_clock(timezone.now()) == {"due_soon": 0, "overdue": 1}
    assert not OutboxMessage.objects.filter(return_request=late, kind="refund_due_soon").exists()


def test_nothing_is_alerted_when_nothing_is_owed_or_it_may_be_withheld(policies, buyer, team):
    paid = due_return(buyer, timedelta(hours=3), status=S.RESOLVED)
    Refund.objects.create(
        order=paid.order,
        return_request=paid,
        amount=Decimal("49.90"),
        currency="EUR",
        resolution="refund",
        idempotency_key="refund:paid",
        status=RefundStatus.SUCCEEDED,
    )
    due_return(buyer, timedelta(hours=3), goods_or_proof_at=None)  # withheld
    due_return(buyer, timedelta(hours=3), status=S.REJECTED)
    due_return(buyer, timedelta(hours=3), resolution="exchange")
    due_return(buyer, timedelta(hours=3), status=S.CLOSED)  # settled with nothing to pay
    due_return(buyer, timedelta(days=4))  # not yet

    assert alerts.sweep_refund_clock(timezone.now()) == {"due_soon": 0, "overdue": 0}
    assert not OutboxMessage.objects.exists()


def test_a_refund_booked_but_not_paid_is_alerted(policies, buyer, team):
    pending = due_return(buyer, -timedelta(hours=1), status=S.RESOLVED)
    Refund.objects.create(
        order=pending.order,
        return_request=pending,
        amount=Decimal("49.90"),
        currency="EUR",
        resolution="refund",
        idempotency_key="refund:pending",
        status=RefundStatus.FAILED,
    )
    assert alerts.sweep_refund_clock(timezone.now())["overdue"] == 1


def test_a_new_due_date_alerts_afresh(policies, buyer, team):
    notice = timezone.now() - timedelta(days=13)
    withdrawal = due_return(
        buyer,
        timedelta(0),
        status=S.APPROVED,
        notice_at=notice,
        goods_or_proof_at=notice,
        refund_due_by=clock.statutory_due_by("FR", notice),
        refund_alert=alerts.OVERDUE,
    )
    withdrawal.goods_or_proof_at = None
    clock.goods_or_proof_arrived(withdrawal, timezone.now() + timedelta(days=5), received=True)
    assert withdrawal.refund_alert == ""


def test_the_beat_sweep_runs_the_refund_clock(policies, buyer, team):
    due_return(buyer, timedelta(hours=1))
    result = sweep_returns()
    assert result["refund_alerts"] == {"due_soon": 1, "overdue": 0}
