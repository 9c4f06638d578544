"""Refund without return ("keep it"): the pinned policy lets the buyer keep the
items when they are worth little, or for some reasons (policy_pages.rules.KeepItRule).

The decision is taken when the return is requested, from the same selection,
reason and resolution the refund is quoted on (steps.review): every chosen
line's pinned policy must have a rule that applies, and the first line's is the
clause the buyer, staff and the API read. It holds only for a refund or store
credit: an exchange ships a replacement, so the item is returned.

A kept return asks for no shipping, issues no label nor QR code, and is approved
by the rule ("keep_it", approval.py) unless abuse screening holds it for staff.
Once approved, it is resolved at once (lifecycle.approve → `settle_kept`): each
unit paid in full without a receipt or an inspection (settlement.py), as
store credit when the buyer chose it.
"""

from __future__ import annotations

from decimal import Decimal

from policy_pages.rules import KeepItRule, PolicyRules, Resolution

KEPT_RESOLUTIONS = (Resolution.REFUND, Resolution.STORE_CREDIT)


def goods_value(selection) -> Decimal:
    """What the chosen units cost (`selection`: a steps.Selection, which imports this)."""
    return sum((line.unit_price * units for line, _decision, units in selection.items), Decimal(0))


def _applies(rules: PolicyRules, value: Decimal, reason_code: str, currency: str):
    if rules.currency != currency:
        # A value in another currency than the order's cannot be compared: only a
        # rule by reasons alone can apply.
        return next(
            (r for r in rules.keep_it if r.max_value is None and r.applies(value, reason_code)),
            None,
        )
    return rules.keep_it_rule(value, reason_code)


def rule_for(
    selection, reason_code: str, resolution: Resolution | str, currency: str
) -> KeepItRule | None:
    """The keep-it rule the buyer's return falls under (the first line's policy's),
    or None: the items are sent back."""
    if resolution not in KEPT_RESOLUTIONS:
        return None
    value = goods_value(selection)
    found = [_applies(rules, value, reason_code, currency) for rules in selection.rules]
    if not found or any(rule is None for rule in found):
        return None
    return found[0]
