"""Abuse signals: a buyer's returns over a rolling 90 days, read against the
thresholds of Admin → Settings → Abuse screening (screening.ScreeningSettings),
and the blocklist (screening.BlockedEntry).

Measured per buyer (the order's account, and the order's email for guest orders
and any order placed under that address), over the 90 days before `at`:

- the return rate by value and by units: what was returned (the lines of returns
  made in the window, cancelled ones left out) over what was bought (the lines of
  orders placed in the window); the value in the order's currency only;
- the count of returns made in the window;
- the share of "not as described" claims (reason code `not-as-described`) where
  inspection found no defect: among such claims with at least one unit
  inspected, those where no unit failed the "matches the description" or the
  "functional test" check.

The return being created counts in the rates and the count (`pending`). Rates
(the two return rates and the share) count once the buyer has made
`min_returns` returns in the window; a threshold left empty is off. Five queries
at most, whatever the buyer's history: the settings with whether the blocklist
names the buyer, the entries naming them (only then), and three aggregates (none
when every threshold is off).

A buyer over a threshold, or blocklisted, is held for a decision by staff
(approval.py): never refused, since a statutory withdrawal must stay recordable.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from marketplace.models import Order, OrderLine
from screening.models import BlockedEntry, ScreeningSettings

from .models import InspectionCheck, ReturnLine, ReturnRequest, ReturnStatus, UnitInspection

WINDOW = timedelta(days=90)
NOT_AS_DESCRIBED = "not-as-described"  # the reason's code, in every locale
# A failed check of these is a defect found (seeding.REASONS: "Not as described").
DEFECT_CHECKS = (InspectionCheck.AS_DESCRIBED, InspectionCheck.FUNCTIONAL)
# Returns the buyer took back count for nothing.
NOT_COUNTED = (ReturnStatus.CANCELLED,)

# The signals, as the flag event's note names them, and what staff read of each.
RETURNS, VALUE_RATE, UNIT_RATE, NAD_SHARE, BLOCKLISTED = (
    "returns",
    "value_rate",
    "unit_rate",
    "not_as_described",
    "blocklisted",
)
SIGNAL_LABELS = {
    RETURNS: gettext_lazy("Many returns in 90 days"),
    VALUE_RATE: gettext_lazy("High return rate by value"),
    UNIT_RATE: gettext_lazy("High return rate by units"),
    NAD_SHARE: gettext_lazy("“Not as described” claims with no defect found"),
    BLOCKLISTED: gettext_lazy("Blocklisted"),
}
MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0")


@dataclass(frozen=True)
class Signal:
    """One threshold crossed (or the blocklist), with what was measured."""

    code: str
    detail: str

    @property
    def label(self) -> str:
        return str(SIGNAL_LABELS.get(self.code, self.code))

    def line(self) -> str:
        return f"{self.code}: {self.detail}"


@dataclass(frozen=True)
class Pending:
    """The return being created: it counts with the others."""

    units: int = 0
    value: Decimal = ZERO


@dataclass(frozen=True)
class Screening:
    """A buyer's figures over the window, and the signals they raise."""

    returns: int = 0
    units_bought: int = 0
    units_returned: int = 0
    value_bought: Decimal = ZERO
    value_returned: Decimal = ZERO
    nad_claims: int = 0  # inspected "not as described" claims
    nad_no_defect: int = 0  # of which no defect was found
    signals: tuple[Signal, ...] = field(default=())

    @property
    def unit_rate(self) -> Decimal | None:
        return _percent(self.units_returned, self.units_bought)

    @property
    def value_rate(self) -> Decimal | None:
        return _percent(self.value_returned, self.value_bought)

    @property
    def nad_share(self) -> Decimal | None:
        return _percent(self.nad_no_defect, self.nad_claims)

    @property
    def flagged(self) -> bool:
        return bool(self.signals)

    @property
    def codes(self) -> list[str]:
        return [signal.code for signal in self.signals]

    def note(self) -> str:
        """The flag event's note: one signal a line, "code: detail"."""
        return "\n".join(signal.line() for signal in self.signals)


def _percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


def parse_note(note: str) -> list[Signal]:
    """The signals of a flag event's note (the staff page lists them)."""
    signals = []
    for line in (note or "").splitlines():
        code, _sep, detail = line.partition(": ")
        if code.strip():
            signals.append(Signal(code.strip(), detail.strip()))
    return signals


def _buyer_q(order: Order, prefix: str) -> Q:
    """The buyer's orders: the account's, and any placed under the order's email."""
    who = Q(**{f"{prefix}buyer_email__iexact": order.buyer_email})
    if order.buyer_id:
        who |= Q(**{f"{prefix}buyer_id": order.buyer_id})
    return who


