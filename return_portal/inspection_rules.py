"""The rules one unit's inspection must hold, and what a unit earns (the
inspection's pure part; inspection.py is the action).

What a unit earns is its price less the pinned policy's restocking fee, which is
never charged on a statutory withdrawal (Directive 2011/83/EU Art. 13(1)) nor for
a defect (the seller's fault), as the estimate has it (refunds.estimate). Only a
partial refund deducts, for the loss of value from handling beyond what was
needed to check the item (Art. 14(2); C. consom. L221-23), with its reason, where
the pinned policy applies such deductions, and never more than the unit earns.
A refused unit is justified and says where the goods go.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.api.text import control_message, has_control_characters
from core.formatting import format_money, format_number
from core.uploads import CleanImage

from .models import (
    InspectionCheck,
    InspectionOutcome,
    RefusedDisposition,
    ReturnLine,
    ReturnRequest,
)
from .models.inspection import CHECK_NOTE_MAX_LENGTH, JUSTIFICATION_MAX_LENGTH
from .refunds.estimate import HUNDRED, money

Outcome = InspectionOutcome
REASON_MAX_LENGTH = 255
# The outcomes whose unit is paid for, back to the payment or as credit.
PAID_OUTCOMES = (Outcome.FULL_REFUND, Outcome.PARTIAL_REFUND, Outcome.STORE_CREDIT)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    note: str = ""


@dataclass(frozen=True)
class UnitResult:
    """One unit's inspection. `checks`: a CheckResult per InspectionCheck value;
    `photos`: (check code or "" for the whole unit, image cleaned by
    inspection_photos.clean_photos)."""

    outcome: str
    checks: Mapping[str, CheckResult]
    deduction: Decimal = ZERO
    deduction_reason: str = ""
    justification: str = ""
    disposition: str = ""
    photos: Sequence[tuple[str, CleanImage]] = ()


# --- what a unit earns -------------------------------------------------------------------


def charges_restocking(return_request: ReturnRequest) -> bool:
    """A restocking fee is never charged on a statutory withdrawal nor for a defect."""
    return not return_request.statutory and not return_request.reason_is_defect


def restocking_fee(line: ReturnLine) -> Decimal:
    """The pinned policy's restocking fee on one unit of the line, where it may be charged."""
    percent = line.order_line.pin.version.rules.restocking_fee_percent
    if not percent or not charges_restocking(line.return_request):
        return ZERO
    return money(line.order_line.unit_price * percent / HUNDRED)


def unit_earnings(line: ReturnLine) -> Decimal:
    """What one unit of the line earns before any deduction: its price less the
    restocking fee where one may be charged."""
    return max(ZERO, money(line.order_line.unit_price) - restocking_fee(line))


def deducts_for_handling(line: ReturnLine) -> bool:
    """Whether the pinned policy deducts for loss of value from handling."""
    return line.order_line.pin.version.rules.diminished_value_deduction


# --- one unit's result, checked ----------------------------------------------------------


def _text_error(value, max_length: int) -> str | None:
    if not isinstance(value, str):
        return _("Enter text.")
    if has_control_characters(value):
        return str(control_message())
    if len(value.strip()) > max_length:
        return _("At most %(max)d characters.") % {"max": max_length}
    return None


def result_errors(
    result: UnitResult,
    *,
    earnings: Decimal,
    deduction_allowed: bool,
    currency: str = "",
    exchange: bool = False,
) -> dict[str, str]:
    """What is wrong with a unit's result, keyed by the admin form's field names
    (a check's code for its pass/fail, "<code>_note" for its note); empty when
    nothing is. The action and the form share it. An `exchange`'s unit is paid
    by its replacement: it is not refunded too."""
    errors: dict[str, str] = {}
    checks = result.checks if isinstance(result.checks, Mapping) else {}
    if set(checks) - set(InspectionCheck.values):
        errors["checks"] = _("Unknown check in the checklist.")
    for code in InspectionCheck.values:
        check = checks.get(code)
        if not isinstance(check, CheckResult) or not isinstance(check.passed, bool):
            errors[code] = _("Say whether this check passed or failed.")
            continue
        problem = _text_error(check.note, CHECK_NOTE_MAX_LENGTH)
        if problem:
            errors[f"{code}_note"] = problem
        elif not check.passed and not check.note.strip():
            errors[f"{code}_note"] = _("Say what failed.")
    for name, max_length in (
        ("deduction_reason", REASON_MAX_LENGTH),
        ("justification", JUSTIFICATION_MAX_LENGTH),
    ):
        problem = _text_error(getattr(result, name), max_length)
        if problem:
            errors[name] = problem
    outcome = result.outcome
    if outcome not in Outcome.values:
        errors["outcome"] = _("Choose the outcome.")
        return errors
    if exchange and outcome in PAID_OUTCOMES:
        errors["outcome"] = _(
            "This return is an exchange: the replacement takes the place of a refund. "
            "Choose the replacement, or refuse the unit."
        )
    deduction = _amount(result.deduction)
    if deduction is None or deduction < 0:
        errors["deduction"] = _("Enter an amount of zero or more.")
    elif outcome == Outcome.PARTIAL_REFUND:
        if not deduction_allowed:
            errors["deduction"] = _("This return's policy makes no deduction for loss of value.")
        elif deduction == 0:
            errors["deduction"] = _("A partial refund states the amount deducted.")
        elif deduction > earnings:
            limit = format_money(earnings, currency) if currency else format_number(earnings)
            errors["deduction"] = _("At most %(amount)s: what this unit earns.") % {"amount": limit}
        if "deduction_reason" not in errors and not result.deduction_reason.strip():
            errors["deduction_reason"] = _("State the reason for the deduction.")
    elif deduction:
        errors["deduction"] = _("Only a partial refund deducts an amount.")
    if outcome == Outcome.REFUSED:
        if "justification" not in errors and not result.justification.strip():
            errors["justification"] = _("Justify the refusal.")
        if result.disposition not in RefusedDisposition.values:
            errors["disposition"] = _("Say what happens to the refused goods.")
    elif result.disposition:
        errors["disposition"] = _("Only refused goods are sent back or kept.")
    return errors


def _amount(value) -> Decimal | None:
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return money(amount) if amount.is_finite() else None
