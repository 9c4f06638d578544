"""The settlement: one pure function from the pinned policy, the lines, each unit's
inspection, the fees and the law to figures, each with its reason, clause and
statute. No database here (the DB reading is in test_booking.py)."""

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_pages.rules import (
    Payer,
    PolicyRules,
    Resolution,
    ShippingMethod,
    ShippingOption,
    WindowStart,
)
from return_portal.refunds.estimate import FigureCode
from return_portal.settlement import (
    Reason,
    Settlement,
    settle,
    with_late_surcharge,
)
from return_portal.settlement_facts import LineFacts, SettlementInput, UnitFacts
from return_portal.settlement_text import describe

D = Decimal
DROP_OFF = ShippingOption(ShippingMethod.DROP_OFF, D("3.90"), Payer.BUYER, Payer.MERCHANT, "6")


def rules(**changes) -> PolicyRules:
    values = {
        "currency": "EUR",
        "markets": ("FR", "DE"),
        "window_days": 30,
        "window_start": WindowStart.DELIVERY,
        "window_clause": "2",
        "resolutions": (Resolution.REFUND, Resolution.STORE_CREDIT),
        "resolutions_clause": "5",
        "money_clause": "7",
        "shipping_options": (DROP_OFF,),
        "diminished_value_deduction": True,
    }
    values.update(changes)
    return PolicyRules(**values)


def unit(number, outcome="full_refund", earnings="49.90", deduction="0", **words):
    return UnitFacts(number, outcome, D(earnings), D(deduction), **words)


def line(order_line=1, price="49.90", units=(), quantity=None, left=None, **counts):
    units = tuple(units)
    received = counts.pop("received", len(units))
    return LineFacts(
        order_line=order_line,
        title=f"Item {order_line}",
        unit_price=D(price),
        quantity=quantity if quantity is not None else received + sum(counts.values()),
        units=units,
        received=received,
        refundable_left=D(left) if left is not None else None,
        **counts,
    )


def facts(lines, **changes) -> SettlementInput:
    values = {
        "rules": rules(),
        "market": "FR",
        "currency": "EUR",
        "lines": tuple(lines),
        "resolution": Resolution.REFUND,
        "statutory": False,
        "defect": False,
        "shipping": None,
        "standard_shipping_paid": D("4.90"),
        "express_surcharge_paid": D("0"),
        "payments_left": D("1000"),
        "order_units": {},
    }
    values.update(changes)
    return SettlementInput(**values)


def codes(settlement: Settlement):
    return [(f.code.value, f.amount) for f in settlement.figures]


# --- per unit outcome ----------------------------------------------------------------


def test_the_issue_example_pays_the_items_less_the_deduction_with_its_reason():
    result = settle(
        facts(
            [
                line(1, "49.90", [unit(1)]),
                line(
                    2,
                    "65.20",
                    [
                        unit(
                            1,
                            "partial_refund",
                            "65.20",
                            "12.50",
                            deduction_reason="Scratched case",
                        )
                    ],
                ),
            ]
        )
    )
    assert codes(result) == [
        ("items", D("49.90")),
        ("items", D("65.20")),
        ("deduction", D("-12.50")),
    ]
    assert (result.refund, result.store_credit, result.total) == (D("102.60"), 0, D("102.60"))
    deduction = result.figures[2]
    assert (deduction.order_line, deduction.unit, deduction.note) == (2, 1, "Scratched case")
    assert (deduction.reason, deduction.clause) == (Reason.HANDLING, "7")
    assert result.figures[0].reason == Reason.FULL_REFUND and result.figures[0].clause == "5"