def measure(order: Order, at: datetime, *, pending: Pending | None = None) -> Screening:
    """The buyer's figures over the 90 days before `at` (three aggregate queries)."""
    pending = pending or Pending()
    since = at - WINDOW
    bought = OrderLine.objects.filter(
        _buyer_q(order, "order__"), order__placed_at__gte=since, order__placed_at__lte=at
    ).aggregate(
        units=Coalesce(Sum("quantity"), 0),
        value=Coalesce(
            Sum(F("quantity") * F("unit_price"), filter=Q(order__currency=order.currency)),
            ZERO,
            output_field=MONEY,
        ),
    )
    made = ReturnRequest.objects.filter(
        _buyer_q(order, "order__"), created_at__gte=since, created_at__lte=at
    ).exclude(status__in=NOT_COUNTED)
    returned = ReturnLine.objects.filter(return_request__in=made.values("pk")).aggregate(
        units=Coalesce(Sum("quantity"), 0),
        value=Coalesce(
            Sum(
                F("quantity") * F("order_line__unit_price"),
                filter=Q(return_request__currency=order.currency),
            ),
            ZERO,
            output_field=MONEY,
        ),
    )
    units = UnitInspection.objects.filter(return_line__return_request=OuterRef("pk"))
    failed = Q()
    for check in DEFECT_CHECKS:
        failed |= Q(**{f"checks__{check.value}__passed": False})
    claims = made.annotate(
        inspected=Exists(units), defect_found=Exists(units.filter(failed))
    ).aggregate(
        returns=Count("pk"),
        nad=Count("pk", filter=Q(reason__code=NOT_AS_DESCRIBED, inspected=True)),
        nad_clean=Count(
            "pk", filter=Q(reason__code=NOT_AS_DESCRIBED, inspected=True, defect_found=False)
        ),
    )
    return Screening(
        returns=claims["returns"] + (1 if pending.units else 0),
        units_bought=bought["units"],
        units_returned=returned["units"] + pending.units,
        value_bought=bought["value"],
        value_returned=returned["value"] + pending.value,
        nad_claims=claims["nad"],
        nad_no_defect=claims["nad_clean"],
    )


def crossed(figures: Screening, rules: ScreeningSettings) -> tuple[Signal, ...]:
    """The thresholds the figures are above (strictly); rates only from
    `min_returns` returns on."""
    signals = []
    if rules.max_returns is not None and figures.returns > rules.max_returns:
        signals.append(Signal(RETURNS, f"{figures.returns} > {rules.max_returns}"))
    if figures.returns >= rules.min_returns:
        for code, rate, limit in (
            (VALUE_RATE, figures.value_rate, rules.max_value_rate),
            (UNIT_RATE, figures.unit_rate, rules.max_unit_rate),
            (NAD_SHARE, figures.nad_share, rules.max_not_as_described_share),
        ):
            if limit is not None and rate is not None and rate > limit:
                signals.append(Signal(code, f"{rate}% > {limit}%"))
    return tuple(signals)


def _thresholds_on(rules: ScreeningSettings) -> bool:
    return any(
        value is not None
        for value in (
            rules.max_returns,
            rules.max_value_rate,
            rules.max_unit_rate,
            rules.max_not_as_described_share,
        )
    )


def _entries(order: Order, at: datetime, buyer=None):
    """The active blocklist entries naming the buyer's email (the order's or the
    account's) or the order's reference."""
    emails = [order.buyer_email, getattr(buyer, "email", "")]
    return BlockedEntry.objects.matching(emails, order.reference, at).order_by("pk")


def blocklisted(order: Order, at: datetime, buyer=None) -> tuple[Signal, ...]:
    """The blocklist's signals for this order's buyer: one query."""
    return tuple(
        Signal(BLOCKLISTED, f"{entry.kind} {entry.value} ({entry.reason})")
        for entry in _entries(order, at, buyer)
    )


def _rules_and_blocked(order: Order, at: datetime, buyer=None) -> tuple[ScreeningSettings, bool]:
    """The settings, and whether the blocklist names the buyer, in one query
    (the confirm's hot path: an unlisted buyer costs no second one)."""
    entries = _entries(order, at, buyer)
    row = ScreeningSettings.base_queryset().annotate(blocked=Exists(entries)).first()
    if row is None:  # never saved: the defaults, every threshold off
        return ScreeningSettings(), entries.exists()
    return row, row.blocked


def screen(
    order: Order,
    at: datetime,
    *,
    buyer=None,
    pending: Pending | None = None,
    rules: ScreeningSettings | None = None,
) -> Screening:
    """The buyer's figures and every signal they raise, blocklist included: one
    query when every threshold is off and the buyer is not listed."""
    if rules is None:
        rules, blocked = _rules_and_blocked(order, at, buyer)
        blocks = blocklisted(order, at, buyer) if blocked else ()
    else:
        blocks = blocklisted(order, at, buyer)
    figures = measure(order, at, pending=pending) if _thresholds_on(rules) else Screening()
    return replace(figures, signals=crossed(figures, rules) + blocks)
