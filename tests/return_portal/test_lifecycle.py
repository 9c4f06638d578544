"""The lifecycle of a return: the transition table, what each transition writes
(one event, one notification in the buyer's language), locking, and refunds that
never exceed what was paid."""

import threading
import time
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection, connections
from django.template import loader
from django.utils import timezone, translation

from core.models import OutboxMessage
from return_portal import lifecycle, notifications, receiving
from return_portal.legal_calendar import local_date, period_end
from return_portal.lifecycle import TransitionError
from return_portal.models import (
    ActorKind,
    InspectionOutcome,
    Refund,
    ReturnEvent,
    ReturnRequest,
    ReturnStatus,
)
from return_portal.receiving import LineReceipt
from return_portal.refunds import booking, clock
from tests.factories import UserFactory
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import (
    ReturnLineFactory,
    ReturnRequestFactory,
    returns_staff_user,
)
from tests.return_portal.inspecting import UnitResult, checklist, inspect_every_unit

S = ReturnStatus

# The table as the issue states it, written out here rather than read from the code.
EXPECTED = {
    S.REQUESTED: {S.APPROVED, S.REJECTED, S.CANCELLED},
    S.APPROVED: {S.IN_TRANSIT, S.PARTIALLY_RECEIVED, S.RECEIVED, S.CANCELLED, S.EXPIRED},
    S.IN_TRANSIT: {S.PARTIALLY_RECEIVED, S.RECEIVED},
    S.PARTIALLY_RECEIVED: {S.RECEIVED},
    S.RECEIVED: {S.INSPECTED},
    S.INSPECTED: {S.RESOLVED},
    S.RESOLVED: {S.CLOSED},
    S.REJECTED: set(),
    S.CANCELLED: set(),
    S.EXPIRED: set(),
    S.CLOSED: set(),
}


def ago(days):
    return timezone.now() - timedelta(days=days)


def order_of(buyer):
    order = OrderFactory(buyer=buyer, placed_at=ago(6), payment_amount=Decimal("104.70"))
    OrderLineFactory(order=order, reference="A", unit_price=Decimal("49.90"), quantity=2)
    return order


@pytest.fixture
def order(policies, reasons, buyer):  # rejection reasons too (seed_reasons)
    return order_of(buyer)


@pytest.fixture
def staff(db):
    return returns_staff_user()


# Statuses by which every unit has arrived.
ARRIVED = (S.RECEIVED, S.INSPECTED, S.RESOLVED, S.CLOSED)


def make_return(order, status=S.APPROVED, quantity=1, total="49.90", **fields):
    return_request = ReturnRequestFactory(
        order=order,
        status=status,
        estimated_total=Decimal(total),
        **{"ship_by": timezone.now() + timedelta(days=10), **fields},
    )
    ReturnLineFactory(
        return_request=return_request,
        order_line=order.lines.get(reference="A"),
        quantity=quantity,
        received_quantity=quantity if status in ARRIVED else None,
    )
    return return_request


def run(to, return_request, actor):
    """Call the lifecycle function that moves a return to `to`."""
    if to == S.APPROVED:
        return lifecycle.approve(return_request, actor=actor)
    if to == S.REJECTED:
        return lifecycle.reject(
            return_request, actor=actor, code="outside-return-window", note="Outside the policy."
        )
    if to == S.CANCELLED:  # the buyer's own move
        return lifecycle.cancel(return_request, actor=return_request.buyer)
    if to == S.IN_TRANSIT:
        return lifecycle.mark_in_transit(
            return_request, actor=actor, actor_kind=ActorKind.STAFF, tracking="TRACK-1"
        )
    if to == S.PARTIALLY_RECEIVED:  # one unit of the first line arrived
        first = return_request.lines.order_by("pk").first()
        return receiving.receive(return_request, {first.pk: LineReceipt(received=1)}, actor=actor)
    if to == S.RECEIVED:
        return receiving.receive_all(return_request, actor=actor)
    if to == S.INSPECTED:
        return inspect_every_unit(return_request, actor)
    if to == S.RESOLVED:
        return lifecycle.resolve(return_request, actor=actor)
    if to == S.CLOSED:
        return lifecycle.close(return_request, actor=actor, actor_kind=ActorKind.STAFF)
    if to == S.EXPIRED:
        return lifecycle.expire(return_request)
    raise AssertionError(to)


# --- the table ------------------------------------------------------------------------


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("to", list(S))
def test_allowed_follows_the_table(current, to):
    assert lifecycle.allowed(ReturnRequest(status=current), to) == (to in EXPECTED[current])


