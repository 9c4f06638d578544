"""The KPIs, each computed from the roll-ups only (models.py) for one set of
filters. Money is in the filters' currency; a rate is a fraction (0.25 for
25 %), None when there is nothing to divide by."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth, TruncWeek

from return_portal.models import ReturnReason

from .filters import Filters
from .models import (
    CsatDay,
    InspectionDay,
    ReturnDay,
    ReturnOutcomeDay,
    SalesDay,
    SlaDay,
    SlaStep,
    Stage,
    StageDay,
)

ZERO = Decimal("0.00")
# What a return-rate table may be broken down by: the roll-up field of each.
BREAKDOWNS = {
    "category": "category__path",
    "seller": "seller__name",
    "sku": "sku",
    "market": "market",
}


def cents(value) -> Decimal:
    """A sum of money as the database gives it (SQLite: many decimals), to the cent."""
    return Decimal(value or 0).quantize(Decimal("0.01"))


def ratio(part, whole):
    return part / whole if whole else None


@dataclass(frozen=True)
class Rate:
    key: str
    units_sold: int = 0
    units_returned: int = 0
    value_sold: Decimal = ZERO
    value_returned: Decimal = ZERO

    @property
    def unit_rate(self):
        return ratio(self.units_returned, self.units_sold)

    @property
    def value_rate(self):
        return ratio(self.value_returned, self.value_sold)


def _sales(filters: Filters):
    # Sales have no reason: a reason filter narrows the returns counted against them.
    return SalesDay.objects.filter(filters.q(reason=False), currency=filters.currency)


def _returns(filters: Filters):
    return ReturnDay.objects.filter(filters.q(), currency=filters.currency)


def return_rate(filters: Filters) -> Rate:
    sold = _sales(filters).aggregate(units=Sum("units"), value=Sum("value"))
    back = _returns(filters).aggregate(units=Sum("units"), value=Sum("value"))
    return Rate(
        "",
        sold["units"] or 0,
        back["units"] or 0,
        cents(sold["value"]),
        cents(back["value"]),
    )


# Up to this many days a period is shown week by week, beyond it month by month.
WEEKLY_UP_TO_DAYS = 92


def period_key(filters: Filters):
    """The period breakdown's grouping: ISO weeks or calendar months."""
    if filters.days <= WEEKLY_UP_TO_DAYS:
        return TruncWeek("day"), "week"
    return TruncMonth("day"), "month"


def period_label(start, unit: str) -> str:
    if unit == "week":
        year, week, _weekday = start.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{start:%Y-%m}"


def return_rates_by(filters: Filters, breakdown: str) -> list[Rate]:
    """One row per category, seller, product or market, highest unit rate first;
    or per week or month ("period"), in time order."""
    if breakdown == "period":
        grouping, unit = period_key(filters)
        sold = _sales(filters).annotate(group=grouping)
        back = _returns(filters).annotate(group=grouping)
        key = "group"
    else:
        sold, back, key, unit = _sales(filters), _returns(filters), BREAKDOWNS[breakdown], ""
    rows: dict = defaultdict(lambda: {"us": 0, "ur": 0, "vs": ZERO, "vr": ZERO})
    for row in sold.values(key).annotate(units=Sum("units"), value=Sum("value")):
        rows[row[key] or ""]["us"] += row["units"]
        rows[row[key] or ""]["vs"] += row["value"]
    for row in back.values(key).annotate(units=Sum("units"), value=Sum("value")):
        rows[row[key] or ""]["ur"] += row["units"]
        rows[row[key] or ""]["vr"] += row["value"]
    if unit:
        return [
            Rate(period_label(group, unit), r["us"], r["ur"], cents(r["vs"]), cents(r["vr"]))
            for group, r in sorted(rows.items(), key=lambda item: str(item[0]))
        ]
    rates = [
        Rate(name, r["us"], r["ur"], cents(r["vs"]), cents(r["vr"])) for name, r in rows.items()
    ]
    return sorted(rates, key=lambda r: (-(r.unit_rate or 0), r.key))


@dataclass
class ReasonCount:
    code: str
    units: int = 0
    lines: int = 0
    children: list[ReasonCount] = field(default_factory=list)


def reason_counts(filters: Filters) -> dict[str, tuple[int, int]]:
    """Units and lines returned per leaf reason code."""
    rows = _returns(filters).values("reason").annotate(units=Sum("units"), lines=Sum("lines"))
    return {row["reason"]: (row["units"], row["lines"]) for row in rows}


def reason_tree(filters: Filters, parents: dict[str, str]) -> list[ReasonCount]:
    """The leaves under their parents (`parents`: leaf code → parent code), each
    level by units returned, most first."""
    top: dict[str, ReasonCount] = {}
    for code, (units, lines) in reason_counts(filters).items():
        parent_code = parents.get(code, "")
        if parent_code:
            parent = top.setdefault(parent_code, ReasonCount(parent_code))
            parent.children.append(ReasonCount(code, units, lines))
        else:
            parent = top.setdefault(code, ReasonCount(code))
        parent.units += units
        parent.lines += lines
    for parent in top.values():
        parent.children.sort(key=lambda c: (-c.units, c.code))
    return sorted(top.values(), key=lambda c: (-c.units, c.code))


@dataclass(frozen=True)
class Resolutions:
    units: dict[str, int]
    refunded: Decimal
    credited: Decimal
    exchanged: Decimal

    @property
    def retained(self) -> Decimal:
        """Kept as store credit or exchanged, rather than paid back."""
        return self.credited + self.exchanged

    @property
    def retained_share(self):
        return ratio(self.retained, self.retained + self.refunded)


