"""What a return refunds (the pure estimate, figure by figure) and the cap on what
is paid back (paying it: test_payouts.py)."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from marketplace.models import Order
from policy_pages.rules import (
    Payer,
    PolicyRules,
    Resolution,
    ShippingMethod,
    ShippingOption,
    WindowStart,
)
from return_portal.refunds.estimate import (
    EstimateLine,
    FigureCode,
    estimate,
    money,
    refund_statute,
)
from tests.marketplace.factories import OrderFactory

DROP_OFF = ShippingOption(
    ShippingMethod.DROP_OFF, Decimal("4.50"), Payer.BUYER, Payer.MERCHANT, "5.1"
)
LABEL = ShippingOption(
    ShippingMethod.PREPAID_LABEL, Decimal("6.00"), Payer.MERCHANT, Payer.MERCHANT, "5.2"
)
RULES = PolicyRules(
    currency="EUR",
    markets=("FR",),
    window_days=30,
    window_start=WindowStart.DELIVERY,
    window_clause="2.1",
    resolutions=(Resolution.REFUND, Resolution.STORE_CREDIT, Resolution.EXCHANGE),
    store_credit_bonus_percent=Decimal("10"),
    resolutions_clause="4.1",
    shipping_options=(DROP_OFF, LABEL),
    restocking_fee_percent=Decimal("10"),
    money_clause="6.1",
)
SHIRTS = [EstimateLine("Oxford shirt", 2, Decimal("49.90"))]  # 99.80


def quote(**changes):
    arguments = {
        "rules": RULES,
        "market": "FR",
        "currency": "EUR",
        "lines": SHIRTS,
        "resolution": Resolution.REFUND,
        "shipping": DROP_OFF,
        "defect": False,
        "statutory": False,
        "whole_order": False,
        "standard_shipping_paid": Decimal("4.90"),
        "express_surcharge_paid": Decimal("0.00"),
        "refundable_left": Decimal("500.00"),
    }
    arguments.update(changes)
    return estimate(**arguments)


def figures(result):
    return {figure.code: figure for figure in result.figures}


# --- the estimate -------------------------------------------------------------------


def test_a_change_of_mind_outside_the_law_pays_the_fee_and_the_shipping():
    result = quote()
    found = figures(result)
    assert found[FigureCode.ITEMS].amount == Decimal("99.80")
    assert found[FigureCode.ITEMS].clause == "4.1"
    assert found[FigureCode.ITEMS].statute == ""
    assert found[FigureCode.RESTOCKING_FEE].amount == Decimal("-9.98")
    assert found[FigureCode.RESTOCKING_FEE].clause == "6.1"
    assert found[FigureCode.RETURN_SHIPPING].amount == Decimal("-4.50")
    assert found[FigureCode.RETURN_SHIPPING].clause == "5.1"
    assert result.total == Decimal("85.32")


@pytest.mark.parametrize(
    ("statutory", "defect"), [(True, False), (False, True), (True, True)], ids=str
)
def test_no_restocking_fee_within_the_statutory_period_or_for_a_defect(statutory, defect):
    assert FigureCode.RESTOCKING_FEE not in figures(quote(statutory=statutory, defect=defect))


@pytest.mark.parametrize(
    ("statutory", "whole_order", "refunded"),
    [(True, True, True), (True, False, False), (False, True, False), (False, False, False)],
)
def test_standard_delivery_is_refunded_only_for_a_whole_order_statutory_withdrawal(
    statutory, whole_order, refunded
):
    found = figures(quote(statutory=statutory, whole_order=whole_order))
    assert (FigureCode.ORIGINAL_SHIPPING in found) == refunded
    if refunded:
        assert found[FigureCode.ORIGINAL_SHIPPING].amount == Decimal("4.90")
        assert found[FigureCode.ORIGINAL_SHIPPING].clause == "6.1"
        assert "L221-24" in found[FigureCode.ORIGINAL_SHIPPING].statute


def test_a_statutory_withdrawal_keeps_the_express_surcharge_and_says_so():
    result = quote(
        statutory=True,
        whole_order=True,
        shipping=LABEL,
        express_surcharge_paid=Decimal("7.00"),
    )
    assert result.express_surcharge_kept == Decimal("7.00")
    assert sum(f.amount for f in result.figures) == result.total == Decimal("104.70")
    assert figures(result)[FigureCode.ITEMS].statute == refund_statute("FR")


def test_nothing_is_kept_when_part_of_the_order_stays_with_the_buyer():
    result = quote(statutory=True, whole_order=False, express_surcharge_paid=Decimal("7.00"))
    assert result.express_surcharge_kept == Decimal("0.00")


def test_store_credit_adds_its_bonus_and_is_not_capped_by_the_payment():
    result = quote(resolution=Resolution.STORE_CREDIT, refundable_left=Decimal("50.00"))
    found = figures(result)
    assert found[FigureCode.STORE_CREDIT_BONUS].amount == Decimal("9.98")
    assert found[FigureCode.STORE_CREDIT_BONUS].clause == "4.1"
    assert FigureCode.CAPPED not in found
    assert result.total == Decimal("95.30")  # 99.80 - 9.98 + 9.98 - 4.50


def test_an_exchange_refunds_nothing_and_charges_no_fee():
    result = quote(resolution=Resolution.EXCHANGE, shipping=LABEL)
    assert [f.code for f in result.figures] == [FigureCode.EXCHANGE]
    assert result.total == Decimal("0.00")


def test_an_exchange_by_drop_off_costs_nothing_below_zero():
    result = quote(resolution=Resolution.EXCHANGE)
    assert figures(result)[FigureCode.RETURN_SHIPPING].amount == Decimal("-4.50")
    assert result.total == Decimal("0.00")


@pytest.mark.parametrize(
    ("shipping", "defect", "cost"),
    [
        (DROP_OFF, False, Decimal("-4.50")),  # change of mind: the buyer pays
        (DROP_OFF, True, None),  # a defect: the seller pays
        (LABEL, False, None),  # the seller pays both
        (LABEL, True, None),
        (None, False, None),  # no option: nothing charged
    ],
)
def test_return_shipping_is_charged_only_to_the_payer_the_policy_names(shipping, defect, cost):
    found = figures(quote(shipping=shipping, defect=defect))
    assert (found[FigureCode.RETURN_SHIPPING].amount if cost else None) == cost
    if cost is None:
        assert FigureCode.RETURN_SHIPPING not in found


def test_a_refund_is_capped_at_what_remains_of_the_payment():
    result = quote(statutory=True, refundable_left=Decimal("60.00"))
    found = figures(result)
    assert result.total == Decimal("60.00")
    assert found[FigureCode.CAPPED].amount == Decimal("-35.30")  # 95.30 estimated
    assert sum(f.amount for f in result.figures) == result.total


def test_nothing_left_to_refund_gives_zero():
    assert quote(refundable_left=Decimal("0.00")).total == Decimal("0.00")


def test_the_total_never_goes_below_zero():
    cheap = [EstimateLine("Socks", 1, Decimal("2.00"))]
    assert quote(lines=cheap).total == Decimal("0.00")


def test_amounts_are_rounded_half_up_to_the_cent():
    lines = [EstimateLine("Mug", 3, Decimal("33.35"))]  # 100.05, fee 10.005
    assert figures(quote(lines=lines))[FigureCode.RESTOCKING_FEE].amount == Decimal("-10.01")
    assert money(Decimal("0.125")) == Decimal("0.13")


def test_a_policy_without_fee_or_bonus_adds_no_such_figure():
    plain = PolicyRules(
        currency="EUR",
        markets=("DE",),
        window_days=14,
        window_start=WindowStart.DELIVERY,
        window_clause="1",
        resolutions=(Resolution.REFUND, Resolution.STORE_CREDIT),
    )
    result = quote(rules=plain, market="DE", resolution=Resolution.STORE_CREDIT, shipping=None)
    assert [f.code for f in result.figures] == [FigureCode.ITEMS]
    assert result.total == Decimal("99.80")


@pytest.mark.parametrize(
    ("market", "cited"),
    [("FR", "L221-24"), ("DE", "Art. 13"), ("GB", "Consumer Contracts Regulations")],
)
def test_each_market_cites_its_refund_statute(market, cited):
    assert cited in refund_statute(market)


def test_the_stored_estimate_keeps_every_figure_as_strings():
    stored = quote(statutory=True, whole_order=True).to_dict()
    assert stored["currency"] == "EUR"
    assert stored["resolution"] == "refund"
    assert stored["total"] == "100.20"
    assert {"code": "original_shipping", "amount": "4.90", "clause": "6.1"}.items() <= {
        **stored["figures"][-2]
    }.items()


def test_figure_labels_are_translated_when_shown():
    fee = figures(quote())[FigureCode.RESTOCKING_FEE]
    with translation.override("en"):
        assert fee.label == "Restocking fee"


# --- the payment cap (paying: test_payouts.py) ------------------------------------------


def test_the_database_refuses_a_refund_beyond_the_payment(policies, buyer):
    order = OrderFactory(buyer=buyer, payment_amount=Decimal("10.00"))
    Order.objects.filter(pk=order.pk).update(refunded_amount=Decimal("10.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(refunded_amount=Decimal("10.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(refunded_amount=Decimal("-0.01"))