@pytest.mark.parametrize(
    ("outcome", "code", "reason"),
    [
        ("refused", FigureCode.REFUSED, Reason.REFUSED),
        ("repair", FigureCode.REPAIR, Reason.REPAIRED),
        ("replacement", FigureCode.EXCHANGE, Reason.REPLACED),
    ],
)
def test_refused_repaired_and_replaced_units_earn_nothing_and_say_why(outcome, code, reason):
    earned = unit(1, outcome, "0" if outcome == "refused" else "49.90")
    words = (
        {"justification": "Worn for weeks", "disposition": "return_to_buyer"}
        if outcome == "refused"
        else {}
    )
    earned = UnitFacts(1, outcome, earned.earnings, **words)
    result = settle(facts([line(1, units=[unit(2), earned])], shipping=DROP_OFF))
    assert codes(result) == [
        ("items", D("49.90")),
        (code.value, D("0.00")),
        ("return_shipping", D("-3.90")),
    ]
    zero = result.figures[1]
    assert zero.reason == reason and zero.quantity == 1
    assert result.total == D("46.00")
    if outcome == "refused":
        assert (zero.note, zero.detail) == ("Worn for weeks", "return_to_buyer")


def test_units_lost_wrong_or_never_sent_are_not_refunded_and_say_so():
    result = settle(facts([line(1, units=[unit(1)], lost=1, wrong_item=1, short=1)]))
    assert [(f.code.value, f.reason, f.amount) for f in result.figures[1:]] == [
        ("not_received", Reason.LOST, 0),
        ("not_received", Reason.WRONG_ITEM, 0),
        ("not_received", Reason.SHORT, 0),
    ]
    assert result.total == D("49.90")


def test_the_restocking_fee_is_what_the_inspection_left_out_of_the_earnings():
    # 10% of 49.90 = 4.99: the unit earned 44.91 (inspection_rules.unit_earnings).
    result = settle(facts([line(1, units=[unit(1, earnings="44.91"), unit(2, earnings="44.91")])]))
    assert codes(result) == [("items", D("99.80")), ("restocking_fee", D("-9.98"))]
    assert result.figures[1].clause == "7" and result.total == D("89.82")


def test_nothing_earned_at_all_gives_zero_and_charges_no_return_shipping():
    refused = UnitFacts(
        1, "refused", D("0"), justification="Not ours", disposition="return_to_buyer"
    )
    result = settle(facts([line(1, units=[refused])], shipping=DROP_OFF))
    assert result.total == 0
    assert FigureCode.RETURN_SHIPPING not in {f.code for f in result.figures}


# --- shipping ------------------------------------------------------------------------


def whole(**changes):
    values = {
        "statutory": True,
        "order_units": {1: 1},
        "express_surcharge_paid": D("6.00"),
        **changes,
    }
    return facts([line(1, units=[unit(1)])], **values)


def test_a_whole_statutory_withdrawal_refunds_standard_delivery_never_the_express_surcharge():
    result = settle(whole())
    assert codes(result) == [
        ("items", D("49.90")),
        ("original_shipping", D("4.90")),
        ("express_surcharge", D("0.00")),
    ]
    shipping, express = result.figures[1], result.figures[2]
    assert shipping.statute == "Directive 2011/83/EU Art. 13; C. consom. L221-24"
    assert express.statute == "Directive 2011/83/EU Art. 13(2); C. consom. L221-24"
    assert express.detail == "6.00" and result.total == D("54.80") and result.whole_withdrawal


@pytest.mark.parametrize(
    "changes",
    [
        {"statutory": False},
        {"order_units": {1: 1, 2: 1}},  # another line of the order is kept
        {"shipping_refunded_before": True},  # another return of the order refunded it
    ],
)
def test_standard_delivery_is_refunded_only_once_on_a_whole_statutory_withdrawal(changes):
    codes_of = {f.code for f in settle(whole(**changes)).figures}
    assert FigureCode.ORIGINAL_SHIPPING not in codes_of


def test_a_refused_unit_means_the_buyer_keeps_part_of_the_order():
    refused = UnitFacts(
        2, "refused", D("0"), justification="Used", disposition="kept_at_buyers_request"
    )
    result = settle(facts([line(1, units=[unit(1), refused])], statutory=True, order_units={1: 2}))
    assert not result.whole_withdrawal
    assert FigureCode.ORIGINAL_SHIPPING not in {f.code for f in result.figures}


