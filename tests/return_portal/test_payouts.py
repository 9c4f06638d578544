"""Paying refunds through the gateway: the idempotency key on every call, retries
with backoff and jitter, a refund failed after the last retry and retried by
staff, a worker killed between the provider's answer and the commit (paid once),
(the surcharge paid with it: test_surcharge.py; refunds paid outside the hub:
test_external_refunds.py)."""

import threading
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from marketplace.models import OrderPayment
from return_portal import support
from return_portal.actors import ActionDenied
from return_portal.models import (
    BackOfficeSettings,
    Refund,
    RefundStatus,
    ReturnRequest,
    ReturnStatus,
)
from return_portal.refunds import payout, simulated
from return_portal.refunds.payout import LocalLedgerGateway, PaymentError, PayoutRequest
from return_portal.tasks import execute_refund
from tests.marketplace.factories import SellerFactory
from tests.return_portal.factories import (
    returns_staff_user,
)
from tests.return_portal.refunding import SIMULATED, events, make_refund, simulated_gateway

S = ReturnStatus


@pytest.fixture
def gateway(settings):
    return simulated_gateway(settings)


@pytest.fixture
def clerk(db):
    return returns_staff_user(with_totp=True)


class WorkerKilled(BaseException):
    """The worker process dies: nothing after this line runs, the transaction
    is never committed."""


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
def on_time(policies, buyer):
    return make_refund(buyer, due_by=timezone.now() + timedelta(days=3))


# --- the simulated provider ---------------------------------------------------------


def test_a_declining_provider_is_retried_until_it_pays_once(on_time, gateway, celery_retries):
    gateway.configure(on_time.idempotency_key, "fail:2")

    execute_refund.delay(on_time.pk)

    on_time.refresh_from_db()
    assert on_time.status == RefundStatus.SUCCEEDED
    assert on_time.attempts == 3 == gateway.calls(on_time.idempotency_key)
    assert on_time.completed_at is not None
    [paid] = gateway.ledger()
    # A decline paid nothing: each attempt after one is a new payment, under a new key.
    assert paid.idempotency_key == on_time.provider_key == f"{on_time.idempotency_key}:3"
    assert on_time.provider_reference == paid.reference
    assert (paid.amount, paid.surcharge, paid.currency) == (Decimal("99.80"), 0, "EUR")
    assert events(on_time, payout.REFUND_PAID).count() == 1


def test_a_timeout_after_the_provider_paid_is_asked_again_and_pays_once(
    on_time, gateway, celery_retries
):
    gateway.configure(on_time.idempotency_key, "timeout:2")

    execute_refund.delay(on_time.pk)

    on_time.refresh_from_db()
    assert (on_time.status, on_time.attempts) == (RefundStatus.SUCCEEDED, 3)
    assert len(gateway.ledger()) == 1  # the timeouts' payout, answered on the third call
    assert on_time.provider_reference == gateway.ledger()[0].reference


def test_a_provider_that_pays_at_once(on_time, gateway):
    execute_refund.delay(on_time.pk)

    on_time.refresh_from_db()
    assert (on_time.status, on_time.attempts) == (RefundStatus.SUCCEEDED, 1)
    assert len(gateway.ledger()) == 1


def test_a_provider_that_stays_down_fails_the_refund_with_its_reason(
    on_time, gateway, settings, celery_retries
):
    settings.RETURNS_SIMULATED_GATEWAY = "fail"

    execute_refund.delay(on_time.pk)

    on_time.refresh_from_db()
    assert on_time.status == RefundStatus.FAILED
    assert on_time.attempts == execute_refund.max_retries + 1
    assert "Declined by the simulated provider" in on_time.last_error
    assert gateway.ledger() == []
    assert events(on_time, payout.REFUND_FAILED).get().note == on_time.last_error
    # The queue can flag it, and beat no longer re-queues it: staff retry it.
    flagged = support.with_deadlines(ReturnRequest.objects.all()).get()
    assert flagged.refund_failed is True
    assert flagged.refund_error == on_time.last_error
    assert payout.requeue_pending(timezone.now() + timedelta(hours=1)) == 0


