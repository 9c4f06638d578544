"""Internal notes on a return (return_portal/notes.py): an action like the others
(checked, locked, an event and an audit entry, once per key), shown to staff on
the return's page, and never to the buyer: not on their page, in their emails,
in their data export or in the API."""

from __future__ import annotations

import pytest
from django.test import Client
from wagtail.models import ModelLogEntry

from core.models import OutboxMessage
from marketplace.models import ApiToken
from return_portal import lifecycle, notes, support
from return_portal.actors import ActionDenied
from return_portal.models import ReturnEvent, ReturnNote
from return_portal.privacy import export_returns
from tests.factories import StaffUserFactory
from tests.return_portal.queue_helpers import (
    detail_url,
    make_return,
    operator_staff,
    seller,
    seller_staff,
)

SECRET = "Buyer sounds like a reseller: check the serial numbers"


@pytest.fixture
def durand(policies):
    return seller("maison-durand", "Maison Durand")


@pytest.fixture
def lumiere(policies):
    return seller("atelier-lumiere", "Atelier Lumière")


@pytest.fixture
def requested(durand, buyer):
    return make_return(durand, "requested", buyer=buyer)


def test_a_note_is_an_action_with_its_event_and_audit_entry(requested):
    staff = operator_staff()

    note = notes.add_note(requested, f"  {SECRET}  ", actor=staff, key="k1")

    assert (note.body, note.author, note.return_request_id) == (SECRET, staff, requested.pk)
    event = ReturnEvent.objects.get(return_request=requested, code="note")
    assert (event.actor, event.actor_kind, event.to_status) == (staff, "staff", "requested")
    assert event.note == ""  # the text stays in the note
    entry = ModelLogEntry.objects.get(action="return_portal.note")
    assert (entry.object_id, entry.user) == (str(requested.pk), staff)
    assert SECRET not in str(entry.data)
    assert not OutboxMessage.objects.filter(return_request=requested).exists()


def test_the_same_key_adds_the_note_once(requested):
    staff = operator_staff()

    first = notes.add_note(requested, SECRET, actor=staff, key="same")
    again = notes.add_note(requested, SECRET, actor=staff, key="same")

    assert first.pk == again.pk
    assert ReturnNote.objects.count() == 1
    assert ReturnEvent.objects.filter(code="note").count() == 1


def test_a_key_of_another_return_is_refused(requested, durand, buyer):
    staff = operator_staff()
    other = make_return(durand, "requested", buyer=buyer)
    notes.add_note(requested, SECRET, actor=staff, key="used")

    with pytest.raises(notes.NoteError):
        notes.add_note(other, "Another note", actor=staff, key="used")
    assert not ReturnNote.objects.filter(return_request=other).exists()


@pytest.mark.parametrize("body", ["", "   ", "x" * (notes.MAX_LENGTH + 1)])
def test_an_empty_or_overlong_note_is_refused(requested, body):
    with pytest.raises(notes.NoteError):
        notes.add_note(requested, body, actor=operator_staff())
    assert not ReturnNote.objects.exists()


def test_only_staff_within_the_return_s_seller_add_notes(requested, durand, lumiere, buyer):
    notes.add_note(requested, "Seller's own note", actor=seller_staff(durand))
    for outsider in (seller_staff(lumiere), buyer, StaffUserFactory(with_totp=True)):
        with pytest.raises(ActionDenied):
            notes.add_note(requested, SECRET, actor=outsider)
    assert list(ReturnNote.objects.values_list("body", flat=True)) == ["Seller's own note"]


def test_staff_read_and_add_notes_on_the_return_s_page(client, requested):
    staff = operator_staff()
    notes.add_note(requested, SECRET, actor=staff)
    client.force_login(staff)

    page = client.get(detail_url(requested)).content.decode()
    assert SECRET in page
    assert 'name="action" value="note"' in page

    response = client.post(
        detail_url(requested), {"action": "note", "note-body": "Called the buyer", "note-key": "n2"}
    )
    assert response.status_code == 302
    client.post(
        detail_url(requested), {"action": "note", "note-body": "Called the buyer", "note-key": "n2"}
    )
    assert ReturnNote.objects.filter(body="Called the buyer").count() == 1

    empty = client.post(detail_url(requested), {"action": "note", "note-body": " "})
    assert empty.status_code == 422
    assert "Write the note before adding it." in empty.content.decode()


def test_another_seller_s_staff_cannot_post_a_note(client, requested, lumiere):
    client.force_login(seller_staff(lumiere))
    response = client.post(detail_url(requested), {"action": "note", "note-body": SECRET})
    assert response.status_code == 404
    assert not ReturnNote.objects.exists()


def test_a_note_never_reaches_the_buyer(client, requested, buyer, durand):
    staff = operator_staff()
    notes.add_note(requested, SECRET, actor=staff)
    # What the buyer is sent and shown after the note: a decision, a reply.
    lifecycle.approve(requested, actor=staff, actor_kind="staff", note="Approved")
    support.reply(requested, staff, "We have approved your return.", key="r1")
    notes.add_note(requested, SECRET + " (again)", actor=staff)

    # Their page, its live fragments, their thread.
    buyer_client = Client()
    buyer_client.force_login(buyer)
    for name in ("detail", "status", "messages"):
        from django.urls import reverse

        html = buyer_client.get(reverse(f"return_portal:{name}", args=[requested.public_id]))
        assert html.status_code == 200
        body = html.content.decode()
        assert "serial numbers" not in body, name
        # Nor a trace of the note in their timeline (it has no status of its own).
        assert "Added an internal note" not in body

    # Their emails.
    emails = OutboxMessage.objects.filter(recipient=buyer.email)
    assert emails.count() >= 2
    for email in emails:
        assert "serial numbers" not in email.subject + email.body

    # Their data export (the privacy page's download).
    assert "serial numbers" not in str(export_returns(buyer))

    # The API: the order's eligibility, and the returns API where it exists.
    _token, raw = ApiToken.issue("storefront")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    answer = api.get(f"/api/v1/orders/{requested.order.reference}/eligibility")
    assert answer.status_code == 200
    assert "serial numbers" not in answer.content.decode()
    returns_api = api.get(f"/api/v1/returns/{requested.rma}")
    if returns_api.status_code == 200:
        assert "serial numbers" not in returns_api.content.decode()