@pytest.mark.parametrize(("defect", "fee"), [(False, D("-3.90")), (True, None)])
def test_return_shipping_is_deducted_only_when_the_policy_makes_the_buyer_pay(defect, fee):
    result = settle(facts([line(1, units=[unit(1)])], shipping=DROP_OFF, defect=defect))
    fees = [f.amount for f in result.figures if f.code == FigureCode.RETURN_SHIPPING]
    assert fees == ([fee] if fee else [])
    if fee:
        assert result.figures[-1].clause == "6" and result.figures[-1].detail == "drop_off"


def test_no_restocking_is_possible_within_the_statutory_right_the_earnings_say_so():
    # The inspection never takes the fee off a statutory withdrawal: full earnings.
    result = settle(whole(rules=rules(restocking_fee_percent=D("10"))))
    assert FigureCode.RESTOCKING_FEE not in {f.code for f in result.figures}


# --- the means of payment --------------------------------------------------------------


def test_store_credit_needs_the_buyers_agreement_else_it_goes_back_to_the_payment():
    result = settle(facts([line(1, units=[unit(1, "store_credit")])]))
    assert (result.refund, result.store_credit) == (D("49.90"), 0)
    assert result.figures[0].reason == Reason.CREDIT_NEEDS_AGREEMENT
    assert result.figures[0].paid_as == "refund"


def test_store_credit_the_buyer_chose_pays_as_credit_with_the_policys_bonus():
    result = settle(
        facts(
            [line(1, units=[unit(1), unit(2, "store_credit")])],
            resolution=Resolution.STORE_CREDIT,
            rules=rules(store_credit_bonus_percent=D("10")),
            payments_left=D("10"),  # credit is not paid back to the payments
        )
    )
    assert codes(result) == [("items", D("99.80")), ("store_credit_bonus", D("9.98"))]
    assert result.figures[0].reason == Reason.STORE_CREDIT and result.figures[0].quantity == 2
    assert (result.refund, result.store_credit) == (0, D("109.78"))
    assert {f.paid_as for f in result.figures} == {"store_credit"}


# --- caps --------------------------------------------------------------------------------


def test_a_line_never_pays_back_more_than_remains_of_its_price():
    result = settle(facts([line(1, units=[unit(1), unit(2)], left="60.00")]))
    assert codes(result) == [("items", D("99.80")), ("capped", D("-39.80"))]
    assert result.figures[1].reason == Reason.LINE_CAP and result.figures[1].order_line == 1
    assert result.total == D("60.00")


def test_the_refund_never_exceeds_what_remains_of_the_payments():
    result = settle(facts([line(1, units=[unit(1)])], payments_left=D("20.00")))
    assert codes(result)[-1] == ("capped", D("-29.90"))
    assert result.figures[-1].reason == Reason.PAYMENT_CAP and result.total == D("20.00")


# --- stored, with the late surcharge, in words --------------------------------------


def test_the_stored_settlement_reads_back_the_same():
    result = settle(whole(shipping=DROP_OFF))
    stored = result.to_dict()
    assert stored["total"] == "50.90" and stored["refund"] == "50.90"
    assert Settlement.from_dict(stored) == result
    assert Settlement.from_dict({}) is None
    stored["figures"].append({"code": "from_the_future", "amount": "1"})
    assert Settlement.from_dict(stored) == result


def test_the_late_surcharge_is_added_at_payment_outside_the_total():
    result = with_late_surcharge(settle(whole()), D("2.74"), 15)
    assert result.figures[-1].code == FigureCode.LATE_SURCHARGE
    assert result.figures[-1].statute == "C. consom. L242-4"
    assert (result.total, result.late_surcharge) == (D("54.80"), D("2.74"))
    again = with_late_surcharge(result, D("3.00"), 16)
    assert [f.amount for f in again.figures if f.code == FigureCode.LATE_SURCHARGE] == [D("3.00")]


