"""Starting a return, withdrawing, and the lifecycle: the services every screen calls."""

from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import OutboxMessage
from marketplace.models import Order
from return_portal import lifecycle, receiving
from return_portal.confirm import confirm_return
from return_portal.draft import Draft, StepError
from return_portal.lifecycle import TransitionError
from return_portal.models import (
    Refund,
    ReturnEvent,
    ReturnKind,
    ReturnRequest,
    ReturnStatus,
)
from return_portal.refunds import clock
from return_portal.steps import review
from return_portal.withdrawal import withdraw
from tests.factories import UserFactory
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import returns_staff_user
from tests.return_portal.inspecting import inspect_every_unit


def ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def order(policies, buyer):
    order = OrderFactory(buyer=buyer, placed_at=ago(6), payment_amount=Decimal("104.70"))
    OrderLineFactory(order=order, reference="A", unit_price=Decimal("49.90"), quantity=2)
    return order


def draft_for(order, **changes):
    values = {
        "quantities": {"A": 1},
        "reason_code": "too-small",
        "condition": "like_new",
        "resolution": "refund",
        "shipping_method": "drop_off",
    }
    values.update(changes)
    return Draft(order_id=order.pk, **values)


def test_confirm_creates_one_requested_return_with_rma_events_and_a_notification(
    order, buyer, reasons, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created, is_new = confirm_return(buyer, order, draft_for(order))

    assert is_new
    assert created.rma.startswith("RMA-")
    # A change of mind waits for the seller's decision (approval.py).
    assert created.status == ReturnStatus.REQUESTED
    assert created.approval_due_by is not None and created.ship_by is None
    assert created.drop_off_code
    assert [e.to_status for e in ReturnEvent.objects.filter(return_request=created)] == [
        "requested",
    ]
    assert OutboxMessage.objects.filter(return_request=created, sent_at__isnull=False).exists()
    assert any(created.rma in message.subject for message in mail.outbox)


def test_a_replayed_confirm_creates_nothing_more(order, buyer, reasons):
    draft = draft_for(order)
    first, _ = confirm_return(buyer, order, draft)
    again, is_new = confirm_return(buyer, order, draft)

    assert not is_new
    assert again.pk == first.pk
    assert ReturnRequest.objects.count() == 1


def test_confirm_rechecks_quantities_against_returns_made_since(order, buyer, reasons):
    confirm_return(buyer, order, draft_for(order, quantities={"A": 2}))

    with pytest.raises(StepError) as error:
        confirm_return(buyer, order, draft_for(order, quantities={"A": 1}))

    assert "items" in error.value.errors
    assert ReturnRequest.objects.count() == 1


def test_another_buyer_cannot_confirm_on_this_order(order, reasons):
    with pytest.raises(StepError):
        confirm_return(UserFactory(), order, draft_for(order))
    assert not ReturnRequest.objects.exists()


def test_a_parent_reason_cannot_be_chosen(order, reasons):
    with pytest.raises(StepError) as error:
        review(order, draft_for(order, reason_code="size-fit"), timezone.now())
    assert "reason" in error.value.errors


def test_a_defect_ships_free_and_is_not_charged_a_restocking_fee(order, reasons):
    changed_mind = review(order, draft_for(order), timezone.now())
    defect = review(order, draft_for(order, reason_code="arrived-damaged"), timezone.now())

    assert defect.estimate.total >= changed_mind.estimate.total
    assert all(f.code != "return_shipping" for f in defect.estimate.figures)


def test_withdrawing_from_the_whole_order_refunds_standard_delivery(
    order, buyer, reasons, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [withdrawal], created = withdraw(buyer, order, [], key="k1")

    assert created
    assert withdrawal.kind == ReturnKind.WITHDRAWAL
    assert withdrawal.status == ReturnStatus.APPROVED
    assert withdrawal.notice_at is not None
    assert withdrawal.refund_due_by == clock.statutory_due_by("FR", withdrawal.notice_at)
    codes = [figure["code"] for figure in withdrawal.estimate["figures"]]
    assert "original_shipping" in codes
    acknowledgement = next(m for m in mail.outbox if order.reference in m.subject)
    assert withdrawal.rma in acknowledgement.body
    assert withdrawal.notice_at.astimezone(UTC).isoformat()[:19] in acknowledgement.body


def test_a_line_named_twice_is_withdrawn_once(order, buyer, reasons):
    [withdrawal], _created = withdraw(buyer, order, ["A", "A"], key="k-twice")

    assert [(line.order_line.reference, line.quantity) for line in withdrawal.lines.all()] == [
        ("A", 2)
    ]


def test_another_buyers_key_is_never_answered_with_their_return(order, buyer, reasons):
    [theirs], _created = withdraw(buyer, order, [], key="k-theirs")
    other = UserFactory()
    other_order = OrderFactory(buyer=other, placed_at=ago(6))
    OrderLineFactory(order=other_order, reference="A")

    with pytest.raises(StepError):
        withdraw(other, other_order, [], key="k-theirs")
    with pytest.raises(StepError):
        # The key the withdrawal's part holds (the same seller's).
        confirm_return(other, other_order, draft_for(other_order, key=theirs.idempotency_key))

    assert ReturnRequest.objects.get(idempotency_key=theirs.idempotency_key) == theirs
    assert not ReturnRequest.objects.filter(order=other_order).exists()


def test_no_withdrawal_after_the_period(policies, buyer, reasons):
    old = OrderFactory(buyer=buyer, placed_at=ago(90))
    OrderLineFactory(order=old, reference="A", delivered_at=ago(80))

    with pytest.raises(StepError):
        withdraw(buyer, old, [], key="k2")


def approved(buyer, order, staff=None):
    """A return as the buyer confirms it, approved by staff."""
    created, _ = confirm_return(buyer, order, draft_for(order))
    return lifecycle.approve(created, actor=staff or returns_staff_user(), actor_kind="staff")


def test_the_lifecycle_refuses_transitions_outside_its_table(order, buyer, reasons):
    created = approved(buyer, order)

    with pytest.raises(TransitionError):
        lifecycle.close(created)
    lifecycle.mark_in_transit(created, tracking="TRACK1")
    with pytest.raises(TransitionError):
        lifecycle.cancel(created, actor=buyer)


def test_resolving_books_the_refund_and_pays_it_once(
    order, buyer, reasons, django_capture_on_commit_callbacks
):
    staff = returns_staff_user()
    created = approved(buyer, order, staff)
    receiving.receive_all(created, actor=staff)
    inspect_every_unit(created, staff)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.resolve(created, actor=staff)

    refund = Refund.objects.get(return_request=created)
    assert refund.amount == created.estimated_total
    assert refund.status == "succeeded"
    order.refresh_from_db()
    assert order.refunded_amount == refund.amount


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_refunds_beyond_what_was_paid(policies, buyer):
    order = OrderFactory(buyer=buyer, payment_amount=Decimal("10.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(refunded_amount=Decimal("10.01"))
