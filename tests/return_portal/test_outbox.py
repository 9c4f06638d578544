"""Notifications go through an outbox written in the transaction of the change they
report: none is sent for a change that was rolled back, none is lost when the
broker is down at commit, none is sent twice. The beat sweep relays leftovers,
expires returns never sent and re-queues refunds still pending."""

import threading
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from core import outbox
from core import tasks as core_tasks
from core.models import OutboxMessage
from core.tasks import relay_outbox
from return_portal import lifecycle, tasks
from return_portal.models import (
    Refund,
    RefundStatus,
    ReturnEvent,
    ReturnKind,
    ReturnRequest,
    ReturnStatus,
)
from return_portal.tasks import sweep_returns
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import ReturnLineFactory, ReturnRequestFactory

S = ReturnStatus
BROKER_DOWN = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def make_return(buyer, status=S.REQUESTED, **fields):
    order = OrderFactory(buyer=buyer, placed_at=timezone.now() - timedelta(days=6))
    line = OrderLineFactory(order=order, reference="A", unit_price=Decimal("49.90"))
    return_request = ReturnRequestFactory(
        order=order, status=status, estimated_total=Decimal("49.90"), **fields
    )
    ReturnLineFactory(return_request=return_request, order_line=line, quantity=1)
    return return_request


@pytest.fixture
def requested(policies, buyer):
    return make_return(buyer)


def unsent():
    return OutboxMessage.objects.filter(sent_at__isnull=True)


# --- written with the change ----------------------------------------------------------