def test_a_provider_that_always_times_out_fails_the_refund(on_time, gateway, celery_retries):
    gateway.configure(on_time.idempotency_key, "timeout")

    execute_refund.delay(on_time.pk)

    on_time.refresh_from_db()
    assert on_time.status == RefundStatus.FAILED
    assert "did not answer in time" in on_time.last_error


def test_a_killed_worker_never_pays_twice(on_time, gateway):
    # The worker dies after the provider paid, before the hub's commit.
    with (
        mock.patch.object(payout, "_journal", side_effect=WorkerKilled),
        pytest.raises(WorkerKilled),
    ):
        execute_refund.apply(args=[on_time.pk], throw=True)

    on_time.refresh_from_db()
    assert (on_time.status, on_time.attempts, on_time.provider_reference) == (
        RefundStatus.PENDING,
        0,
        "",
    )
    assert len(gateway.ledger()) == 1  # the provider's record survived the rollback

    # acks_late + reject_on_worker_lost: the broker redelivers the task.
    assert execute_refund.acks_late and execute_refund.reject_on_worker_lost
    execute_refund.apply(args=[on_time.pk], throw=True)

    on_time.refresh_from_db()
    assert on_time.status == RefundStatus.SUCCEEDED
    assert gateway.calls(on_time.idempotency_key) == 2
    [paid] = gateway.ledger()
    assert on_time.provider_reference == paid.reference
    assert events(on_time, payout.REFUND_PAID).count() == 1


def test_a_paid_refund_is_never_paid_again(on_time, gateway):
    execute_refund.delay(on_time.pk)
    execute_refund.delay(on_time.pk)
    execute_refund(on_time.pk)

    assert gateway.calls(on_time.idempotency_key) == 1
    on_time.refresh_from_db()
    assert on_time.attempts == 1


def test_the_simulated_provider_refuses_a_key_reused_with_another_amount(gateway):
    first = PayoutRequest("refund:RMA-1", Decimal("10.00"), "EUR", "refund", "card", "pi_1")
    other = PayoutRequest("refund:RMA-1", Decimal("12.00"), "EUR", "refund", "card", "pi_1")
    reference = simulated.SimulatedGateway().payout(first)
    assert simulated.SimulatedGateway().payout(first) == reference
    with pytest.raises(PaymentError, match="another amount"):
        simulated.SimulatedGateway().payout(other)
    assert len(gateway.ledger()) == 1


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("succeed", simulated.Script()),
        ("fail", simulated.Script("fail")),
        ("timeout:3", simulated.Script("timeout", 3)),
    ],
)
def test_scripts_read_from_text(text, script):
    assert simulated.Script.parse(text) == script
    assert simulated.Script.parse(script.to_text()) == script


def test_an_unknown_script_is_refused():
    with pytest.raises(ValueError):
        simulated.Script.parse("explode")


# --- backoff --------------------------------------------------------------------------


def test_each_retry_waits_about_twice_as_long_with_jitter():
    assert [payout.retry_delay(n, rng=lambda: 0.0) for n in range(3)] == [15, 30, 60]
    assert [payout.retry_delay(n, rng=lambda: 1.0) for n in range(3)] == [30, 60, 120]
    assert payout.retry_delay(20, rng=lambda: 1.0) == payout.RETRY_MAX_SECONDS


def test_the_task_retries_with_the_backoff(on_time, gateway):
    gateway.configure(on_time.idempotency_key, "fail")
    waits = []
    for retries in (0, 1):
        with pytest.raises(Retry) as retry:
            execute_refund.apply(args=[on_time.pk], retries=retries, throw=True)
        waits.append(retry.value.when)

    assert 15 <= waits[0] <= 30 and 30 <= waits[1] <= 60
    on_time.refresh_from_db()
    assert (on_time.status, on_time.attempts) == (RefundStatus.PENDING, 2)


# --- staff retry ----------------------------------------------------------------------


