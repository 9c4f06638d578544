"""Retrying payouts: beat re-queues only the refunds whose task is lost, never one
waiting out its backoff; after a definite decline the next attempt is a new
payment (a new provider key, the surcharge of the day it is paid), while after a
timeout or a killed worker the same key and the same sum are sent again; and the
buyer is emailed once a refund is paid (test_payouts.py covers the rest)."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from celery.exceptions import Retry
from django.utils import timezone

from core.models import OutboxMessage
from marketplace.models import Order
from return_portal.models import Refund, RefundStatus, ReturnStatus
from return_portal.refunds import payout
from return_portal.refunds.external import record_external_refund
from return_portal.refunds.payout import PaymentError
from return_portal.tasks import execute_refund
from tests.return_portal.factories import returns_staff_user
from tests.return_portal.refunding import make_refund, simulated_gateway

S = ReturnStatus


@pytest.fixture
def gateway(settings):
    return simulated_gateway(settings)


@pytest.fixture
def queued(monkeypatch):
    """The refunds beat's sweep queues (the broker's side of it)."""
    ids = []
    monkeypatch.setattr(payout, "queue_payout", lambda pk: ids.append(pk) or True)
    return ids


def late_refund(buyer, days_late=15, **fields):
    return make_refund(buyer, due_by=timezone.now() - timedelta(days=days_late), **fields)


# --- beat and the backoff -------------------------------------------------------------


def test_a_refund_waiting_between_retries_is_not_requeued(policies, buyer, gateway, queued):
    refund = make_refund(buyer, due_by=timezone.now() + timedelta(days=3))
    Refund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - timedelta(hours=2))
    gateway.configure(refund.idempotency_key, "fail")
    with pytest.raises(Retry):  # the sixth try fails: the next waits 8 to 16 minutes
        execute_refund.apply(args=[refund.pk], retries=5, throw=True)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING
    assert refund.next_attempt_at >= timezone.now() + timedelta(minutes=7)

    # Beat, every minute: its retry is on its way, until STALE_REFUND past the time it
    # was due (the backoff is jittered, so the instants are read from that time).
    waiting = refund.next_attempt_at + payout.STALE_REFUND - timedelta(seconds=1)
    for instant in (timezone.now() + timedelta(minutes=1), refund.next_attempt_at, waiting):
        assert payout.requeue_pending(instant) == 0
    assert queued == []

    # The retry was lost with the broker: long after it was due, beat queues it once.
    lost = refund.next_attempt_at + payout.STALE_REFUND + timedelta(seconds=1)
    assert payout.requeue_pending(lost) == 1
    assert queued == [refund.pk]
    assert payout.requeue_pending(lost + timedelta(minutes=1)) == 0
    assert queued == [refund.pk]


def test_a_refund_never_tried_is_requeued_once_its_task_is_lost(policies, buyer, queued):
    refund = make_refund(buyer, due_by=timezone.now() + timedelta(days=3))
    assert payout.requeue_pending(timezone.now() + timedelta(minutes=5)) == 0  # its task runs

    later = timezone.now() + payout.STALE_REFUND + timedelta(minutes=1)
    assert payout.requeue_pending(later) == 1
    assert queued == [refund.pk]


def test_a_refund_the_broker_refused_to_requeue_is_tried_again_next_minute(
    policies, buyer, monkeypatch
):
    refund = make_refund(buyer, due_by=timezone.now() + timedelta(days=3))
    later = timezone.now() + payout.STALE_REFUND + timedelta(minutes=1)
    monkeypatch.setattr(payout, "queue_payout", lambda pk: False)
    assert payout.requeue_pending(later) == 0
    refund.refresh_from_db()
    assert refund.next_attempt_at is None
    monkeypatch.setattr(payout, "queue_payout", lambda pk: True)
    assert payout.requeue_pending(later + timedelta(minutes=1)) == 1


# --- new payments after a decline, the same one after a timeout -----------------------


def test_after_a_decline_a_later_attempt_pays_the_surcharge_of_its_day(policies, buyer, gateway):
    late = late_refund(buyer)  # 15 days late: the 5% band
    gateway.configure(late.idempotency_key, "fail:1")
    with pytest.raises(PaymentError):
        payout.pay(late.pk)
    late.refresh_from_db()
    assert (late.surcharge, late.provider_key) == (Decimal("4.99"), "")

    with time_machine.travel(timezone.now() + timedelta(days=10)):  # 25 days: 10%
        payout.pay(late.pk)

    late.refresh_from_db()
    assert (late.status, late.surcharge) == (RefundStatus.SUCCEEDED, Decimal("9.98"))
    [paid] = gateway.ledger()
    assert paid.idempotency_key == late.provider_key == f"{late.idempotency_key}:2"
    assert (paid.amount, paid.surcharge) == (Decimal("99.80"), Decimal("9.98"))


def test_after_a_timeout_a_later_attempt_sends_the_same_key_and_sum(policies, buyer, gateway):
    late = late_refund(buyer)
    gateway.configure(late.idempotency_key, "timeout:1")
    with pytest.raises(PaymentError):
        payout.pay(late.pk)

    with time_machine.travel(timezone.now() + timedelta(days=10)):
        payout.pay(late.pk)

    late.refresh_from_db()
    assert (late.status, late.surcharge) == (RefundStatus.SUCCEEDED, Decimal("4.99"))
    [paid] = gateway.ledger()  # the timeout's payout, answered on the second call
    assert paid.idempotency_key == late.idempotency_key == late.provider_key


class WorkerKilled(BaseException):
    pass


def test_a_worker_killed_after_a_new_payment_never_pays_twice(policies, buyer, gateway):
    late = late_refund(buyer)
    gateway.configure(late.idempotency_key, "fail:1")
    with pytest.raises(PaymentError):
        payout.pay(late.pk)

    # The next attempt, days later: the provider pays, the worker dies before the commit.
    with (
        time_machine.travel(timezone.now() + timedelta(days=10)),
        mock.patch.object(payout, "_journal", side_effect=WorkerKilled),
        pytest.raises(WorkerKilled),
    ):
        payout.pay(late.pk)
    late.refresh_from_db()
    assert (late.status, late.attempts) == (RefundStatus.PENDING, 1)
    assert late.provider_key == f"{late.idempotency_key}:2"  # committed before the call

    # Redelivered a week later still: the same key and the same sum, paid once.
    with time_machine.travel(timezone.now() + timedelta(days=17)):
        payout.pay(late.pk)
    late.refresh_from_db()
    assert (late.status, late.surcharge) == (RefundStatus.SUCCEEDED, Decimal("9.98"))
    [paid] = gateway.ledger()
    assert paid.idempotency_key == late.provider_key and paid.surcharge == Decimal("9.98")


# --- the buyer is told ----------------------------------------------------------------


def paid_emails():
    return OutboxMessage.objects.filter(kind="refund_paid")


def test_the_buyer_is_emailed_a_late_refund_paid_with_its_surcharge(policies, buyer, gateway):
    buyer.preferred_language = "fr"
    buyer.save()
    late = late_refund(buyer)

    execute_refund.delay(late.pk)

    [email] = paid_emails()
    assert (email.recipient, email.language) == (buyer.email, "fr")
    assert late.return_request.rma in email.subject
    body = email.body.replace("\xa0", " ").replace("\u202f", " ")
    assert "99,80 €" in body
    assert "15" in body and "+4,99 €" in body and "L242-4" in body
    assert "104,79 €" in body  # the total paid


def test_a_refund_paid_on_time_is_emailed_without_a_surcharge(policies, buyer, gateway):
    refund = make_refund(buyer, due_by=timezone.now() + timedelta(days=3))

    execute_refund.delay(refund.pk)

    [email] = paid_emails()
    assert email.language == "en"
    assert "€99.80" in email.body and "L242-4" not in email.body


def test_a_refund_failing_is_not_emailed_as_paid(policies, buyer, gateway):
    refund = make_refund(buyer, due_by=timezone.now() + timedelta(days=3))
    gateway.configure(refund.idempotency_key, "fail")
    with pytest.raises(PaymentError):
        payout.pay(refund.pk)
    assert not paid_emails().exists()


def test_a_goodwill_refund_without_a_return_is_emailed_on_the_order(policies, buyer, gateway):
    order = make_refund(buyer, due_by=timezone.now()).order
    gesture = Refund.objects.create(
        order=order,
        kind="goodwill",
        amount=Decimal("5.00"),
        currency="EUR",
        resolution="refund",
        idempotency_key="goodwill:paid",
    )
    payout.pay(gesture.pk)
    [email] = paid_emails()
    assert order.reference in email.subject and "€5.00" in email.body


def test_an_external_refund_is_emailed_to_the_buyer_once(policies, buyer):
    refund = late_refund(buyer, days_late=20)
    return_request = refund.return_request
    Order.objects.filter(pk=refund.order_id).update(refunded_amount=0)
    Refund.objects.filter(pk=refund.pk).delete()
    return_request.status = S.RECEIVED
    return_request.save()
    clerk = returns_staff_user(with_totp=True)
    paid_at = timezone.now() - timedelta(days=5)  # 15 days late: 5%

    for _again in range(2):
        record_external_refund(
            return_request, Decimal("60.00"), paid_at, actor=clerk, key="k1", reference="X"
        )

    [email] = paid_emails()
    assert email.recipient == buyer.email
    assert "€60.00" in email.body and "+€3.00" in email.body and "15 days late" in email.body