ALLOWED = [(current, to) for current, targets in EXPECTED.items() for to in sorted(targets)]


@pytest.mark.parametrize(("current", "to"), ALLOWED)
def test_each_allowed_transition_writes_one_event_and_one_notification(order, staff, current, to):
    # Two units, so that one of them arriving leaves the return partly received.
    return_request = make_return(order, status=current, quantity=2)

    run(to, return_request, staff)

    return_request.refresh_from_db()
    assert return_request.status == to
    events = list(ReturnEvent.objects.filter(return_request=return_request))
    assert [(e.from_status, e.to_status) for e in events] == [(current, to)]
    notes = list(OutboxMessage.objects.filter(return_request=return_request))
    assert [n.kind for n in notes] == [to]
    assert notes[0].recipient == order.buyer.email
    assert return_request.rma in notes[0].subject


def test_every_transition_outside_the_table_is_refused_and_writes_nothing(order, staff):
    return_request = make_return(order)
    refused = [(current, to) for current in S for to in S if to not in EXPECTED[current]]
    # Statuses nobody moves to through a function (nothing goes back to requested);
    # more units arriving while partly received is an event, not a transition
    # (test_receiving.py).
    refused = [
        (current, to)
        for current, to in refused
        if to != S.REQUESTED and (current, to) != (S.PARTIALLY_RECEIVED, S.PARTIALLY_RECEIVED)
    ]
    for current, to in refused:
        ReturnRequest.objects.filter(pk=return_request.pk).update(status=current)
        return_request.refresh_from_db()
        with pytest.raises(TransitionError):
            run(to, return_request, staff)
        return_request.refresh_from_db()
        assert return_request.status == current, (current, to)
    assert not ReturnEvent.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_the_refusal_names_both_states_in_the_active_language(order, buyer):
    return_request = make_return(order, status=S.CLOSED)
    with pytest.raises(TransitionError) as error:
        lifecycle.cancel(return_request, actor=buyer)
    assert error.value.current == S.CLOSED
    assert error.value.to == S.CANCELLED
    assert "closed" in str(error.value) and "cancelled" in str(error.value)


def test_the_whole_way_from_request_to_closed(
    order, buyer, staff, django_capture_on_commit_callbacks
):
    return_request = make_return(order, status=S.REQUESTED, quantity=2, total="99.80")
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.approve(return_request, actor=staff)
        lifecycle.mark_in_transit(return_request, tracking="1Z999")
        receiving.receive_all(return_request, actor=staff)
        inspect_every_unit(return_request, staff)
        lifecycle.resolve(return_request, actor=staff)
        lifecycle.close(return_request, actor=staff, actor_kind=ActorKind.STAFF)

    return_request.refresh_from_db()
    assert return_request.status == S.CLOSED
    assert return_request.carrier_tracking == "1Z999"
    # The changes of status (a refund paid is an event of its own).
    assert list(return_request.events.filter(code="").values_list("to_status", flat=True)) == [
        "approved",
        "in_transit",
        "received",
        "inspected",
        "resolved",
        "closed",
    ]
    # One per change of status, and the refund paid (refunds.paid_email); besides,
    # once settled, the satisfaction survey (insights.csat).
    sent = OutboxMessage.objects.filter(return_request=return_request)
    assert sent.exclude(kind__startswith="csat_").count() == 7
    assert sent.filter(kind="csat_invite").count() == 1
    refund = return_request.refunds.get()
    assert refund.amount == Decimal("99.80")
    assert refund.status == "succeeded"


# --- what transitions record ----------------------------------------------------------


def test_the_caller_object_follows_the_database(order, staff):
    return_request = make_return(order, status=S.REQUESTED, ship_by=None)
    lifecycle.approve(return_request, actor=staff)
    assert return_request.status == S.APPROVED
    assert return_request.ship_by is not None


def test_approval_sets_a_ship_by_date_and_keeps_one_already_set(order, staff):
    at = timezone.now()
    fresh = make_return(order, status=S.REQUESTED, ship_by=None)
    lifecycle.approve(fresh, actor=staff, at=at)
    # The pinned policy's days to ship back, counted from the approval in the market.
    days = order.lines.get().pin.version.rules.ship_back_days
    assert fresh.ship_by == period_end(local_date(at, "FR"), days, "FR")

    chosen = at + timedelta(days=3)
    given = make_return(order, status=S.REQUESTED)
    lifecycle.approve(given, actor=staff, ship_by=chosen)
    assert given.ship_by == chosen


