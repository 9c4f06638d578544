"""The French late-refund surcharge (C. consom. L242-4): a table of days late to
the amount owed, the cap at the product's price, France only, the bands table
in the back office's settings (checked, with errors at the field), and the
surcharge paid with a late refund."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from return_portal.models import BackOfficeSettings, RefundStatus
from return_portal.refunds import payout
from return_portal.refunds.bands import Band, default_bands, parse_bands
from return_portal.refunds.payout import PaymentError
from return_portal.refunds.surcharge import late_surcharge, surcharge_percent
from return_portal.tasks import execute_refund
from tests.factories import StaffUserFactory
from tests.return_portal.refunding import events, make_refund, simulated_gateway

HUNDRED = Decimal("100.00")


@pytest.fixture
def gateway(settings):
    return simulated_gateway(settings)


@pytest.fixture
def back_office(db):
    return BackOfficeSettings.load()


# Legal interest 6.65% a year pro rata up to 10 days; then the DOMAIN.md bands;
# past 90 days, 5 more points per month begun; never above the product's price.
@pytest.mark.parametrize(
    ("days", "owed"),
    [
        (0, "0.00"),
        (1, "0.02"),  # 100 x 6.65% x 1/365
        (10, "0.18"),
        (11, "5.00"),
        (20, "5.00"),
        (21, "10.00"),
        (30, "10.00"),
        (31, "20.00"),
        (60, "20.00"),
        (61, "50.00"),
        (90, "50.00"),
        (91, "55.00"),
        (120, "55.00"),
        (121, "60.00"),
        (390, "100.00"),  # 50 + 10 months x 5 = 100%: the product's price
        (900, "100.00"),  # capped
    ],
)
def test_days_late_to_amount(back_office, days, owed):
    assert late_surcharge(HUNDRED, HUNDRED, days, "FR", back_office) == Decimal(owed)


def test_the_cap_is_the_products_price(back_office):
    assert late_surcharge(HUNDRED, Decimal("30.00"), 61, "FR", back_office) == Decimal("30.00")
    assert late_surcharge(HUNDRED, Decimal("0"), 61, "FR", back_office) == 0


@pytest.mark.parametrize("market", ["DE", "GB", "BE"])
def test_france_only(back_office, market):
    assert late_surcharge(HUNDRED, HUNDRED, 45, market, back_office) == 0


def test_amounts_round_to_the_cent(back_office):
    assert late_surcharge(Decimal("33.33"), HUNDRED, 15, "FR", back_office) == Decimal("1.67")


def test_the_bands_and_rates_come_from_the_settings(back_office):
    back_office.late_surcharge_bands = [
        {"from_days": 7, "to_days": 14, "percent": "3"},
        {"from_days": 14, "to_days": 28, "percent": "8"},
    ]
    back_office.legal_interest_rate = Decimal("3.650")
    back_office.surcharge_monthly_points = Decimal("2")
    back_office.save()

    assert late_surcharge(HUNDRED, HUNDRED, 5, "FR") == Decimal("0.05")  # 3.65% x 5/365
    assert late_surcharge(HUNDRED, HUNDRED, 8, "FR") == Decimal("3.00")
    assert late_surcharge(HUNDRED, HUNDRED, 28, "FR") == Decimal("8.00")
    assert late_surcharge(HUNDRED, HUNDRED, 29, "FR") == Decimal("10.00")
    assert surcharge_percent(58, back_office) == Decimal("10")  # 8 + 2 (30 days: a month)
    assert surcharge_percent(59, back_office) == Decimal("12")  # a second month begun


def test_without_bands_the_legal_interest_runs(back_office):
    back_office.late_surcharge_bands = []
    assert surcharge_percent(73, back_office) == Decimal("6.650") * 73 / 365


# --- the bands table ------------------------------------------------------------------


def test_a_new_back_office_starts_with_the_domain_bands(back_office):
    assert parse_bands(back_office.late_surcharge_bands) == (
        Band(10, 20, Decimal("5")),
        Band(20, 30, Decimal("10")),
        Band(30, 60, Decimal("20")),
        Band(60, 90, Decimal("50")),
    )
    assert default_bands()[0] == {"from_days": 10, "to_days": 20, "percent": "5"}


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([{"from_days": 10, "to_days": 20, "percent": "-1"}], "from 0 to 1000"),
        ([{"from_days": 20, "to_days": 10, "percent": "5"}], "end after it starts"),
        ([{"from_days": 10, "to_days": 10, "percent": "5"}], "end after it starts"),
        ([{"from_days": "ten", "to_days": 20, "percent": "5"}], "whole numbers"),
        ([{"from_days": 1.5, "to_days": 20, "percent": "5"}], "whole numbers"),
        ([{"from_days": 10, "to_days": 20, "percent": "x"}], "from 0 to 1000"),
        (
            [
                {"from_days": 10, "to_days": 30, "percent": "5"},
                {"from_days": 20, "to_days": 40, "percent": "10"},
            ],
            "must start where band 1 ends",
        ),  # overlapping
        (
            [
                {"from_days": 10, "to_days": 20, "percent": "5"},
                {"from_days": 25, "to_days": 40, "percent": "10"},
            ],
            "must start where band 1 ends",
        ),  # a gap
        (
            [
                {"from_days": 20, "to_days": 30, "percent": "10"},
                {"from_days": 10, "to_days": 20, "percent": "5"},
            ],
            "must start where band 1 ends",
        ),  # out of order
        ({"from_days": 10}, "list of rows"),
        (["10-20"], "give its days"),
    ],
)
def test_bad_bands_are_refused_naming_the_band(bands, message):
    with pytest.raises(ValidationError) as refused:
        parse_bands(bands)
    assert any(message in text for text in refused.value.messages)


def test_the_model_refuses_bad_bands_at_the_field(back_office):
    back_office.late_surcharge_bands = [{"from_days": 10, "to_days": 5, "percent": "5"}]
    with pytest.raises(ValidationError) as refused:
        back_office.full_clean()
    assert "late_surcharge_bands" in refused.value.message_dict


def test_the_model_stores_the_bands_normalised(back_office):
    back_office.late_surcharge_bands = [{"from_days": "10", "to_days": 20, "percent": "5.50"}]
    back_office.full_clean()
    assert back_office.late_surcharge_bands == [{"from_days": 10, "to_days": 20, "percent": "5.5"}]


# --- the settings page ----------------------------------------------------------------


def settings_url() -> str:
    return reverse(
        "wagtailsettings:edit",
        args=["return_portal", "backofficesettings", BackOfficeSettings.load().pk],
    )


@pytest.fixture
def admin_client(client, back_office):
    client.force_login(StaffUserFactory(is_superuser=True, with_totp=True))
    return client


def settings_form(admin_client) -> dict:
    """The settings form as the page fills it in."""
    form = admin_client.get(settings_url()).context["form"]
    data = {}
    for name, field in form.fields.items():
        if name == "late_surcharge_bands":
            continue
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data


def test_the_settings_page_shows_the_bands_as_a_table(admin_client):
    page = admin_client.get(settings_url()).content.decode()
    assert 'name="late_surcharge_bands-1-from_days"' in page
    assert 'value="60"' in page  # the last band's start
    assert 'name="late_surcharge_bands-6-percent"' in page  # a spare row to add one


def test_bands_saved_from_the_table(admin_client):
    data = settings_form(admin_client)
    data.update(
        {
            "late_surcharge_bands-1-from_days": "10",
            "late_surcharge_bands-1-to_days": "20",
            "late_surcharge_bands-1-percent": "5",
            "late_surcharge_bands-2-from_days": "20",
            "late_surcharge_bands-2-to_days": "45",
            "late_surcharge_bands-2-percent": "12.5",
            "late_surcharge_bands-3-from_days": "",
            "late_surcharge_bands-3-to_days": "",
            "late_surcharge_bands-3-percent": "",
        }
    )
    answer = admin_client.post(settings_url(), data)
    assert answer.status_code == 302, answer.context["form"].errors
    assert BackOfficeSettings.load().late_surcharge_bands == [
        {"from_days": 10, "to_days": 20, "percent": "5"},
        {"from_days": 20, "to_days": 45, "percent": "12.5"},
    ]


def test_overlapping_bands_are_a_form_error(admin_client):
    data = settings_form(admin_client)
    data.update(
        {
            "late_surcharge_bands-1-from_days": "10",
            "late_surcharge_bands-1-to_days": "30",
            "late_surcharge_bands-1-percent": "5",
            "late_surcharge_bands-2-from_days": "20",
            "late_surcharge_bands-2-to_days": "40",
            "late_surcharge_bands-2-percent": "-3",
        }
    )
    answer = admin_client.post(settings_url(), data)
    assert answer.status_code == 200
    errors = answer.context["form"].errors["late_surcharge_bands"]
    assert any("Band 2" in error for error in errors)
    # What was typed is shown again.
    assert 'value="-3"' in answer.content.decode()
    assert BackOfficeSettings.load().late_surcharge_bands == default_bands()


# --- the late surcharge, paid with the refund -----------------------------------------


def test_a_late_french_refund_pays_its_surcharge(policies, buyer, gateway):
    late = make_refund(buyer, due_by=timezone.now() - timedelta(days=15))  # 5% band

    execute_refund.delay(late.pk)

    late.refresh_from_db()
    assert late.surcharge == Decimal("4.99")
    [paid] = gateway.ledger()
    assert (paid.amount, paid.surcharge, paid.total) == (
        Decimal("99.80"),
        Decimal("4.99"),
        Decimal("104.79"),
    )
    assert "104.79 EUR" in events(late, payout.REFUND_PAID).get().note


@pytest.mark.parametrize(
    ("market", "statutory", "days_late"),
    [("FR", True, -1), ("DE", True, 15), ("FR", False, 15)],
    ids=["on time", "not France", "not a withdrawal"],
)
def test_no_surcharge_otherwise(policies, buyer, gateway, market, statutory, days_late):
    refund = make_refund(
        buyer,
        market=market,
        statutory=statutory,
        due_by=timezone.now() - timedelta(days=days_late),
    )
    execute_refund.delay(refund.pk)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.surcharge == 0


def test_the_surcharge_is_fixed_at_the_first_attempt(
    policies, buyer, gateway, django_capture_on_commit_callbacks
):
    import time_machine

    late = make_refund(buyer, due_by=timezone.now() - timedelta(days=15))
    gateway.configure(late.idempotency_key, "timeout")
    with pytest.raises(PaymentError):
        payout.pay(late.pk)
    late.refresh_from_db()
    assert late.surcharge == Decimal("4.99")

    gateway.configure(late.idempotency_key, "succeed")
    with time_machine.travel(timezone.now() + timedelta(days=10)):  # the 10% band now
        payout.pay(late.pk)

    late.refresh_from_db()
    assert (late.status, late.surcharge) == (RefundStatus.SUCCEEDED, Decimal("4.99"))
    assert len(gateway.ledger()) == 1
