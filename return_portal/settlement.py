"""The settlement of a return: what it pays, figure by figure, once its units are
inspected. One pure function, `settle`, turns plain values into figures; no
database, no clock. `settlement_reading.settlement_input` reads those values for a
return, into the types of settlement_facts.

Each figure has a code (refunds.estimate.FigureCode), a signed amount, a reason
(`Reason`, shown in the reader's language by settlement_text.describe), the
policy clause and the statute it rests on, and, where it pays back an order
line, that line and how it is paid (to the means of payment, or as store credit).

The rules (Directive 2011/83/EU Art. 13-14; C. consom. L221-23/24/L242-4; the
pinned policy for the rest):
- each unit earns by its inspection's outcome: a full refund its price, a
  partial refund less its deduction (the loss of value from handling, with its
  reason), store credit likewise; a refused, repaired or replaced unit, and a
  unit that never arrived, earns nothing (a zero figure says why);
- the pinned policy's restocking fee is what the inspection left out of a
  unit's earnings (none on a statutory withdrawal nor for a defect);
- the original standard delivery is refunded only when the buyer withdraws
  from the whole order, once; the express surcharge never (a zero figure says so);
- the return shipping is deducted when the policy makes the buyer pay it;
- store credit only with the buyer's agreement (they chose it in the portal):
  otherwise what a unit earns goes back to the means of payment (Art. 13(1));
- no order line pays back more than remains of its price, and the refund no
  more than remains of the payments (the figure "capped");
- a return the pinned policy lets the buyer keep (a keep-it rule, keep_it.py)
  pays each unit in full without a return or an inspection, citing the rule's
  clause, and no return shipping;
- the late surcharge (L242-4) is owed on top when a statutory refund in
  France is paid after its due date: given the due date, the payment instant
  and the back office's bands (SettlementInput), `settle` emits its figure
  (reason paid_late, statute L242-4, the days late as its quantity), on the
  total and never above the products' price, outside the total it increases.
  Not yet paid (`paid_at` None) or paid on time: no figure. At payment the
  refunds' own increases (refunds.surcharge, the same SurchargeRules.increase)
  replace it (`with_late_surcharge`).

Each line's figures follow that line's own pinned rules (LineFacts.rules); the
return's amounts (return shipping, original delivery, express, the credit
bonus) follow SettlementInput.rules, the policy the return was quoted under
(the first line's, as the estimate has it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from .inspection_rules import PAID_OUTCOMES
from .models import InspectionOutcome
from .refunds.clock import days_late
from .refunds.estimate import HUNDRED, FigureCode, money, refund_statute, shipping_cost
from .settlement_facts import LineFacts, SettlementInput, UnitFacts
from .settlement_figures import (
    CREDIT,
    REFUND,
    ZERO,
    Figure,
    Reason,
    Settlement,
    deduction_statute,
    express_statute,
    return_cost_statute,
    with_late_surcharge,
)

__all__ = [
    "Figure",
    "Reason",
    "Settlement",
    "settle",
    "with_late_surcharge",
]

Outcome = InspectionOutcome


# --- the function --------------------------------------------------------------------

UNPAID = {
    Outcome.REFUSED: (FigureCode.REFUSED, Reason.REFUSED),
    Outcome.REPAIR: (FigureCode.REPAIR, Reason.REPAIRED),
    Outcome.REPLACEMENT: (FigureCode.EXCHANGE, Reason.REPLACED),
}
# What the buyer's page lists first: the units paid for, fully, then less a deduction.
PAID_REASONS = (
    Reason.FULL_REFUND,
    Reason.STORE_CREDIT,
    Reason.CREDIT_NEEDS_AGREEMENT,
    Reason.PARTIAL_REFUND,
)


def _paid_reason(outcome: str, credit: bool) -> Reason:
    """Why a unit paid for is paid as it is (store credit only with agreement)."""
    if outcome == Outcome.PARTIAL_REFUND:
        return Reason.PARTIAL_REFUND
    if credit:
        return Reason.STORE_CREDIT
    if outcome == Outcome.STORE_CREDIT:
        return Reason.CREDIT_NEEDS_AGREEMENT  # the buyer asked for their money back
    return Reason.FULL_REFUND


def _line_figures(i: SettlementInput, line: LineFacts) -> tuple[list[Figure], int]:
    """The figures of one line, and how many of its units are given back (paid),
    under the line's own pinned rules."""
    rules, figures = i.rules_of(line), []
    credit = i.buyer_agreed_to_credit
    of_line = {"order_line": line.order_line, "title": line.title}
    money_terms = {"paid_as": CREDIT if credit else REFUND, **of_line}
    if i.kept:
        return _kept_line(i, line, money_terms), line.quantity
    paid = [u for u in line.units if u.outcome in PAID_OUTCOMES]
    for reason in PAID_REASONS:
        units = [u for u in paid if _paid_reason(u.outcome, credit) == reason]
        if not units:
            continue
        figures.append(
            Figure(
                FigureCode.ITEMS,
                money(line.unit_price * len(units)),
                reason,
                rules.resolutions_clause,
                refund_statute(i.market) if i.statutory else "",
                quantity=len(units),
                **money_terms,
            )
        )
    # The fee is what the inspection left out of a unit's earnings (none within the
    # statutory right nor for a defect: inspection_rules.unit_earnings).
    restocking = sum((max(ZERO, line.unit_price - u.earnings) for u in paid), ZERO)
    if restocking > 0:
        figures.append(
            Figure(
                FigureCode.RESTOCKING_FEE,
                -money(restocking),
                Reason.RESTOCKING,
                rules.money_clause,
                quantity=len(paid),
                **money_terms,
            )
        )
    figures += [
        Figure(
            FigureCode.DEDUCTION,
            # Never more than the unit earns (its price less the line's restocking fee).
            -money(min(u.deduction, max(ZERO, u.earnings))),
            Reason.HANDLING,
            rules.money_clause,
            deduction_statute(i.market) if i.statutory else "",
            unit=u.unit,
            note=u.deduction_reason,
            **money_terms,
        )
        for u in paid
        if u.deduction > 0
    ]
    for outcome, (code, reason) in UNPAID.items():
        units = [u for u in line.units if u.outcome == outcome]
        for note, group in _by_words(units):
            figures.append(
                Figure(
                    code,
                    ZERO,
                    reason,
                    rules.resolutions_clause,
                    quantity=len(group),
                    note=note,
                    detail=group[0].disposition,
                    **of_line,
                )
            )
    for count, reason in (
        (line.lost, Reason.LOST),
        (line.wrong_item, Reason.WRONG_ITEM),
        (line.short, Reason.SHORT),
        (line.received - len(line.units), Reason.UNINSPECTED),
    ):
        if count > 0:
            code = FigureCode.AWAITING_INSPECTION if reason == Reason.UNINSPECTED else None
            figures.append(
                Figure(code or FigureCode.NOT_RECEIVED, ZERO, reason, quantity=count, **of_line)
            )
    return _cap_line(line, figures), len(paid)


