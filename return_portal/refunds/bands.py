"""The bands of the French late-refund surcharge (C. consom. L242-4), as the back
office's settings store them: `[{"from_days": 10, "to_days": 20, "percent": "5"}, …]`.

A band covers the refunds more than `from_days` and at most `to_days` days late.
Below the first band the legal interest rate applies; past the last one its
percentage rises by the settings' monthly points for every month begun. The
edges come from DOMAIN.md and are to be checked by legal: they are data.

Plain values only (no model), so the settings model can validate with it, and
the pure settlement (return_portal.settlement) computes the increase with
`SurchargeRules`, read from the settings by refunds.surcharge.rules_of.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# L242-4 as DOMAIN.md reads it: 5% for 10-20 days, 10% for 20-30, 20% for 30-60,
# 50% for 60-90 (the legal interest rate up to 10 days is the settings' own field).
DEFAULT_BANDS = ((10, 20, "5"), (20, 30, "10"), (30, 60, "20"), (60, 90, "50"))
MAX_DAYS = 36500
MAX_PERCENT = Decimal("1000")
FRANCE = "FR"
DAYS_PER_YEAR = Decimal(365)
DAYS_PER_FURTHER_MONTH = 30
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Band:
    from_days: int
    to_days: int
    percent: Decimal

    def covers(self, days_late: int) -> bool:
        return self.from_days < days_late <= self.to_days

    def to_dict(self) -> dict:
        return {"from_days": self.from_days, "to_days": self.to_days, "percent": str(self.percent)}


def default_bands() -> list[dict]:
    """What a new back office starts with (the field's default)."""
    return [Band(f, t, Decimal(p)).to_dict() for f, t, p in DEFAULT_BANDS]


def _days(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _percent(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal | float):
        return None
    try:
        percent = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return percent if percent.is_finite() else None


def parse_bands(data) -> tuple[Band, ...]:
    """The bands, checked: whole days, a percentage of 0 or more, each band after
    the previous one without a gap or an overlap. Raises ValidationError with
    every problem found, each naming its band."""
    if data in (None, ""):
        return ()
    if not isinstance(data, list):
        raise ValidationError(_("The bands are a list of rows: from, to (days late), percent."))
    bands, errors = [], []
    for number, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            errors.append(_("Band %(n)d: give its days and its percentage.") % {"n": number})
            continue
        start, end = _days(row.get("from_days")), _days(row.get("to_days"))
        percent = _percent(row.get("percent"))
        if start is None or end is None or end > MAX_DAYS:
            errors.append(_("Band %(n)d: the days late are whole numbers.") % {"n": number})
            continue
        if end <= start:
            errors.append(
                _("Band %(n)d: it must end after it starts (%(start)d days).")
                % {"n": number, "start": start}
            )
            continue
        if percent is None or percent < 0 or percent > MAX_PERCENT:
            errors.append(
                _("Band %(n)d: the percentage is a number from 0 to 1000.") % {"n": number}
            )
            continue
        if bands and start != bands[-1].to_days:
            errors.append(
                _(
                    "Band %(n)d starts at %(start)d days: it must start where band %(p)d "
                    "ends (%(end)d days)."
                )
                % {"n": number, "start": start, "p": number - 1, "end": bands[-1].to_days}
            )
        bands.append(Band(start, end, Decimal(format(percent.normalize(), "f"))))
    if errors:
        raise ValidationError(errors)
    return tuple(bands)


def normalized(data) -> list[dict]:
    """The stored form of valid bands (whole days, percentages as strings)."""
    return [band.to_dict() for band in parse_bands(data)]


def _money(value: Decimal) -> Decimal:
    # As refunds.estimate.money (not imported: the settings model imports this module).
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SurchargeRules:
    """What L242-4's increase is computed from: the bands, the legal interest rate
    (a yearly %, below the first band) and the points added per further month."""

    bands: tuple[Band, ...]
    legal_interest_rate: Decimal
    monthly_points: Decimal

    def percent(self, days: int) -> Decimal:
        """The percentage of the amount due owed for `days` days late."""
        if days <= 0:
            return Decimal(0)
        bands = self.bands
        if not bands or days <= bands[0].from_days:
            return Decimal(self.legal_interest_rate) * days / DAYS_PER_YEAR
        for band in bands:
            if band.covers(days):
                return band.percent
        last = bands[-1]
        months = math.ceil((days - last.to_days) / DAYS_PER_FURTHER_MONTH)
        return last.percent + Decimal(self.monthly_points) * months

    def increase(self, amount_due: Decimal, cap: Decimal, days_late: int, market: str) -> Decimal:
        """The L242-4 increase of `amount_due` paid `days_late` days late in `market`:
        France only, never above `cap` (the product's price), rounded to the cent."""
        if market != FRANCE or days_late <= 0 or amount_due <= 0 or cap <= 0:
            return Decimal("0.00")
        increase = _money(Decimal(amount_due) * self.percent(days_late) / HUNDRED)
        return min(increase, _money(Decimal(cap)))
