"""A receipt is done once per key: the staff's receive form carries a hidden key
drawn with the page, kept (unique) on the receipt's event, so the same form
posted twice (a double click, two tabs) counts its units once, under the
return's lock; a new form (a new key) is a new receipt."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.urls import reverse

from return_portal import receiving
from return_portal.models import ReturnEvent, ReturnRequest, ReturnStatus
from return_portal.receiving import LineReceipt
from tests.return_portal.factories import returns_staff_user
from tests.return_portal.inspecting import at_once, receipt_post
from tests.return_portal.test_receiving import a_return, counts, lines_of, order, staff

__all__ = ["order", "staff"]  # the fixtures of test_receiving.py

S = ReturnStatus


def post_receipt(client, return_request, key, **data):
    url = reverse("returns:inspect", args=[return_request.pk])
    return client.post(url, {"action": "receive", "receive-key": key, **data})


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


# --- the form ------------------------------------------------------------------------------


def test_the_receive_form_carries_a_fresh_key(staff_client, order):
    return_request = a_return(order)
    url = reverse("returns:inspect", args=[return_request.pk])

    first = staff_client.get(url).content.decode()
    second = staff_client.get(url).content.decode()

    assert 'type="hidden" name="receive-key"' in first
    key_of = lambda html: html.split('name="receive-key" value="')[1].split('"')[0]  # noqa: E731
    assert key_of(first) and key_of(first) != key_of(second)


def test_the_same_receipt_posted_twice_counts_its_units_once(staff_client, order):
    return_request = a_return(order)
    shirt, scarf = lines_of(return_request)
    key = uuid.uuid4().hex
    data = {**receipt_post(shirt, received=1), **receipt_post(scarf)}

    first = post_receipt(staff_client, return_request, key, **data)
    again = post_receipt(staff_client, return_request, key, **data)

    assert (first.status_code, again.status_code) == (302, 302)
    assert counts(shirt) == (1, 0, 0, 0)
    assert return_request.events.count() == 1
    assert ReturnEvent.objects.get(return_request=return_request).idempotency_key == key
    assert "Receipt recorded." in staff_client.get(again["Location"]).content.decode()


def test_two_forms_are_two_receipts(staff_client, order):
    return_request = a_return(order)
    shirt, scarf = lines_of(return_request)
    data = {**receipt_post(shirt, received=1), **receipt_post(scarf)}

    post_receipt(staff_client, return_request, uuid.uuid4().hex, **data)
    post_receipt(staff_client, return_request, uuid.uuid4().hex, **data)

    assert counts(shirt) == (2, 0, 0, 0)
    assert return_request.events.count() == 2


def test_the_form_posted_again_once_everything_arrived_is_done_not_an_error(staff_client, order):
    # The first post accounted for every unit: the lines the second post names
    # expect nothing any more, and the return is received. Still done, once.
    return_request = a_return(order)
    shirt, scarf = lines_of(return_request)
    key = uuid.uuid4().hex
    data = {**receipt_post(shirt, received=3), **receipt_post(scarf, lost=1)}

    post_receipt(staff_client, return_request, key, **data)
    again = post_receipt(staff_client, return_request, key, **data)

    assert again.status_code == 302
    assert ReturnRequest.objects.get(pk=return_request.pk).status == S.RECEIVED
    assert (counts(shirt), counts(scarf)) == ((3, 0, 0, 0), (0, 1, 0, 0))
    assert return_request.events.count() == 1


def test_a_refused_form_keeps_its_key_and_records_once_corrected(staff_client, order):
    return_request = a_return(order)
    shirt, scarf = lines_of(return_request)
    key = uuid.uuid4().hex

    refused = post_receipt(
        staff_client, return_request, key, **receipt_post(shirt, received=9), **receipt_post(scarf)
    )
    assert refused.status_code == 422
    assert f'name="receive-key" value="{key}"' in refused.content.decode()

    data = {**receipt_post(shirt, received=2), **receipt_post(scarf)}
    assert post_receipt(staff_client, return_request, key, **data).status_code == 302
    assert counts(shirt) == (2, 0, 0, 0)


def test_a_key_of_another_return_is_refused(staff_client, order):
    first, second = a_return(order, scarves=0), a_return(order, scarves=0)
    key = uuid.uuid4().hex
    post_receipt(staff_client, first, key, **receipt_post(lines_of(first)[0], received=1))

    response = post_receipt(
        staff_client, second, key, **receipt_post(lines_of(second)[0], received=1)
    )

    assert response.status_code == 422
    assert "This form was already used for another return." in response.content.decode()
    assert counts(lines_of(second)[0]) == (None, 0, 0, 0)
    assert not second.events.exists()


# --- the action ----------------------------------------------------------------------------


def test_receive_and_receive_all_under_one_key_are_done_once(order, staff):
    partial = a_return(order, scarves=0)
    shirt, _ = lines_of(partial)
    for _attempt in range(2):
        receiving.receive(partial, {shirt.pk: LineReceipt(received=1)}, actor=staff, key="k-1")
    assert counts(shirt) == (1, 0, 0, 0)
    assert partial.status == S.PARTIALLY_RECEIVED
    receiving.receive(partial, {shirt.pk: LineReceipt(received=1)}, actor=staff, key="k-2")
    assert counts(shirt) == (2, 0, 0, 0)

    whole = a_return(order)
    for _attempt in range(2):
        receiving.receive_all(whole, actor=staff, key="k-all")
    assert whole.status == S.RECEIVED
    assert whole.events.count() == 1

    with pytest.raises(ValueError, match="already used for another return"):
        receiving.receive_all(a_return(order), actor=staff, key="k-all")


def test_a_key_does_not_let_an_actor_through(order):
    from return_portal.actors import ActionDenied

    return_request = a_return(order, scarves=0)
    shirt, _ = lines_of(return_request)
    staff = returns_staff_user()
    receiving.receive(return_request, {shirt.pk: LineReceipt(received=1)}, actor=staff, key="k")
    with pytest.raises(ActionDenied):
        receiving.receive(return_request, {shirt.pk: LineReceipt(received=1)}, actor=None, key="k")


# --- at the same moment (PostgreSQL) ------------------------------------------------------

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no row locks (select_for_update is a no-op there): run with DATABASE_URL",
)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_receipt_twice_at_once_counts_once(order, staff):
    return_request = a_return(order, scarves=0)
    shirt, _ = lines_of(return_request)

    def one_of_three():
        return receiving.receive(
            ReturnRequest.objects.get(pk=return_request.pk),
            {shirt.pk: LineReceipt(received=1)},
            actor=staff,
            key="double-click",
        )

    outcomes = at_once(one_of_three, one_of_three)

    assert outcomes == ["ok", "ok"]  # the second is told it is done
    assert counts(shirt) == (1, 0, 0, 0)
    assert return_request.events.count() == 1
