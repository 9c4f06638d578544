"""What a return refunds (the pure estimate, figure by figure) and how the refund
is paid (the configurable gateway, retries, idempotency, the payment cap)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from celery.exceptions import Retry
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from marketplace.models import Order
from policy_pages.rules import (
    Payer,
    PolicyRules,
    Resolution,
    ShippingMethod,
    ShippingOption,
    WindowStart,
)
from return_portal import lifecycle
from return_portal.lifecycle import LineInspection
from return_portal.models import Refund, RefundStatus, ReturnStatus
from return_portal.refunds import payout
from return_portal.refunds.estimate import (
    EstimateLine,
    FigureCode,
    estimate,
    money,
    refund_statute,
)
from return_portal.refunds.payout import LocalLedgerGateway, PaymentError, PayoutRequest
from return_portal.tasks import execute_refund
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import (
    ReturnLineFactory,
    ReturnRequestFactory,
    returns_staff_user,
)

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


# --- paying the refund ----------------------------------------------------------------


class FlakyGateway:
    """Fails twice, then pays; remembers every request it got."""

    requests: list[PayoutRequest] = []

    def payout(self, request):
        FlakyGateway.requests.append(request)
        if len(FlakyGateway.requests) <= 2:
            raise PaymentError("Provider timed out")
        return "flaky-ref-1"


class DownGateway:
    requests: list[PayoutRequest] = []

    def payout(self, request):
        DownGateway.requests.append(request)
        raise PaymentError("Provider unreachable")


@pytest.fixture
def celery_retries():
    """Eager tasks retry the way a worker does (Celery runs the task again with the
    retry count raised, minus the wait) instead of raising Retry to the caller."""
    from config.celery import app

    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous


@pytest.fixture
def flaky_gateway(settings):
    FlakyGateway.requests = []
    settings.RETURNS_PAYMENT_GATEWAY = "tests.return_portal.test_refunds.FlakyGateway"
    return FlakyGateway


@pytest.fixture
def clerk(db):
    return returns_staff_user()


@pytest.fixture
def inspected_return(policies, buyer, clerk):
    order = OrderFactory(
        buyer=buyer,
        placed_at=timezone.now() - timedelta(days=6),
        payment_amount=Decimal("104.70"),
        payment_reference="pi_42",
    )
    line = OrderLineFactory(order=order, reference="A", unit_price=Decimal("49.90"), quantity=2)
    return_request = ReturnRequestFactory(
        order=order, status=ReturnStatus.RECEIVED, estimated_total=Decimal("99.80")
    )
    returned = ReturnLineFactory(return_request=return_request, order_line=line, quantity=2)
    lifecycle.inspect(return_request, {returned.pk: LineInspection(received=2)}, actor=clerk)
    return return_request


def test_a_failing_provider_is_retried_with_the_same_key_until_it_pays(
    inspected_return, clerk, flaky_gateway, celery_retries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.resolve(inspected_return, actor=clerk)

    refund = Refund.objects.get(return_request=inspected_return)
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.attempts == 3
    assert refund.provider_reference == "flaky-ref-1"
    assert refund.completed_at is not None
    keys = {request.idempotency_key for request in flaky_gateway.requests}
    assert keys == {refund.idempotency_key}
    assert len(flaky_gateway.requests) == 3
    first = flaky_gateway.requests[0]
    assert (first.amount, first.currency, first.resolution) == (Decimal("99.80"), "EUR", "refund")
    assert (first.payment_method, first.payment_reference) == ("card", "pi_42")


def test_a_paid_refund_is_never_paid_again(
    inspected_return, clerk, flaky_gateway, celery_retries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.resolve(inspected_return, actor=clerk)
    refund = Refund.objects.get()
    calls = len(flaky_gateway.requests)

    execute_refund.delay(refund.pk)
    execute_refund(refund.pk)

    assert len(flaky_gateway.requests) == calls
    refund.refresh_from_db()
    assert refund.attempts == 3


def test_a_provider_that_stays_down_leaves_the_refund_pending_with_its_error(
    inspected_return, clerk, settings, celery_retries, django_capture_on_commit_callbacks
):
    DownGateway.requests = []
    settings.RETURNS_PAYMENT_GATEWAY = "tests.return_portal.test_refunds.DownGateway"
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.resolve(inspected_return, actor=clerk)

    refund = Refund.objects.get()
    assert refund.status == RefundStatus.PENDING
    assert refund.last_error == "Provider unreachable"
    assert refund.attempts == len(DownGateway.requests) == execute_refund.max_retries + 1
    # The return is resolved and the money is booked against the order all the same:
    # the sweep keeps paying it (tests in test_outbox).
    inspected_return.refresh_from_db()
    assert inspected_return.status == ReturnStatus.RESOLVED
    assert Order.objects.get(pk=inspected_return.order_id).refunded_amount == Decimal("99.80")


def test_each_retry_waits_twice_as_long(inspected_return, clerk, flaky_gateway):
    lifecycle.resolve(inspected_return, actor=clerk)  # not committed: nothing queued yet
    refund = Refund.objects.get()

    waits = []
    for retries in (0, 1):
        with pytest.raises(Retry) as retry:
            execute_refund.apply(args=[refund.pk], retries=retries, throw=True)
        waits.append(retry.value.when)

    assert waits == [30, 60]
    refund.refresh_from_db()
    assert (refund.status, refund.attempts) == (RefundStatus.PENDING, 2)
    assert refund.last_error == "Provider timed out"


def test_the_local_ledger_gives_one_reference_per_key_and_refuses_nothing_to_pay():
    gateway = LocalLedgerGateway()
    request = PayoutRequest("refund:RMA-1", Decimal("10.00"), "EUR", "refund", "card", "pi_1")
    assert gateway.payout(request) == gateway.payout(request)
    other = PayoutRequest("refund:RMA-2", Decimal("10.00"), "EUR", "refund", "card", "pi_1")
    assert gateway.payout(other) != gateway.payout(request)
    with pytest.raises(PaymentError):
        gateway.payout(PayoutRequest("refund:RMA-3", Decimal("0"), "EUR", "refund", "card", ""))


def test_the_gateway_is_the_one_the_settings_name(settings):
    settings.RETURNS_PAYMENT_GATEWAY = "tests.return_portal.test_refunds.FlakyGateway"
    assert isinstance(payout.gateway(), FlakyGateway)
    del settings.RETURNS_PAYMENT_GATEWAY
    assert isinstance(payout.gateway(), LocalLedgerGateway)


def test_the_database_refuses_a_refund_beyond_the_payment(policies, buyer):
    order = OrderFactory(buyer=buyer, payment_amount=Decimal("10.00"))
    Order.objects.filter(pk=order.pk).update(refunded_amount=Decimal("10.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(refunded_amount=Decimal("10.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(refunded_amount=Decimal("-0.01"))
