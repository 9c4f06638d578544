"""Statutory floors: what a return policy may never go below, per market.

`check(rules)` returns blocking errors (the policy cannot be published) and
non-blocking warnings (lawful but risky). Messages name the rule, the market
and the legal source, e.g. "10 days is below the 14-day withdrawal period
(Directive 2011/83/EU Art. 9) for FR".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.formatting import statute_text
from marketplace.markets import EU_MARKETS, UK_MARKETS

from .rules import OverrideKind, Payer, PolicyRules, WindowStart


@dataclass(frozen=True)
class Floor:
    withdrawal_days: int
    withdrawal_source: str
    refund_days: int
    refund_source: str
    ship_back_days: int
    ship_back_source: str
    defect_source: str


EU_FLOOR = Floor(
    withdrawal_days=14,
    withdrawal_source="Directive 2011/83/EU Art. 9",
    refund_days=14,
    refund_source="Directive 2011/83/EU Art. 13",
    ship_back_days=14,
    ship_back_source="Directive 2011/83/EU Art. 14",
    defect_source="Directive (EU) 2019/771 Art. 14",
)
FR_FLOOR = Floor(
    withdrawal_days=14,
    withdrawal_source="Directive 2011/83/EU Art. 9; C. consom. L221-18",
    refund_days=14,
    refund_source="Directive 2011/83/EU Art. 13; C. consom. L221-24",
    ship_back_days=14,
    ship_back_source="Directive 2011/83/EU Art. 14; C. consom. L221-23",
    defect_source="C. consom. L217-3 ff.",
)
UK_FLOOR = Floor(
    withdrawal_days=14,
    withdrawal_source="Consumer Contracts Regulations 2013 reg. 30",
    refund_days=14,
    refund_source="Consumer Contracts Regulations 2013 reg. 34",
    ship_back_days=14,
    ship_back_source="Consumer Contracts Regulations 2013 reg. 35",
    defect_source="Consumer Rights Act 2015 s.22",
)


def floor_for(market: str) -> Floor | None:
    if market == "FR":
        return FR_FLOOR
    if market in EU_MARKETS:
        return EU_FLOOR
    if market in UK_MARKETS:
        return UK_FLOOR
    return None


@dataclass(frozen=True)
class Finding:
    field: str  # the page field the finding is about (for the editor form)
    message: str


@dataclass(frozen=True)
class ComplianceReport:
    errors: tuple[Finding, ...]
    warnings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


MARKET = "\x00market\x00"  # replaced by the list of markets a finding applies to


def check(rules: PolicyRules) -> ComplianceReport:
    """Check every market the policy applies to. Markets that break the same
    rule under the same law are named together in one message."""
    errors: dict[tuple[str, str], list[str]] = {}
    warnings: dict[tuple[str, str], list[str]] = {}

    def add(found: dict, market: str, field: str, message: str) -> None:
        found.setdefault((field, message), []).append(market)

    for market in sorted(rules.markets):
        floor = floor_for(market)
        if floor is None:
            continue
        if rules.window_days < floor.withdrawal_days:
            message = _(
                "%(days)s days is below the %(floor)s-day withdrawal period (%(source)s) "
                "for %(market)s"
            ) % {
                "days": rules.window_days,
                "floor": floor.withdrawal_days,
                "source": statute_text(floor.withdrawal_source),
                "market": MARKET,
            }
            add(errors, market, "window_days", message)
        if rules.refund_days > floor.refund_days:
            message = _(
                "A refund within %(days)s days is later than the %(floor)s days allowed "
                "(%(source)s) for %(market)s"
            ) % {
                "days": rules.refund_days,
                "floor": floor.refund_days,
                "source": statute_text(floor.refund_source),
                "market": MARKET,
            }
            add(errors, market, "refund_days", message)
        if rules.ship_back_days < floor.ship_back_days:
            message = _(
                "%(days)s days to send items back is shorter than the %(floor)s days the "
                "buyer is allowed (%(source)s) for %(market)s"
            ) % {
                "days": rules.ship_back_days,
                "floor": floor.ship_back_days,
                "source": statute_text(floor.ship_back_source),
                "market": MARKET,
            }
            add(errors, market, "ship_back_days", message)
        for override in rules.category_overrides:
            too_short = (
                override.kind == OverrideKind.DAYS and (override.days or 0) < floor.withdrawal_days
            )
            if override.kind == OverrideKind.NOT_RETURNABLE or too_short:
                message = _(
                    "Category %(category)s cannot have less than the %(floor)s-day withdrawal "
                    "period in %(market)s: exceptions apply per item and its state, not per "
                    "category (%(source)s; CJEU C-681/17)"
                ) % {
                    "category": override.category,
                    "floor": floor.withdrawal_days,
                    "source": statute_text(floor.withdrawal_source),
                    "market": MARKET,
                }
                add(errors, market, "category_overrides", message)
        if any(option.defect_payer == Payer.BUYER for option in rules.shipping_options):
            message = _(
                "The buyer cannot pay to return a defective or wrong item (%(source)s) "
                "in %(market)s"
            ) % {"source": statute_text(floor.defect_source), "market": MARKET}
            add(errors, market, "shipping_options", message)
        if rules.restocking_fee_percent > 0:
            message = _(
                "A restocking fee cannot be charged on a statutory withdrawal in %(market)s; "
                "it applies only to returns beyond the legal period."
            ) % {"market": MARKET}
            add(warnings, market, "restocking_fee_percent", message)
        if rules.window_start == WindowStart.ORDER:
            message = _(
                "Counting from the order date can end before 14 days from delivery; the "
                "statutory period from delivery still applies in %(market)s."
            ) % {"market": MARKET}
            add(warnings, market, "window_start", message)

    findings = [_finding(key, markets) for key, markets in errors.items()]
    if not rules.markets:
        findings.append(Finding("markets", _("Choose at least one market.")))
    if not rules.resolutions:
        findings.append(Finding("offer_refund", _("Offer at least one resolution.")))
    if not rules.shipping_options:
        findings.append(
            Finding("shipping_options", _("Offer at least one return shipping option."))
        )
    return ComplianceReport(
        errors=tuple(findings),
        warnings=tuple(_finding(key, markets) for key, markets in warnings.items()),
    )


def _finding(key: tuple[str, str], markets: list[str]) -> Finding:
    field, message = key
    return Finding(field, message.replace(MARKET, ", ".join(markets)))
