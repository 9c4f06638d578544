"""Human descriptions of structured rules: the "at a glance" list on policy
pages, the one-line summary of embeds and the API, and the rule diff."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.formatting import format_money, format_number, format_percent
from marketplace.markets import MARKETS
from marketplace.models import PaymentMethod

from . import labels
from .rules import OverrideKind, Payer, PolicyRules


@dataclass(frozen=True)
class RuleLine:
    key: str  # stable, for diffing
    label: str
    value: str
    clause: str = ""


def _days(days: int) -> str:
    return ngettext("%(days)s day", "%(days)s days", days) % {"days": days}


def describe_rules(rules: PolicyRules) -> list[RuleLine]:
    lines = [
        RuleLine("markets", _("Markets"), ", ".join(str(MARKETS.get(m, m)) for m in rules.markets)),
        RuleLine(
            "window",
            _("Return window"),
            _("%(days)s from %(start)s")
            % {"days": _days(rules.window_days), "start": labels.WINDOW_START[rules.window_start]},
            rules.window_clause,
        ),
    ]
    for override in rules.category_overrides:
        if override.kind == OverrideKind.DAYS:
            value = _days(override.days or 0)
        elif override.kind == OverrideKind.NOT_RETURNABLE:
            value = str(labels.OVERRIDE_KIND[override.kind])
        else:
            value = ", ".join(str(labels.CONDITION[c]) for c in override.conditions)
        lines.append(
            RuleLine(
                f"category:{override.category}",
                _("Category %(category)s") % {"category": override.category},
                value,
                override.clause,
            )
        )
    if rules.item_exceptions:
        lines.append(
            RuleLine(
                "exceptions",
                _("Cannot be returned"),
                ", ".join(str(labels.ITEM_FLAG[item.flag]) for item in rules.item_exceptions),
                rules.item_exceptions[0].clause,
            )
        )
    if rules.conditions:
        lines.append(
            RuleLine(
                "conditions",
                _("Conditions"),
                ", ".join(str(labels.CONDITION[c]) for c in rules.conditions),
                rules.conditions_clause,
            )
        )
    resolutions = []
    for resolution in rules.resolutions:
        text = str(labels.RESOLUTION[resolution])
        if resolution == "store_credit" and rules.store_credit_bonus_percent:
            # The number in the reader's digits; the translation places the sign
            # and its space ("+10 % de bonus").
            bonus = format_number(rules.store_credit_bonus_percent)
            text += " " + _("(+%(bonus)s%% bonus)") % {"bonus": bonus}
        resolutions.append(text)
    lines.append(
        RuleLine("resolutions", _("Resolutions"), ", ".join(resolutions), rules.resolutions_clause)
    )
    for option in rules.shipping_options:
        lines.append(
            RuleLine(
                f"shipping:{option.method}",
                str(labels.SHIPPING_METHOD[option.method]),
                _("change of mind: %(mind)s; defective or wrong item: %(defect)s")
                % {
                    "mind": _shipping_cost(option.fee, option.change_of_mind_payer, rules.currency),
                    "defect": _shipping_cost(option.fee, option.defect_payer, rules.currency),
                },
                option.clause,
            )
        )
    lines += [
        RuleLine(
            "restocking_fee",
            _("Restocking fee"),
            format_percent(rules.restocking_fee_percent),
            rules.money_clause,
        ),
        RuleLine(
            "diminished_value",
            _("Deduction for diminished value"),
            _("allowed") if rules.diminished_value_deduction else _("not applied"),
            rules.money_clause,
        ),
        *_refund_order(rules),
        RuleLine(
            "deadlines",
            _("Deadlines"),
            _(
                "approval within %(approval)s business days; ship back within %(ship)s; "
                "refund within %(refund)s of the withdrawal notice"
            )
            % {
                "approval": rules.approval_business_days,
                "ship": _days(rules.ship_back_days),
                "refund": _days(rules.refund_days),
            },
            rules.deadlines_clause,
        ),
    ]
    return lines


def _refund_order(rules: PolicyRules) -> list[RuleLine]:
    """The refund order of the means of payment, when the policy sets one."""
    if not rules.refund_order:
        return []
    names = dict(PaymentMethod.choices)
    order = " → ".join(str(names.get(method, method)) for method in rules.refund_order)
    return [
        RuleLine(
            "refund_order",
            _("Refund order of the means of payment"),
            _("%(order)s, then any other means in the order of the checkout") % {"order": order},
            rules.money_clause,
        )
    ]


def _shipping_cost(fee: Decimal, payer: str, currency: str) -> str:
    if payer == Payer.MERCHANT or not fee:
        return _("free")
    return format_money(fee, currency)


def one_line_summary(rules: PolicyRules, category_path: tuple[str, ...] = ()) -> str:
    """E.g. "30-day returns · free drop-off · refund, store credit"."""
    override = rules.override_for(category_path)
    if override and override.kind == OverrideKind.NOT_RETURNABLE:
        window = _("Not returnable (statutory rights remain)")
    else:
        days = override.days if override and override.kind == OverrideKind.DAYS else None
        window = _("%(days)s-day returns") % {"days": days or rules.window_days}
    parts = [window]
    free = [
        option
        for option in rules.shipping_options
        if option.change_of_mind_payer == Payer.MERCHANT or not option.fee
    ]
    if free:
        parts.append(_("free %(method)s") % {"method": labels.SHIPPING_METHOD[free[0].method]})
    parts.append(", ".join(str(labels.RESOLUTION[r]) for r in rules.resolutions))
    return " · ".join(parts)