def _kept_line(i: SettlementInput, line: LineFacts, money_terms: dict) -> list[Figure]:
    """A line the buyer keeps (a keep-it rule): every unit paid in full, without a
    return, inspection or restocking fee; as credit when the buyer chose credit."""
    figure = Figure(
        FigureCode.KEPT_ITEMS,
        money(line.unit_price * line.quantity),
        Reason.KEPT,
        i.kept_clause,
        refund_statute(i.market) if i.statutory else "",
        quantity=line.quantity,
        **money_terms,
    )
    return _cap_line(line, [figure])


def _by_words(units: Sequence[UnitFacts]) -> list[tuple[str, list[UnitFacts]]]:
    """Units grouped by the same justification and disposition, in order."""
    groups: dict[tuple[str, str], list[UnitFacts]] = {}
    for unit in units:
        groups.setdefault((unit.justification.strip(), unit.disposition), []).append(unit)
    return [(key[0], group) for key, group in groups.items()]


def _cap_line(line: LineFacts, figures: list[Figure]) -> list[Figure]:
    """No line pays back more than remains of its price (earlier refunds of it)."""
    if line.refundable_left is None:
        return figures
    paid = sum((f.amount for f in figures), ZERO)
    excess = paid - max(ZERO, line.refundable_left)
    if excess <= 0:
        return figures
    paid_as = next((f.paid_as for f in figures if f.paid_as), REFUND)
    cap = Figure(
        FigureCode.CAPPED,
        -money(excess),
        Reason.LINE_CAP,
        order_line=line.order_line,
        paid_as=paid_as,
        title=line.title,
    )
    return [*figures, cap]