@pytest.fixture
def failed(on_time, gateway, settings, celery_retries):
    gateway.configure(on_time.idempotency_key, "fail")
    execute_refund.delay(on_time.pk)
    on_time.refresh_from_db()
    assert on_time.status == RefundStatus.FAILED
    return on_time


def test_staff_retry_a_failed_refund_once(
    failed, gateway, clerk, django_capture_on_commit_callbacks
):
    gateway.configure(failed.idempotency_key, "succeed")

    with django_capture_on_commit_callbacks(execute=True):
        assert payout.retry(failed, actor=clerk) is True
    assert payout.retry(failed, actor=clerk) is False  # a double click

    failed.refresh_from_db()
    assert failed.status == RefundStatus.SUCCEEDED
    assert len(gateway.ledger()) == 1
    retried = events(failed, payout.REFUND_RETRY).get()
    assert retried.actor == clerk


def test_retrying_is_a_settlement_step(failed, settings):
    seller = failed.order.lines.get().seller
    seller_staff = returns_staff_user(operator=False, sellers=[seller])
    other = returns_staff_user(operator=False, sellers=[SellerFactory(reference="other")])
    back_office = BackOfficeSettings.load()
    back_office.sellers_settle = False
    back_office.save()

    for actor in (seller_staff, other, None):
        with pytest.raises(ActionDenied):
            payout.retry(failed, actor=actor)
    failed.refresh_from_db()
    assert failed.status == RefundStatus.FAILED


def test_the_return_page_flags_the_failure_and_retries_it(
    failed, gateway, clerk, client, django_capture_on_commit_callbacks
):
    client.force_login(clerk)
    url = reverse("returns:inspect", args=[failed.return_request_id])
    answer = client.get(url)
    assert answer.status_code == 200, answer.content.decode()[-3000:]
    page = answer.content.decode()
    assert "Refund failed" in page
    assert "Declined by the simulated provider" in page
    assert "Retry the payment" in page

    gateway.configure(failed.idempotency_key, "succeed")
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url, {"action": "retry-refund", "retry-refund-refund": failed.pk})
    assert answer.status_code == 302
    failed.refresh_from_db()
    assert failed.status == RefundStatus.SUCCEEDED


def test_a_refund_of_another_return_is_not_retried_from_this_page(failed, clerk, client, buyer):
    other = make_refund(buyer, due_by=timezone.now())
    client.force_login(clerk)
    url = reverse("returns:inspect", args=[other.return_request_id])
    client.post(url, {"action": "retry-refund", "retry-refund-refund": failed.pk})
    failed.refresh_from_db()
    assert failed.status == RefundStatus.FAILED


# --- the interface and the local ledger -----------------------------------------------


def test_the_local_ledger_gives_one_reference_per_key_and_refuses_nothing_to_pay():
    gateway = LocalLedgerGateway()
    request = PayoutRequest("refund:RMA-1", Decimal("10.00"), "EUR", "refund", "card", "pi_1")
    assert gateway.payout(request) == gateway.payout(request)
    other = PayoutRequest("refund:RMA-2", Decimal("10.00"), "EUR", "refund", "card", "pi_1")
    assert gateway.payout(other) != gateway.payout(request)
    with pytest.raises(PaymentError):
        gateway.payout(PayoutRequest("refund:RMA-3", Decimal("0"), "EUR", "refund", "card", ""))


def test_a_request_carries_the_surcharge_in_its_total():
    request = PayoutRequest(
        "k", Decimal("10.00"), "EUR", "refund", "card", "", surcharge=Decimal("0.50")
    )
    assert request.total == Decimal("10.50")


def test_the_gateway_is_the_one_the_settings_name(settings):
    settings.RETURNS_PAYMENT_GATEWAY = SIMULATED
    assert isinstance(payout.gateway(), simulated.SimulatedGateway)
    del settings.RETURNS_PAYMENT_GATEWAY
    assert isinstance(payout.gateway(), LocalLedgerGateway)


