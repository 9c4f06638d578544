"""Receiving per line: several receipts ("2 of 3, then the last"), lost, wrong-item
and short-shipped units, what the buyer is told, the refund clock, who may
receive, and the staff's receive form refusing bad input without a 500."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from core.models import OutboxMessage
from return_portal import receiving
from return_portal.actors import ActionDenied
from return_portal.lifecycle import TransitionError
from return_portal.models import BackOfficeSettings, ReturnLine, ReturnRequest, ReturnStatus
from return_portal.receiving import LineReceipt
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory
from tests.return_portal.factories import (
    ReturnLineFactory,
    ReturnRequestFactory,
    returns_staff_user,
)
from tests.return_portal.inspecting import at_once, receipt_post

S = ReturnStatus


@pytest.fixture
def staff(db):
    return returns_staff_user(with_totp=True)


@pytest.fixture
def order(policies, buyer):
    order = OrderFactory(
        buyer=buyer, placed_at=timezone.now() - timedelta(days=6), payment_amount=Decimal("200")
    )
    OrderLineFactory(order=order, reference="A", title="Oxford shirt", quantity=3)
    OrderLineFactory(order=order, reference="B", title="Linen scarf", quantity=1)
    return order


def a_return(order, status=S.APPROVED, shirts=3, scarves=1, **fields):
    return_request = ReturnRequestFactory(order=order, status=status, **fields)
    ReturnLineFactory(
        return_request=return_request, order_line=order.lines.get(reference="A"), quantity=shirts
    )
    if scarves:
        ReturnLineFactory(
            return_request=return_request,
            order_line=order.lines.get(reference="B"),
            quantity=scarves,
        )
    return return_request


def lines_of(return_request):
    shirt = return_request.lines.get(order_line__reference="A")
    scarf = return_request.lines.filter(order_line__reference="B").first()
    return shirt, scarf


def counts(line):
    line = ReturnLine.objects.get(pk=line.pk)
    return (
        line.received_quantity,
        line.lost_quantity,
        line.wrong_item_quantity,
        line.short_quantity,
    )


# --- receipts ----------------------------------------------------------------------------


def test_two_of_three_then_the_last(order, staff):
    return_request = a_return(order, scarves=0)
    shirt, _ = lines_of(return_request)
    first_at = timezone.now() - timedelta(hours=2)

    receiving.receive(return_request, {shirt.pk: LineReceipt(received=2)}, actor=staff, at=first_at)

    assert return_request.status == S.PARTIALLY_RECEIVED
    assert return_request.goods_or_proof_at == first_at
    assert counts(shirt) == (2, 0, 0, 0)

    receiving.receive(return_request, {shirt.pk: LineReceipt(received=1)}, actor=staff)

    return_request.refresh_from_db()
    assert return_request.status == S.RECEIVED
    assert return_request.goods_or_proof_at == first_at  # the first receipt's
    assert counts(shirt) == (3, 0, 0, 0)
    events = list(return_request.events.values_list("from_status", "to_status", "code"))
    assert events == [
        (S.APPROVED, S.PARTIALLY_RECEIVED, ""),
        (S.PARTIALLY_RECEIVED, S.RECEIVED, ""),
    ]
    verbs = list(
        ModelLogEntry.objects.filter(object_id=str(return_request.pk))
        .order_by("timestamp", "id")
        .values_list("action", flat=True)
    )
    assert verbs == ["return_portal.receive_part", "return_portal.receive"]


def test_a_receipt_that_leaves_units_out_again_is_an_event(order, staff):
    return_request = a_return(order)
    shirt, scarf = lines_of(return_request)

    receiving.receive(return_request, {shirt.pk: LineReceipt(received=1)}, actor=staff)
    receiving.receive(return_request, {scarf.pk: LineReceipt(received=1)}, actor=staff)

    assert return_request.status == S.PARTIALLY_RECEIVED
    last = return_request.events.last()
    assert (last.from_status, last.to_status, last.code) == (
        S.PARTIALLY_RECEIVED,
        S.PARTIALLY_RECEIVED,
        "units_received",
    )
    assert "Linen scarf: 1 received" in last.note
    assert ModelLogEntry.objects.filter(action="return_portal.units_received").count() == 1
    assert OutboxMessage.objects.filter(return_request=return_request).count() == 2


def test_lost_wrong_and_short_units_are_accounted_for(order, staff):
    return_request = a_return(order)
    shirt, scarf = lines_of(return_request)

    receiving.receive(
        return_request,
        {shirt.pk: LineReceipt(received=1, lost=1, wrong_item=1), scarf.pk: LineReceipt(short=1)},
        actor=staff,
    )

    assert return_request.status == S.RECEIVED  # every unit accounted for
    assert counts(shirt) == (1, 1, 1, 0)
    assert counts(scarf) == (0, 0, 0, 1)
    note = return_request.events.get().note
    assert "1 lost in transit" in note and "1 wrong item" in note and "1 not sent" in note


def test_the_whole_parcel_at_once(order, staff):
    return_request = a_return(order, status=S.IN_TRANSIT)
    receiving.receive(
        return_request,
        {line.pk: LineReceipt(received=line.quantity) for line in return_request.lines.all()},
        actor=staff,
    )
    assert return_request.status == S.RECEIVED
    assert [e.to_status for e in return_request.events.all()] == [S.RECEIVED]


def test_receive_all_takes_what_is_still_expected(order, staff):
    return_request = a_return(order)
    shirt, scarf = lines_of(return_request)
    receiving.receive(return_request, {shirt.pk: LineReceipt(received=1, lost=1)}, actor=staff)

    receiving.receive_all(return_request, actor=staff)

    assert return_request.status == S.RECEIVED
    assert counts(shirt) == (2, 1, 0, 0)
    assert counts(scarf) == (1, 0, 0, 0)


@pytest.mark.parametrize(
    "receipt",
    [
        LineReceipt(received=4),  # more than returned
        LineReceipt(received=2, lost=2),  # more than returned, together
        LineReceipt(received=-1, lost=2),
        LineReceipt(),  # nothing at all
    ],
)
def test_a_receipt_that_does_not_fit_is_refused_and_writes_nothing(order, staff, receipt):
    return_request = a_return(order)
    shirt, _ = lines_of(return_request)

    with pytest.raises(ValueError):
        receiving.receive(return_request, {shirt.pk: receipt}, actor=staff)

    return_request.refresh_from_db()
    assert return_request.status == S.APPROVED
    assert return_request.goods_or_proof_at is None
    assert counts(shirt) == (None, 0, 0, 0)
    assert not return_request.events.exists()
    assert not OutboxMessage.objects.exists()


def test_more_than_still_expected_is_refused_on_a_later_receipt(order, staff):
    return_request = a_return(order)
    shirt, _ = lines_of(return_request)
    receiving.receive(return_request, {shirt.pk: LineReceipt(received=2)}, actor=staff)

    with pytest.raises(ValueError, match="only 1 unit is still expected"):
        receiving.receive(return_request, {shirt.pk: LineReceipt(received=2)}, actor=staff)
    assert counts(shirt) == (2, 0, 0, 0)


def test_a_line_of_another_return_is_refused(order, staff):
    return_request = a_return(order)
    other = a_return(order, scarves=0)
    stranger, _ = lines_of(other)
    with pytest.raises(ValueError):
        receiving.receive(return_request, {stranger.pk: LineReceipt(received=1)}, actor=staff)
    assert counts(stranger) == (None, 0, 0, 0)


@pytest.mark.parametrize("status", [S.REQUESTED, S.RECEIVED, S.CANCELLED, S.INSPECTED])
def test_nothing_can_arrive_outside_the_receiving_statuses(order, staff, status):
    return_request = a_return(order, status=status)
    shirt, _ = lines_of(return_request)
    with pytest.raises(TransitionError):
        receiving.receive(return_request, {shirt.pk: LineReceipt(received=1)}, actor=staff)
    assert not return_request.events.exists()


def test_the_database_keeps_the_counts_within_the_quantity(order):
    return_request = a_return(order, scarves=0)
    shirt, _ = lines_of(return_request)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnLine.objects.filter(pk=shirt.pk).update(received_quantity=2, lost_quantity=2)


# --- the refund clock and the inspection deadline ----------------------------------------


def test_the_first_receipt_starts_the_policy_refund_clock(order, staff):
    return_request = a_return(order, scarves=0)
    shirt, _ = lines_of(return_request)
    first_at = timezone.now() - timedelta(days=1)

    receiving.receive(return_request, {shirt.pk: LineReceipt(received=1)}, actor=staff, at=first_at)
    due = return_request.refund_due_by
    receiving.receive(return_request, {shirt.pk: LineReceipt(received=2)}, actor=staff)

    days = shirt.order_line.pin.version.rules.refund_days
    assert due is not None and due >= first_at + timedelta(days=days)
    return_request.refresh_from_db()
    assert return_request.refund_due_by == due  # not moved by the later receipt


def test_the_inspection_is_due_the_settings_days_after_receipt():
    at = timezone.now()
    settings = BackOfficeSettings(inspection_sla_days=5)
    assert receiving.inspection_due_by(at, settings) == at + timedelta(days=5)


# --- who may receive -----------------------------------------------------------------------


def test_seller_staff_receive_only_their_own_and_when_the_marketplace_lets_them(order):
    return_request = a_return(order, scarves=0)
    shirt, _ = lines_of(return_request)
    own = returns_staff_user(operator=False, sellers=[shirt.order_line.seller])
    stranger = returns_staff_user(operator=False, sellers=[SellerFactory(reference="other")])

    with pytest.raises(ActionDenied):
        receiving.receive(return_request, {shirt.pk: LineReceipt(received=1)}, actor=stranger)

    settings = BackOfficeSettings.load()
    settings.sellers_receive = False
    settings.save()
    with pytest.raises(ActionDenied):
        receiving.receive(return_request, {shirt.pk: LineReceipt(received=1)}, actor=own)
    assert counts(shirt) == (None, 0, 0, 0)

    settings.sellers_receive = True
    settings.save()
    receiving.receive(return_request, {shirt.pk: LineReceipt(received=1)}, actor=own)
    assert counts(shirt) == (1, 0, 0, 0)


def test_the_system_and_buyers_do_not_receive(order):
    return_request = a_return(order, scarves=0)
    shirt, _ = lines_of(return_request)
    with pytest.raises(ActionDenied):
        receiving.receive(return_request, {shirt.pk: LineReceipt(received=1)}, actor=None)
    with pytest.raises(ActionDenied):
        receiving.receive(
            return_request, {shirt.pk: LineReceipt(received=1)}, actor=return_request.buyer
        )


# --- what the buyer is told ----------------------------------------------------------------


def test_the_buyer_is_told_what_arrived_by_email_and_on_their_page(client, order, staff):
    return_request = a_return(order)
    shirt, _ = lines_of(return_request)

    receiving.receive(return_request, {shirt.pk: LineReceipt(received=2, lost=1)}, actor=staff)

    email = OutboxMessage.objects.get(return_request=return_request)
    assert "partly received" in email.body
    assert "Oxford shirt: 2 of 3 received, 1 lost in transit" in email.body
    assert "Linen scarf: not arrived yet" in email.body
    client.force_login(return_request.buyer)
    page = client.get(reverse("return_portal:detail", args=[return_request.public_id]))
    html = page.content.decode()
    assert "2 of 3 received, 1 lost in transit" in html
    assert "waiting for the rest" in html


# --- the staff's receive form --------------------------------------------------------------


def post_receipt(client, return_request, **data):
    url = reverse("returns:inspect", args=[return_request.pk])
    return client.post(url, {"action": "receive", **data})


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_the_receive_form_records_a_receipt(staff_client, order):
    return_request = a_return(order)
    shirt, scarf = lines_of(return_request)

    response = post_receipt(
        staff_client,
        return_request,
        **receipt_post(shirt, received=2, wrong_item=1),
        **receipt_post(scarf),
    )

    assert response.status_code == 302
    assert counts(shirt) == (2, 0, 1, 0)
    assert counts(scarf) == (None, 0, 0, 0)
    page = staff_client.get(response["Location"]).content.decode()
    assert "Receipt recorded." in page
    assert f'name="receive-{scarf.pk}-received"' in page  # still expected
    assert f'name="receive-{shirt.pk}-received"' not in page  # all accounted for


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"received": "4"}, "less than or equal to 3"),
        ({"received": "2", "lost": "2"}, "Only 3 units are still expected"),
        ({"received": "-1"}, "greater than or equal to 0"),
        ({"received": "1\x00"}, "Enter a whole number."),
        ({"received": "9" * 40}, "less than or equal to 3"),
        ({}, "Say how many units arrived"),
    ],
)
def test_the_receive_form_refuses_bad_input_inline(staff_client, order, values, error):
    return_request = a_return(order)
    shirt, scarf = lines_of(return_request)
    data = {**receipt_post(shirt), **receipt_post(scarf)}
    data.update({f"receive-{shirt.pk}-{name}": value for name, value in values.items()})

    response = post_receipt(staff_client, return_request, **data)

    assert response.status_code == 422
    assert error in response.content.decode()
    assert counts(shirt) == (None, 0, 0, 0)
    assert not return_request.events.exists()


# --- at the same moment (PostgreSQL) ------------------------------------------------------

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no row locks (select_for_update is a no-op there): run with DATABASE_URL",
)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_receipts_of_the_same_units_at_once_count_them_once(order, staff):
    return_request = a_return(order, scarves=0)
    shirt, _ = lines_of(return_request)
    other = returns_staff_user()

    def two_of_three(actor):
        return lambda: receiving.receive(
            ReturnRequest.objects.get(pk=return_request.pk),
            {shirt.pk: LineReceipt(received=2)},
            actor=actor,
        )

    outcomes = at_once(two_of_three(staff), two_of_three(other))

    assert outcomes == ["ValueError", "ok"]
    assert counts(shirt) == (2, 0, 0, 0)
    assert return_request.events.count() == 1