def _sum(figures: Sequence[Figure], paid_as: str) -> Decimal:
    return sum((f.amount for f in figures if f.paid_as == paid_as), ZERO)


def settle(i: SettlementInput) -> Settlement:
    """The settlement of a return, figure by figure (see the module docstring)."""
    figures: list[Figure] = []
    given_back: dict[int, int] = defaultdict(int)
    for line in i.lines:
        line_figures, paid = _line_figures(i, line)
        figures += line_figures
        given_back[line.order_line] += paid
    # The policy's bonus is on the items given as credit (not the delivery).
    credit_items = _sum(figures, CREDIT)

    whole = (
        i.statutory
        and bool(i.order_units)
        and all(units <= given_back.get(line, 0) for line, units in i.order_units.items())
    )
    # Shipping and the fee follow the items: as credit when the buyer chose credit.
    main = CREDIT if i.buyer_agreed_to_credit else REFUND
    if whole and not i.shipping_refunded_before and i.standard_shipping_paid > 0:
        figures.append(
            Figure(
                FigureCode.ORIGINAL_SHIPPING,
                money(i.standard_shipping_paid),
                Reason.WHOLE_WITHDRAWAL,
                i.rules.money_clause,
                refund_statute(i.market),
                paid_as=main,
            )
        )
    if whole and i.express_surcharge_paid > 0:
        figures.append(
            Figure(
                FigureCode.EXPRESS_SURCHARGE,
                ZERO,
                Reason.EXPRESS_KEPT,
                i.rules.money_clause,
                express_statute(i.market),
                detail=format(money(i.express_surcharge_paid), "f"),
            )
        )
    percent = i.rules.store_credit_bonus_percent
    if credit_items > 0 and percent:
        bonus = money(credit_items * percent / HUNDRED)
        if bonus > 0:
            figures.append(
                Figure(
                    FigureCode.STORE_CREDIT_BONUS,
                    bonus,
                    Reason.CREDIT_BONUS,
                    i.rules.resolutions_clause,
                    paid_as=CREDIT,
                    detail=format(percent, "f"),
                )
            )
    figures += _return_shipping(i, figures)
    refund = _sum(figures, REFUND)
    if refund > max(ZERO, i.payments_left):
        figures.append(
            Figure(
                FigureCode.CAPPED,
                -money(refund - max(ZERO, i.payments_left)),
                Reason.PAYMENT_CAP,
                paid_as=REFUND,
            )
        )
    settlement = Settlement(
        currency=i.currency,
        figures=tuple(figures),
        refund=max(ZERO, money(_sum(figures, REFUND))),
        store_credit=max(ZERO, money(_sum(figures, CREDIT))),
        whole_withdrawal=whole,
    )
    return _late(i, settlement)


def _late(i: SettlementInput, settlement: Settlement) -> Settlement:
    """The L242-4 increase on what the return pays, when a statutory refund in
    France is paid after its due date: never above the products' price."""
    if not i.statutory or i.bands is None or i.paid_at is None:
        return settlement
    late = days_late(i.refund_due_by, i.paid_at, market=i.market)
    cap = sum((line.unit_price * line.quantity for line in i.lines), ZERO)
    amount = i.bands.increase(settlement.total, cap, late, i.market)
    if amount <= 0:
        return settlement
    return with_late_surcharge(settlement, amount, late)


def _return_shipping(i: SettlementInput, figures: list[Figure]) -> list[Figure]:
    """The return shipping the policy makes the buyer pay, taken from what the
    return pays (the refund first), never below nothing. Nothing is shipped back
    when the buyer keeps the items."""
    if i.kept:
        return []
    cost = shipping_cost(i.shipping, i.defect)
    if cost <= 0:
        return []
    taken: list[Figure] = []
    for paid_as in (REFUND, CREDIT):
        share = min(cost, _sum(figures, paid_as))
        if share > 0:
            taken.append(
                Figure(
                    FigureCode.RETURN_SHIPPING,
                    -money(share),
                    Reason.RETURN_SHIPPING,
                    i.shipping.clause,
                    return_cost_statute(i.market) if i.statutory else "",
                    paid_as=paid_as,
                    detail=i.shipping.method.value,
                )
            )
            cost -= share
    return taken