def test_a_rejection_states_its_reason_and_tells_the_buyer(order, staff):
    return_request = make_return(order, status=S.REQUESTED)
    with pytest.raises(ValueError):
        lifecycle.reject(return_request, actor=staff, code="other", note="   ")
    assert ReturnRequest.objects.get(pk=return_request.pk).status == S.REQUESTED

    lifecycle.reject(
        return_request,
        actor=staff,
        code="outside-return-window",
        note="Bought more than a year ago.",
    )

    event = return_request.events.get()
    assert event.note == "Bought more than a year ago."
    assert event.actor == staff
    notification = OutboxMessage.objects.get(return_request=return_request)
    assert "The return period for this item has ended" in notification.body
    assert "Bought more than a year ago." in notification.body


def test_receiving_starts_the_policy_refund_clock_unless_the_law_runs_one(order, staff):
    at = timezone.now()
    ordinary = make_return(order, refund_due_by=None)
    receiving.receive_all(ordinary, actor=staff, at=at)
    rules = order.lines.get().pin.version.rules
    assert ordinary.goods_or_proof_at == at
    assert ordinary.refund_due_by == clock.policy_due_by(ordinary, at)
    assert ordinary.refund_due_by >= at + timedelta(days=rules.refund_days)

    statutory_due = at + timedelta(days=3)
    withdrawal = make_return(
        order, refund_due_by=statutory_due, statutory=True, notice_at=at - timedelta(days=11)
    )
    receiving.receive_all(withdrawal, actor=staff, at=at)
    # The law's clock runs from the notice; the goods arriving do not restart it.
    assert withdrawal.refund_due_by == clock.statutory_due_by(
        order.market, withdrawal.notice_at, at
    )


# --- the final amount and the refund --------------------------------------------------


def inspected(order, staff, quantity=2, total="99.80", received=None, result=None, **fields):
    """A return received (`received` of its units; the others lost in transit) and
    every unit that arrived inspected (for a full refund unless `result` says)."""
    return_request = make_return(
        order, status=S.IN_TRANSIT, quantity=quantity, total=total, **fields
    )
    line = return_request.lines.get()
    received = quantity if received is None else received
    receiving.receive(
        return_request,
        {line.pk: LineReceipt(received=received, lost=quantity - received)},
        actor=staff,
    )
    inspect_every_unit(return_request, staff, result)
    return return_request


def test_the_settlement_leaves_out_missing_units(order, staff):
    # Per-unit deductions and refusals: tests/return_portal/test_settlement.py.
    assert booking.preview(inspected(order, staff)).total == Decimal("99.80")
    assert booking.preview(inspected(order, staff, received=1)).total == Decimal("49.90")
    assert booking.preview(inspected(order, staff, received=0)).total == 0


def test_resolving_an_exchange_books_no_refund(order, staff):
    replaced = UnitResult(InspectionOutcome.REPLACEMENT, checklist())
    return_request = inspected(order, staff, resolution="exchange", total="0", result=replaced)
    lifecycle.resolve(return_request, actor=staff)
    assert return_request.status == S.RESOLVED
    assert not Refund.objects.exists()
    order.refresh_from_db()
    assert order.refunded_amount == 0


def test_store_credit_is_booked_without_touching_the_card_refunds(
    order, staff, django_capture_on_commit_callbacks
):
    return_request = inspected(order, staff, resolution="store_credit", total="104.79")
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.resolve(return_request, actor=staff)
    refund = Refund.objects.get()
    # The items and the pinned policy's 10% bonus on store credit.
    assert (refund.amount, refund.resolution, refund.status) == (
        Decimal("109.78"),
        "store_credit",
        "succeeded",
    )
    order.refresh_from_db()
    assert order.refunded_amount == 0


def test_a_second_return_of_the_order_is_capped_at_what_remains_of_the_payment(
    policies, buyer, staff, django_capture_on_commit_callbacks
):
    # Both returns were confirmed before either was refunded, so each estimate was
    # capped only by the whole payment (a discounted order: 60.00 paid for 99.80).
    order = OrderFactory(buyer=buyer, placed_at=ago(6), payment_amount=Decimal("60.00"))
    OrderLineFactory(order=order, reference="A", unit_price=Decimal("49.90"), quantity=2)
    first = inspected(order, staff, quantity=1, total="49.90")
    second = inspected(order, staff, quantity=1, total="54.80")

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.resolve(first, actor=staff)
        lifecycle.resolve(second, actor=staff)

    order.refresh_from_db()
    assert order.refunded_amount == Decimal("60.00")
    assert first.refunds.get().amount == Decimal("49.90")
    assert second.refunds.get().amount == Decimal("10.10")
    assert second.status == S.RESOLVED