def test_each_reason_reads_in_french():
    refused = UnitFacts(
        2, "refused", D("0"), justification="Traces d'usure", disposition="return_to_buyer"
    )
    partial = unit(3, "partial_refund", "49.90", "5.00", deduction_reason="Boîte abîmée")
    result = settle(facts([line(1, units=[unit(1), refused, partial])], shipping=DROP_OFF))
    with translation.override("fr"):
        texts = [describe(f) for f in result.figures]
        label = result.figures[1].label
    assert texts[0].startswith("1 × Item 1")
    assert any("Traces d'usure" in text for text in texts)
    assert any("Boîte abîmée" in text for text in texts)
    assert label != "Items returned"


# --- properties ----------------------------------------------------------------------

OUTCOMES = ["full_refund", "partial_refund", "store_credit", "refused", "repair", "replacement"]


@st.composite
def inputs(draw):
    lines = []
    for number in range(1, draw(st.integers(1, 3)) + 1):
        price = D(draw(st.integers(0, 20000))) / 100
        fee = D(draw(st.integers(0, int(price * 100)))) / 100
        units = []
        for index in range(1, draw(st.integers(0, 3)) + 1):
            outcome = draw(st.sampled_from(OUTCOMES))
            earnings = D("0") if outcome == "refused" else price - fee
            deduction = (
                D(draw(st.integers(1, max(1, int(earnings * 100))))) / 100
                if outcome == "partial_refund" and earnings > 0
                else D("0")
            )
            units.append(UnitFacts(index, outcome, earnings, min(deduction, earnings), "why"))
        lost = draw(st.integers(0, 2))
        left = draw(st.one_of(st.none(), st.integers(0, 60000).map(lambda c: D(c) / 100)))
        lines.append(line(number, format(price, "f"), units, lost=lost, left=left))
    return facts(
        lines,
        statutory=draw(st.booleans()),
        defect=draw(st.booleans()),
        resolution=draw(st.sampled_from([Resolution.REFUND, Resolution.STORE_CREDIT])),
        shipping=draw(st.sampled_from([None, DROP_OFF])),
        rules=rules(store_credit_bonus_percent=D(draw(st.integers(0, 20)))),
        payments_left=D(draw(st.integers(0, 100000))) / 100,
        order_units={n: draw(st.integers(0, 4)) for n in range(1, len(lines) + 1)},
        express_surcharge_paid=D(draw(st.integers(0, 900))) / 100,
        shipping_refunded_before=draw(st.booleans()),
    )


@settings(max_examples=300, deadline=None)
@given(inputs())
def test_properties_of_every_settlement(i):
    result = settle(i)
    for paid_as, total in (("refund", result.refund), ("store_credit", result.store_credit)):
        assert total == sum((f.amount for f in result.figures if f.paid_as == paid_as), D(0))
        assert total >= 0
    assert result.refund <= i.payments_left
    unpaid = {"refused", "repair", "replacement"}
    for facts_of_line in i.lines:
        figures = [f for f in result.figures if f.order_line == facts_of_line.order_line]
        assert all(f.amount == 0 for f in figures if f.paid_as == "")
        if facts_of_line.refundable_left is not None:
            assert sum((f.amount for f in figures), D(0)) <= max(facts_of_line.refundable_left, 0)
        paid_units = sum(1 for u in facts_of_line.units if u.outcome not in unpaid)
        items = sum((f.amount for f in figures if f.code == FigureCode.ITEMS), D(0))
        assert items == facts_of_line.unit_price * paid_units
    assert all(f.amount == 0 for f in result.figures if f.code == FigureCode.EXPRESS_SURCHARGE)
    shipping = [f for f in result.figures if f.code == FigureCode.ORIGINAL_SHIPPING]
    assert len(shipping) <= 1
    if shipping:
        assert i.statutory and result.whole_withdrawal and not i.shipping_refunded_before
    assert Settlement.from_dict(result.to_dict()) == result