def test_the_payment_means_of_the_refund_is_the_one_paid(on_time, gateway):
    voucher = OrderPayment.objects.create(
        order=on_time.order, position=9, method="voucher", reference="V-1", amount=Decimal("5")
    )
    request = payout.payout_request(Refund.objects.get(pk=on_time.pk))
    assert (request.payment_method, request.payment_reference) == ("card", "pi_42")
    Refund.objects.filter(pk=on_time.pk).update(payment=voucher)
    request = payout.payout_request(Refund.objects.select_related("payment").get(pk=on_time.pk))
    assert (request.payment_method, request.payment_reference) == ("voucher", "V-1")


def test_the_demo_scripts_the_provider_from_the_command_line(on_time, gateway, capsys):
    from django.core.management import call_command

    call_command("simulated_gateway", on_time.return_request.rma, "fail:1")
    assert gateway.script_for(on_time.idempotency_key) == simulated.Script("fail", 1)
    call_command("simulated_gateway", "--default", "timeout")
    assert gateway.script_for("refund:other") == simulated.Script("timeout")

    with pytest.raises(PaymentError):
        payout.pay(on_time.pk)
    payout.pay(on_time.pk)
    call_command("simulated_gateway", "--ledger")
    assert on_time.idempotency_key in capsys.readouterr().out


# --- two workers at once (PostgreSQL) -------------------------------------------------


class SlowGateway:
    """Holds the first call until released, as a slow provider does."""

    calls: list[str] = []
    entered = threading.Event()
    release = threading.Event()

    def payout(self, request):
        SlowGateway.calls.append(request.idempotency_key)
        SlowGateway.entered.set()
        SlowGateway.release.wait(timeout=10)
        return "slow-ref"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks need PostgreSQL (SQLite has none): run with DATABASE_URL",
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_paying_one_refund_call_the_provider_once(policies, buyer, settings):
    settings.RETURNS_PAYMENT_GATEWAY = "tests.return_portal.test_payouts.SlowGateway"
    SlowGateway.calls, SlowGateway.entered, SlowGateway.release = (
        [],
        threading.Event(),
        threading.Event(),
    )
    refund = make_refund(buyer, due_by=timezone.now() + timedelta(days=1))

    def worker():
        try:
            payout.pay(refund.pk)
        finally:
            connections.close_all()

    first, second = threading.Thread(target=worker), threading.Thread(target=worker)
    first.start()
    assert SlowGateway.entered.wait(timeout=10)
    second.start()
    second.join(timeout=1)  # waits on the refund's lock, not on the provider
    assert second.is_alive() and SlowGateway.calls == [refund.idempotency_key]
    SlowGateway.release.set()
    first.join(timeout=10)
    second.join(timeout=10)

    refund.refresh_from_db()
    assert (refund.status, refund.attempts) == (RefundStatus.SUCCEEDED, 1)
    assert SlowGateway.calls == [refund.idempotency_key]


def test_a_failed_goodwill_refund_without_a_return_is_retried_by_staff_of_its_sellers(
    on_time, gateway, settings, celery_retries, django_capture_on_commit_callbacks
):
    order = on_time.order
    gesture = Refund.objects.create(
        order=order,
        kind="goodwill",
        amount=Decimal("5.00"),
        currency="EUR",
        resolution="refund",
        idempotency_key="goodwill:1",
    )
    gateway.configure(gesture.idempotency_key, "fail")
    execute_refund.delay(gesture.pk)
    gesture.refresh_from_db()
    assert gesture.status == RefundStatus.FAILED

    stranger = returns_staff_user(operator=False, sellers=[SellerFactory(reference="other")])
    with pytest.raises(ActionDenied):
        payout.retry(gesture, actor=stranger)

    seller_staff = returns_staff_user(operator=False, sellers=[order.lines.get().seller])
    gateway.configure(gesture.idempotency_key, "succeed")
    with django_capture_on_commit_callbacks(execute=True):
        assert payout.retry(gesture, actor=seller_staff) is True
    gesture.refresh_from_db()
    assert gesture.status == RefundStatus.SUCCEEDED
