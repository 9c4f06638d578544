"""The legal calendar of each market: time zones, working days and period ends.

Plain functions, no database and no clock, so that eligibility stays pure.

Counting follows Regulation (EEC, Euratom) No 1182/71 Art. 3, which the Consumer
Rights Directive relies on (recital 41) and which the French Code de la consommation
restates for the withdrawal period (L221-19):

* the day of the event (delivery, order, information) is not counted (Art. 3(1));
* a period ends with the expiry of the last hour of its last day (Art. 3(2)(b));
* a period that would end on a Saturday, a Sunday or a public holiday ends with the
  expiry of the last hour of the following working day (Art. 3(4)).

Art. 3(5) ("a period of two days or more shall include at least two working days") is
not applied: every period counted here is 14 days or more, or a policy's own window, and
those always contain two working days.

Public holidays are the national ones of the `holidays` package (no region: the market
is a country, the buyer's region is unknown).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# People write "UK" and "EL" (the EU's code for Greece); ISO 3166-1 says "GB" and "GR".
_ALIASES = {"UK": "GB", "EL": "GR"}

# The zone of each market: the capital's zone. Portugal, Spain and France have overseas
# or island zones too, but a market is judged by its mainland, where the trader's
# obligations are stated.
_TIMEZONES: dict[str, str] = {
    "AT": "Europe/Vienna",
    "BE": "Europe/Brussels",
    "BG": "Europe/Sofia",
    "CY": "Asia/Nicosia",
    "CZ": "Europe/Prague",
    "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen",
    "EE": "Europe/Tallinn",
    "ES": "Europe/Madrid",
    "FI": "Europe/Helsinki",
    "FR": "Europe/Paris",
    "GR": "Europe/Athens",
    "HR": "Europe/Zagreb",
    "HU": "Europe/Budapest",
    "IE": "Europe/Dublin",
    "IT": "Europe/Rome",
    "LT": "Europe/Vilnius",
    "LU": "Europe/Luxembourg",
    "LV": "Europe/Riga",
    "MT": "Europe/Malta",
    "NL": "Europe/Amsterdam",
    "PL": "Europe/Warsaw",
    "PT": "Europe/Lisbon",
    "RO": "Europe/Bucharest",
    "SE": "Europe/Stockholm",
    "SI": "Europe/Ljubljana",
    "SK": "Europe/Bratislava",
    "GB": "Europe/London",
    # Outside the EU and the UK, with no statutory withdrawal right for distance sales:
    # a policy's own window can still be counted there.
    "CH": "Europe/Zurich",
}

_SATURDAY = 5  # date.weekday(): Monday is 0


def normalize_country(country: str) -> str:
    """The ISO 3166-1 code the calendar knows, e.g. "uk" -> "GB"; ValueError otherwise."""
    code = (country or "").strip().upper()
    code = _ALIASES.get(code, code)
    if code not in _TIMEZONES:
        raise ValueError(f"No legal calendar for market {country!r}.")
    return code


@lru_cache(maxsize=64)
def market_timezone(country: str) -> ZoneInfo:
    """The time zone in which the market's deadlines end (its capital's zone)."""
    return ZoneInfo(_TIMEZONES[normalize_country(country)])


@lru_cache(maxsize=512)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    """The national public holidays of one country and year.

    Cached per (country, year) because `is_working_day` is hot: building a
    `holidays` calendar costs far more than looking a date up. A frozenset of the
    dates (rather than the `holidays` object itself) is immutable, so the cached value
    cannot grow behind our back (holidays objects expand to new years on lookup).
    """
    return frozenset(holidays.country_holidays(country, years=year, expand=False))


def is_working_day(day: date, country: str) -> bool:
    """Not a Saturday, a Sunday or a national public holiday of the country."""
    if day.weekday() >= _SATURDAY:
        return False
    return day not in _public_holidays(normalize_country(country), day.year)


def _next_working_day_from(day: date, country: str) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day, country):
        day += timedelta(days=1)
    return day


def _end_of_day(day: date, country: str) -> datetime:
    # time.max is 23:59:59.999999: "the expiry of the last hour of the day" (Art. 3(2)(b)).
    # European DST changes happen at night, so the end of a day always exists and is
    # unambiguous in the market's zone.
    return datetime.combine(day, time.max, tzinfo=market_timezone(country))


@lru_cache(maxsize=65536)
def period_end(start: date, days: int, country: str) -> datetime:
    """The end of a period of `days` days counted from the event on `start`.

    The start day is not counted (Reg. 1182/71 Art. 3(1)); the period ends at the end of
    its last day in the market's time zone; a last day that is a Saturday, a Sunday or
    a public holiday moves to the end of the next working day (Art. 3(4); C. consom.
    L221-19). Cached: the same (date, days, market) comes back for every line delivered
    that day.
    """
    if days < 0:
        raise ValueError("A period cannot have a negative number of days.")
    country = normalize_country(country)
    last_day = _next_working_day_from(start + timedelta(days=days), country)
    return _end_of_day(last_day, country)


def add_months(day: date, months: int) -> date:
    """The same date `months` later; when that month is shorter, its last day.

    Reg. 1182/71 Art. 3(2)(c): a period in months ends on the day of the last month
    with the same date as the start, or on the last day of that month if it has none
    (31 January + 1 month = 28 or 29 February).
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@lru_cache(maxsize=16384)
def months_period_end(start: date, months: int, country: str) -> datetime:
    """The end of a period of `months` months counted from the event on `start`.

    Same counting as `period_end`, with the months of Reg. 1182/71 Art. 3(2)(c).
    """
    if months < 0:
        raise ValueError("A period cannot have a negative number of months.")
    country = normalize_country(country)
    last_day = _next_working_day_from(add_months(start, months), country)
    return _end_of_day(last_day, country)


def add_business_days(start: date, n: int, country: str) -> date:
    """The n-th working day after `start` (start itself is not counted; n=0 gives start).

    Used for the policy's own deadlines, e.g. "approved within 2 business days".
    """
    if n < 0:
        raise ValueError("Cannot add a negative number of business days.")
    country = normalize_country(country)
    day = start
    for _ in range(n):
        day = _next_working_day_from(day + timedelta(days=1), country)
    return day


def local_date(instant: datetime, country: str) -> date:
    """The calendar date of an aware instant in the market's time zone."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("local_date needs an aware datetime.")
    return instant.astimezone(market_timezone(country)).date()