def test_a_rolled_back_change_leaves_no_notification(requested, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        lifecycle.approve(requested, actor=None)
        assert OutboxMessage.objects.filter(return_request=requested).count() == 1
        raise RuntimeError("the caller failed after the transition")

    assert not OutboxMessage.objects.exists()
    assert not ReturnEvent.objects.exists()
    assert ReturnRequest.objects.get(pk=requested.pk).status == S.REQUESTED
    assert callbacks == []  # no relay was scheduled for the rolled-back change
    assert mail.outbox == []


def test_a_committed_change_is_relayed_right_after_commit(
    requested, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.approve(requested, actor=None)

    message = OutboxMessage.objects.get()
    assert message.sent_at is not None
    assert message.attempts == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [requested.buyer.email]
    assert mail.outbox[0].subject == message.subject
    assert requested.rma in mail.outbox[0].subject


def test_relaying_twice_sends_once(requested):
    lifecycle.approve(requested, actor=None)  # not committed: the relay did not run

    assert relay_outbox() == 1
    assert relay_outbox() == 0
    assert relay_outbox.delay().get() == 0

    assert len(mail.outbox) == 1
    assert not unsent().exists()


def test_the_relay_sends_oldest_first(policies, buyer):
    first, second = make_return(buyer), make_return(buyer)
    lifecycle.approve(second, actor=None)
    lifecycle.approve(first, actor=None)

    relay_outbox()

    assert [m.subject for m in mail.outbox] == [
        m.subject for m in OutboxMessage.objects.order_by("created_at", "id")
    ]
    assert second.rma in mail.outbox[0].subject


# --- the broker or the mail server is down --------------------------------------------


def test_a_broker_down_at_commit_loses_nothing_and_the_sweep_sends_it(
    requested, django_capture_on_commit_callbacks, caplog
):
    with (
        mock.patch.object(core_tasks.relay_outbox, "delay", side_effect=BROKER_DOWN) as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        lifecycle.approve(requested, actor=None)  # no exception reaches the caller

    assert delay.called
    assert ReturnRequest.objects.get(pk=requested.pk).status == S.APPROVED
    assert unsent().count() == 1
    assert mail.outbox == []
    assert "beat schedule will send it" in caplog.text

    assert sweep_returns()["relayed"] == 1

    assert not unsent().exists()
    assert len(mail.outbox) == 1
    assert requested.rma in mail.outbox[0].subject


def test_a_mail_server_failure_is_counted_and_retried_later(requested):
    lifecycle.approve(requested, actor=None)
    with mock.patch.object(outbox, "send_mail", side_effect=ConnectionRefusedError("SMTP down")):
        assert relay_outbox() == 0

    message = OutboxMessage.objects.get()
    assert (message.sent_at, message.attempts) == (None, 1)
    assert "SMTP down" in message.last_error

    assert relay_outbox() == 1
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 2


def test_a_message_that_keeps_failing_is_given_up_after_the_maximum(requested):
    lifecycle.approve(requested, actor=None)
    OutboxMessage.objects.update(attempts=outbox.MAX_ATTEMPTS)

    assert relay_outbox() == 0
    assert mail.outbox == []


def test_one_failing_message_does_not_hold_back_the_others(policies, buyer):
    lifecycle.approve(make_return(buyer), actor=None)
    lifecycle.approve(make_return(buyer), actor=None)
    calls = []

    def flaky(subject, *args, **kwargs):
        calls.append(subject)
        if len(calls) == 1:
            raise ConnectionResetError("reset")
        return 1

    with mock.patch.object(outbox, "send_mail", side_effect=flaky):
        assert relay_outbox() == 1
    assert unsent().count() == 1


# --- two relays at once (PostgreSQL) ----------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SKIP LOCKED needs PostgreSQL (SQLite has no row locks): run with DATABASE_URL",
)
@pytest.mark.django_db(transaction=True)
def test_a_relay_skips_the_rows_another_relay_holds(policies, buyer):
    with mock.patch.object(core_tasks.relay_outbox, "delay"):  # leave it in the outbox
        lifecycle.approve(make_return(buyer), actor=None)
    assert unsent().count() == 1
    locked, release, done = threading.Event(), threading.Event(), threading.Event()

    def other_relay():
        try:
            with transaction.atomic():
                list(OutboxMessage.objects.select_for_update().filter(sent_at__isnull=True))
                locked.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=other_relay)
    thread.start()
    try:
        assert locked.wait(timeout=10)
        assert relay_outbox() == 0  # skipped, not waited for
        assert mail.outbox == []
    finally:
        release.set()
        thread.join(timeout=10)
    assert relay_outbox() == 1
    assert len(mail.outbox) == 1


# --- the sweep ------------------------------------------------------------------------


def test_the_sweep_expires_returns_not_sent_by_their_date(policies, buyer):
    now = timezone.now()
    overdue = make_return(buyer, status=S.APPROVED, ship_by=now - timedelta(hours=1))
    not_yet = make_return(buyer, status=S.APPROVED, ship_by=now + timedelta(hours=1))
    on_its_way = make_return(buyer, status=S.IN_TRANSIT, ship_by=now - timedelta(days=1))
    withdrawal = make_return(
        buyer, status=S.APPROVED, ship_by=now - timedelta(days=1), kind=ReturnKind.WITHDRAWAL
    )

    result = sweep_returns()

    assert result["expired"] == 1
    statuses = dict(ReturnRequest.objects.values_list("pk", "status"))
    assert statuses == {
        overdue.pk: S.EXPIRED,
        not_yet.pk: S.APPROVED,
        on_its_way.pk: S.IN_TRANSIT,
        # The right of withdrawal is not lost by sending late (the buyer answers for it).
        withdrawal.pk: S.APPROVED,
    }
    event = ReturnEvent.objects.get(return_request=overdue)
    assert (event.to_status, event.actor_kind, event.actor) == ("expired", "system", None)
    assert result["relayed"] == 1
    assert "expired" in mail.outbox[0].body


def test_the_sweep_pays_refunds_left_pending(policies, buyer):
    return_request = make_return(buyer, status=S.RESOLVED)
    stale = Refund.objects.create(
        order=return_request.order,
        return_request=return_request,
        amount=Decimal("49.90"),
        currency="EUR",
        resolution="refund",
        idempotency_key="refund:stale",
    )
    other = make_return(buyer, status=S.RESOLVED)
    fresh = Refund.objects.create(
        order=other.order,
        return_request=other,
        amount=Decimal("49.90"),
        currency="EUR",
        resolution="refund",
        idempotency_key="refund:fresh",
    )
    Refund.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(minutes=11))

    assert sweep_returns()["refunds_requeued"] == 1

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == RefundStatus.SUCCEEDED
    assert fresh.status == RefundStatus.PENDING  # its own task may still be running


def test_the_sweep_still_relays_when_the_broker_refuses_refunds(policies, buyer):
    return_request = make_return(buyer, status=S.RESOLVED)
    refund = Refund.objects.create(
        order=return_request.order,
        return_request=return_request,
        amount=Decimal("49.90"),
        currency="EUR",
        resolution="refund",
        idempotency_key="refund:stuck",
    )
    Refund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - timedelta(hours=1))
    lifecycle.close(return_request)

    with mock.patch.object(tasks.execute_refund, "delay", side_effect=BROKER_DOWN):
        result = sweep_returns()

    assert result["refunds_requeued"] == 0
    assert result["relayed"] == 1
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.PENDING


def test_the_sweep_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["return-portal-sweep"]
    assert entry["task"] == sweep_returns.name
    assert entry["schedule"] <= 60