def resolutions(filters: Filters) -> Resolutions:
    units = {
        row["resolution"]: row["units"]
        for row in _returns(filters).values("resolution").annotate(units=Sum("units"))
    }
    money = ReturnOutcomeDay.objects.filter(
        filters.q(category=False, sku=False), currency=filters.currency
    ).aggregate(refunded=Sum("refunded"), credited=Sum("credited"), exchanged=Sum("exchanged"))
    return Resolutions(
        units,
        cents(money["refunded"]),
        cents(money["credited"]),
        cents(money["exchanged"]),
    )


@dataclass(frozen=True)
class StageTime:
    stage: str
    returns: int
    mean_hours: float | None
    p50_hours: int | None
    p90_hours: int | None


def nearest_rank(histogram: list[tuple[int, int]], share: float) -> int | None:
    """The smallest value with at least `share` of the counts at or below it."""
    total = sum(count for _, count in histogram)
    if not total:
        return None
    wanted = max(1, -(-int(share * total * 1000) // 1000))  # ceil, without float noise
    seen = 0
    for value, count in sorted(histogram):
        seen += count
        if seen >= wanted:
            return value
    return histogram[-1][0]


def stage_times(filters: Filters) -> list[StageTime]:
    rows = (
        StageDay.objects.filter(filters.q(category=False, sku=False))
        .values("stage", "hours")
        .annotate(returns=Sum("returns"), seconds=Sum("seconds"))
    )
    histograms: dict[str, list[tuple[int, int]]] = defaultdict(list)
    seconds: dict[str, int] = defaultdict(int)
    for row in rows:
        histograms[row["stage"]].append((row["hours"], row["returns"]))
        seconds[row["stage"]] += row["seconds"]
    result = []
    for stage in Stage.values:
        histogram = histograms.get(stage, [])
        count = sum(c for _, c in histogram)
        result.append(
            StageTime(
                stage,
                count,
                seconds[stage] / count / 3600 if count else None,
                nearest_rank(histogram, 0.5),
                nearest_rank(histogram, 0.9),
            )
        )
    return result


@dataclass(frozen=True)
class Deadline:
    step: str
    on_time: int
    late: int
    overdue: int

    @property
    def compliance(self):
        return ratio(self.on_time, self.on_time + self.late + self.overdue)


@dataclass(frozen=True)
class Refunds:
    deadlines: list[Deadline]
    refunded: Decimal
    refunds_late: int
    surcharges: Decimal


def refunds_and_deadlines(filters: Filters) -> Refunds:
    kept = (
        SlaDay.objects.filter(filters.q(category=False, sku=False))
        .values("step")
        .annotate(on_time=Sum("on_time"), late=Sum("late"), overdue=Sum("overdue"))
    )
    by_step = {row["step"]: row for row in kept}
    deadlines = [
        Deadline(
            step,
            by_step.get(step, {}).get("on_time", 0),
            by_step.get(step, {}).get("late", 0),
            by_step.get(step, {}).get("overdue", 0),
        )
        for step in SlaStep.values
    ]
    money = ReturnOutcomeDay.objects.filter(
        filters.q(category=False, sku=False), currency=filters.currency
    ).aggregate(
        refunded=Sum("refunded"),
        credited=Sum("credited"),
        late=Sum("refunds_late"),
        surcharges=Sum("surcharges"),
    )
    return Refunds(
        deadlines,
        (cents(money["refunded"])) + (cents(money["credited"])),
        money["late"] or 0,
        cents(money["surcharges"]),
    )


@dataclass(frozen=True)
class Inspections:
    outcomes: dict[str, int]
    deductions: Decimal
    defect_claims: int
    no_defect_found: int

    @property
    def units(self) -> int:
        return sum(self.outcomes.values())

    @property
    def refused_share(self):
        return ratio(self.outcomes.get("refused", 0), self.units)

    @property
    def no_defect_share(self):
        return ratio(self.no_defect_found, self.defect_claims)


def inspections(filters: Filters) -> Inspections:
    rows = InspectionDay.objects.filter(filters.q(sku=False), currency=filters.currency)
    outcomes = {
        row["outcome"]: row["units"] for row in rows.values("outcome").annotate(units=Sum("units"))
    }
    sums = rows.aggregate(
        deductions=Sum("deductions"),
        claims=Sum("defect_claims"),
        clean=Sum("no_defect_found"),
    )
    return Inspections(outcomes, cents(sums["deductions"]), sums["claims"] or 0, sums["clean"] or 0)


def reason_parents() -> dict[str, str]:
    """Leaf code → parent code, from the taxonomy (codes are the same in every
    language, so any one locale's rows give the tree)."""
    return dict(
        ReturnReason.objects.filter(parent__isnull=False)
        .values_list("code", "parent__code")
        .distinct()
    )


@dataclass(frozen=True)
class Satisfaction:
    ratings: dict[int, int]

    @property
    def answers(self) -> int:
        return sum(self.ratings.values())

    @property
    def average(self):
        return ratio(sum(r * n for r, n in self.ratings.items()), self.answers)

    @property
    def satisfied_share(self):
        """CSAT as usually quoted: the share of 4 and 5 ratings."""
        return ratio(self.ratings.get(4, 0) + self.ratings.get(5, 0), self.answers)


def satisfaction(filters: Filters) -> Satisfaction:
    rows = (
        CsatDay.objects.filter(filters.q(category=False, sku=False))
        .values("rating")
        .annotate(answers=Sum("answers"))
    )
    return Satisfaction({row["rating"]: row["answers"] for row in rows})
