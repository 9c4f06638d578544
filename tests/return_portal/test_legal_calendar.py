"""The legal calendar: Reg. 1182/71 Art. 3 counting, working days, market time zones."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.markets import MARKETS
from return_portal.legal_calendar import (
    add_business_days,
    add_months,
    is_working_day,
    local_date,
    market_timezone,
    months_period_end,
    normalize_country,
    period_end,
)

PARIS = ZoneInfo("Europe/Paris")
BERLIN = ZoneInfo("Europe/Berlin")
EU_AND_UK = sorted(MARKETS)  # the EU-27 and "GB"


def end_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.max, tzinfo=zone)


# --- time zones -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "zone"),
    [
        ("FR", "Europe/Paris"),
        ("DE", "Europe/Berlin"),
        ("UK", "Europe/London"),
        ("GB", "Europe/London"),
        ("gb", "Europe/London"),
        ("PT", "Europe/Lisbon"),
        ("CY", "Asia/Nicosia"),
        ("EL", "Europe/Athens"),
        ("IE", "Europe/Dublin"),
    ],
)
def test_market_timezone_is_the_capitals_zone(country, zone):
    assert market_timezone(country) == ZoneInfo(zone)


def test_every_eu_state_and_the_uk_have_a_time_zone():
    for country in EU_AND_UK:
        assert isinstance(market_timezone(country), ZoneInfo)


@pytest.mark.parametrize("country", ["XX", "", "US", "FRA"])
def test_unknown_market_has_no_time_zone(country):
    with pytest.raises(ValueError):
        market_timezone(country)


def test_uk_is_normalized_to_gb():
    assert normalize_country(" uk ") == "GB"


# --- working days ---------------------------------------------------------------------


def test_weekend_days_are_not_working_days():
    assert not is_working_day(date(2026, 3, 7), "FR")  # Saturday
    assert not is_working_day(date(2026, 3, 8), "FR")  # Sunday
    assert is_working_day(date(2026, 3, 9), "FR")  # Monday


def test_national_holidays_depend_on_the_country():
    # Bastille Day is a French holiday only; German Unity Day a German one only.
    assert not is_working_day(date(2026, 7, 14), "FR")
    assert is_working_day(date(2026, 7, 14), "DE")
    assert not is_working_day(date(2025, 10, 3), "DE")
    assert is_working_day(date(2025, 10, 3), "FR")
    # Good Friday is a holiday in Germany and the UK, not in (metropolitan) France.
    assert not is_working_day(date(2026, 4, 3), "DE")
    assert not is_working_day(date(2026, 4, 3), "UK")
    assert is_working_day(date(2026, 4, 3), "FR")


def test_unknown_market_has_no_working_days():
    with pytest.raises(ValueError):
        is_working_day(date(2026, 3, 9), "XX")


# --- period_end: the counting rule ------------------------------------------------------


def test_delivery_day_is_not_counted_and_period_ends_at_end_of_the_last_day():
    # Delivered Monday 2 March 2026: day 1 is 3 March, day 14 is Monday 16 March.
    assert period_end(date(2026, 3, 2), 14, "FR") == end_of(date(2026, 3, 16), PARIS)


def test_deadline_is_end_of_day_in_the_markets_zone_and_aware():
    deadline = period_end(date(2026, 3, 2), 14, "FR")
    assert deadline.tzinfo == PARIS
    assert deadline.utcoffset() == timedelta(hours=1)
    assert deadline.timetz().replace(tzinfo=None) == time(23, 59, 59, 999999)
    assert deadline.astimezone(UTC) == datetime(2026, 3, 16, 22, 59, 59, 999999, tzinfo=UTC)


def test_period_ending_on_a_sunday_moves_to_the_end_of_monday():
    # Delivered Sunday 15 February 2026: day 14 is Sunday 1 March.
    assert period_end(date(2026, 2, 15), 14, "FR") == end_of(date(2026, 3, 2), PARIS)


def test_period_ending_on_a_saturday_moves_to_the_end_of_monday():
    # A 30-day window from Thursday 5 February 2026 ends Saturday 7 March.
    assert period_end(date(2026, 2, 5), 30, "FR") == end_of(date(2026, 3, 9), PARIS)


def test_period_ending_on_bastille_day_moves_to_the_next_working_day():
    # Delivered Tuesday 30 June 2026: day 14 is Tuesday 14 July, a French holiday.
    assert period_end(date(2026, 6, 30), 14, "FR") == end_of(date(2026, 7, 15), PARIS)


def test_period_ending_on_armistice_day_moves_to_the_next_working_day():
    assert period_end(date(2026, 10, 28), 14, "FR") == end_of(date(2026, 11, 12), PARIS)


def test_period_ending_on_christmas_skips_the_weekend_too():
    # Friday 25 December 2026, then the weekend: ends Monday 28 December.
    assert period_end(date(2026, 12, 11), 14, "FR") == end_of(date(2026, 12, 28), PARIS)


def test_period_ending_on_german_unity_day_moves_past_the_weekend():
    # Friday 3 October 2025 in Germany: then Saturday and Sunday; ends Monday 6 October.
    assert period_end(date(2025, 9, 19), 14, "DE") == end_of(date(2025, 10, 6), BERLIN)
    # The same dates in France: 3 October is an ordinary Friday.
    assert period_end(date(2025, 9, 19), 14, "FR") == end_of(date(2025, 10, 3), PARIS)


def test_period_ending_on_good_friday_in_germany_runs_past_easter_monday():
    # Good Friday, the weekend and Easter Monday are not working days in Germany.
    assert period_end(date(2026, 3, 20), 14, "DE") == end_of(date(2026, 4, 7), BERLIN)
    assert period_end(date(2026, 3, 20), 14, "FR") == end_of(date(2026, 4, 3), PARIS)


def test_period_ending_on_new_years_day_looks_up_the_next_years_holidays():
    assert period_end(date(2026, 12, 18), 14, "FR") == end_of(date(2027, 1, 4), PARIS)


def test_dst_spring_forward_day_ends_at_the_summer_time_end_of_day():
    # Sunday 29 March 2026 is the change to summer time; the period moves to Monday 30
    # March, which ends at 23:59:59.999999+02:00, i.e. 21:59:59.999999 UTC.
    deadline = period_end(date(2026, 3, 15), 14, "FR")
    assert deadline == end_of(date(2026, 3, 30), PARIS)
    assert deadline.utcoffset() == timedelta(hours=2)
    assert deadline.astimezone(UTC) == datetime(2026, 3, 30, 21, 59, 59, 999999, tzinfo=UTC)


def test_dst_fall_back_day_ends_at_the_winter_time_end_of_day():
    deadline = period_end(date(2026, 10, 11), 14, "FR")
    assert deadline == end_of(date(2026, 10, 26), PARIS)
    assert deadline.astimezone(UTC) == datetime(2026, 10, 26, 22, 59, 59, 999999, tzinfo=UTC)


def test_uk_deadlines_end_in_london_time():
    deadline = period_end(date(2026, 3, 2), 14, "UK")
    assert deadline.tzinfo == ZoneInfo("Europe/London")
    assert deadline.astimezone(UTC) == datetime(2026, 3, 16, 23, 59, 59, 999999, tzinfo=UTC)


def test_zero_days_ends_at_the_end_of_the_start_day_or_next_working_day():
    assert period_end(date(2026, 3, 2), 0, "FR") == end_of(date(2026, 3, 2), PARIS)
    assert period_end(date(2026, 3, 7), 0, "FR") == end_of(date(2026, 3, 9), PARIS)


def test_negative_period_is_refused():
    with pytest.raises(ValueError):
        period_end(date(2026, 3, 2), -1, "FR")


# --- months ---------------------------------------------------------------------------


def test_add_months_keeps_the_date_or_takes_the_last_day_of_a_shorter_month():
    assert add_months(date(2026, 3, 16), 12) == date(2027, 3, 16)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_months_period_end_applies_the_working_day_rule():
    # 12 months from Saturday 14 March 2026 is Sunday 14 March 2027: ends Monday 15 March.
    assert months_period_end(date(2026, 3, 14), 12, "FR") == end_of(date(2027, 3, 15), PARIS)


# --- business days --------------------------------------------------------------------


def test_business_days_skip_weekends():
    # Two business days after Friday 6 March 2026: Monday 9, Tuesday 10.
    assert add_business_days(date(2026, 3, 6), 2, "FR") == date(2026, 3, 10)


def test_business_days_skip_public_holidays():
    # From Monday 13 July 2026 in France: 14 July is a holiday.
    assert add_business_days(date(2026, 7, 13), 2, "FR") == date(2026, 7, 16)
    assert add_business_days(date(2026, 7, 13), 2, "DE") == date(2026, 7, 15)


def test_zero_business_days_is_the_start_day():
    assert add_business_days(date(2026, 3, 7), 0, "FR") == date(2026, 3, 7)


def test_negative_business_days_are_refused():
    with pytest.raises(ValueError):
        add_business_days(date(2026, 3, 7), -1, "FR")


# --- local dates ----------------------------------------------------------------------


def test_local_date_is_the_markets_calendar_date():
    # 23:30 UTC on 28 March 2026 is already 29 March in Paris, but not in London.
    instant = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    assert local_date(instant, "FR") == date(2026, 3, 29)
    assert local_date(instant, "UK") == date(2026, 3, 28)


def test_local_date_refuses_a_naive_datetime():
    with pytest.raises(ValueError):
        local_date(datetime(2026, 3, 28, 12), "FR")


# --- properties -----------------------------------------------------------------------

starts = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
countries = st.sampled_from([*EU_AND_UK, "UK", "CH"])
day_counts = st.integers(min_value=0, max_value=400)
property_settings = settings(
    max_examples=300,
    deadline=None,  # the first lookup of a (country, year) builds its holiday calendar
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@property_settings
@given(start=starts, days=day_counts, country=countries)
def test_period_end_is_the_first_working_day_on_or_after_the_nominal_last_day(start, days, country):
    end = period_end(start, days, country)
    nominal = start + timedelta(days=days)
    last_day = end.date()
    assert last_day >= nominal
    assert is_working_day(last_day, country)
    # Never further than the run of non-working days right after the nominal day.
    skipped = [nominal + timedelta(days=i) for i in range((last_day - nominal).days)]
    assert not any(is_working_day(day, country) for day in skipped)
    # A run of non-working days is never longer than a couple of weeks.
    assert (last_day - nominal).days <= 14


@property_settings
@given(start=starts, days=day_counts, country=countries)
def test_period_end_is_the_end_of_a_day_in_the_market_zone(start, days, country):
    end = period_end(start, days, country)
    zone = market_timezone(country)
    assert end.tzinfo == zone
    assert end.utcoffset() is not None
    assert end.timetz().replace(tzinfo=None) == time.max
    assert local_date(end, country) == end.date()
    # One microsecond later is already the next calendar day in the market.
    assert local_date(end + timedelta(microseconds=1), country) == end.date() + timedelta(days=1)


@property_settings
@given(start=starts, days=day_counts, country=countries)
def test_period_end_is_monotone_in_days_and_in_start(start, days, country):
    end = period_end(start, days, country)
    assert end <= period_end(start, days + 1, country)
    assert end <= period_end(start + timedelta(days=1), days, country)


@property_settings
@given(start=starts, n=st.integers(min_value=0, max_value=30), country=countries)
def test_add_business_days_counts_exactly_n_working_days(start, n, country):
    result = add_business_days(start, n, country)
    between = [start + timedelta(days=i) for i in range(1, (result - start).days + 1)]
    assert sum(is_working_day(day, country) for day in between) == n
    if n:
        assert is_working_day(result, country)


@property_settings
@given(day=starts, months=st.integers(min_value=0, max_value=36))
def test_add_months_lands_in_the_right_month_never_past_the_date(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day
    assert result.day == day.day or (result + timedelta(days=1)).month != result.month