def test_nothing_left_to_refund_resolves_without_a_refund(policies, buyer, staff):
    order = OrderFactory(buyer=buyer, placed_at=ago(6), payment_amount=Decimal("49.90"))
    OrderLineFactory(order=order, reference="A", unit_price=Decimal("49.90"), quantity=2)
    first = inspected(order, staff, quantity=1, total="49.90")
    second = inspected(order, staff, quantity=1, total="49.90")
    lifecycle.resolve(first, actor=staff)
    lifecycle.resolve(second, actor=staff)
    assert second.status == S.RESOLVED
    assert not second.refunds.exists()
    order.refresh_from_db()
    assert order.refunded_amount == Decimal("49.90")


# --- notifications in the buyer's language ----------------------------------------------


def test_each_notification_is_rendered_in_the_buyers_language(policies, staff):
    french = UserFactory(preferred_language="fr")
    order = OrderFactory(buyer=french, placed_at=ago(6))
    OrderLineFactory(order=order, reference="A")
    return_request = make_return(order, status=S.REQUESTED)
    languages = []
    render = loader.render_to_string

    def spy(*args, **kwargs):
        languages.append(translation.get_language())
        return render(*args, **kwargs)

    with translation.override("en"), mock.patch.object(notifications, "render_to_string", spy):
        lifecycle.approve(return_request, actor=staff)
        receiving.receive_all(return_request, actor=staff)

    assert languages and set(languages) == {"fr"}
    assert set(OutboxMessage.objects.values_list("language", flat=True)) == {"fr"}
    assert translation.get_language() == "en"


def test_an_unknown_language_falls_back_to_the_site_language(policies, staff):
    buyer = UserFactory(preferred_language="xx")
    order = OrderFactory(buyer=buyer, placed_at=ago(6))
    OrderLineFactory(order=order, reference="A")
    lifecycle.approve(make_return(order, status=S.REQUESTED), actor=staff)
    assert OutboxMessage.objects.get().language == "en"


def test_a_guest_order_is_notified_at_the_order_email(policies, staff):
    order = OrderFactory(buyer=None, buyer_email="guest@example.com", placed_at=ago(6))
    OrderLineFactory(order=order, reference="A")
    return_request = make_return(order, status=S.REQUESTED, buyer=None)
    lifecycle.approve(return_request, actor=staff)
    assert OutboxMessage.objects.get().recipient == "guest@example.com"


# --- locking (PostgreSQL) -------------------------------------------------------------

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no row locks (select_for_update is a no-op there): run with DATABASE_URL",
)


def race(action, return_request, actors):
    """Run `action` for each actor at the same moment, each on its own connection.
    The first to hold the row lock lingers inside its transaction, so without the
    lock the others would read the same old status and succeed too."""
    barrier = threading.Barrier(len(actors))
    outcomes = []
    original = notifications.queue

    def slow_queue(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(0.3)
        return result

    def attempt(actor):
        try:
            barrier.wait(timeout=10)
            action(ReturnRequest.objects.get(pk=return_request.pk), actor)
            outcomes.append("ok")
        except TransitionError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    with mock.patch.object(notifications, "queue", slow_queue):
        threads = [threading.Thread(target=attempt, args=(actor,)) for actor in actors]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    return sorted(outcomes)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_cancels_one_wins(order, buyer):
    return_request = make_return(order, status=S.APPROVED)

    outcomes = race(lambda r, actor: lifecycle.cancel(r, actor=actor), return_request, [buyer] * 2)

    assert outcomes == ["ok", "refused"]
    assert ReturnEvent.objects.filter(return_request=return_request).count() == 1
    assert OutboxMessage.objects.filter(return_request=return_request).count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_cancel_racing_a_receipt_leaves_one_outcome(order, buyer, staff):
    return_request = make_return(order, status=S.APPROVED)

    def cancel_or_receive(r, actor):
        if actor == buyer:
            lifecycle.cancel(r, actor=actor)
        else:
            receiving.receive_all(r, actor=actor)

    outcomes = race(cancel_or_receive, return_request, [buyer, staff])

    assert outcomes == ["ok", "refused"]
    return_request.refresh_from_db()
    events = list(ReturnEvent.objects.filter(return_request=return_request))
    assert [e.to_status for e in events] == [return_request.status]


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_receipts_one_wins(order, staff):
    return_request = make_return(order, status=S.IN_TRANSIT)
    other = returns_staff_user()

    outcomes = race(
        lambda r, actor: receiving.receive_all(r, actor=actor), return_request, [staff, other]
    )

    assert outcomes == ["ok", "refused"]
    assert ReturnEvent.objects.filter(return_request=return_request).count() == 1
