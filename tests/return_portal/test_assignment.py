"""Assigning a return to a staff member (return_portal/assignment.py): an action
(checked, locked, an event, an audit entry, the assignee's email), done once
when repeated, and only to staff who may work that seller's returns."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from wagtail.models import ModelLogEntry

from core.models import OutboxMessage
from marketplace.scoping import scope_of_user
from return_portal.actors import ActionDenied
from return_portal.assignment import AssignmentError, assign, assignable_staff
from return_portal.models import ReturnEvent, ReturnRequest
from tests.factories import StaffUserFactory
from tests.return_portal.queue_helpers import make_return, operator_staff, seller, seller_staff


@pytest.fixture
def durand(policies):
    return seller("maison-durand", "Maison Durand")


@pytest.fixture
def lumiere(policies):
    return seller("atelier-lumiere", "Atelier Lumière")


@pytest.fixture
def requested(durand, buyer):
    return make_return(durand, "requested", buyer=buyer)


def test_assigning_records_an_event_an_audit_entry_and_emails_the_assignee(requested, durand):
    lead = operator_staff()
    colleague = seller_staff(durand)

    assign(requested, colleague, actor=lead)

    assert ReturnRequest.objects.get(pk=requested.pk).assignee == colleague
    event = ReturnEvent.objects.get(return_request=requested, code="assign")
    assert (event.actor, event.actor_kind) == (lead, "staff")
    entry = ModelLogEntry.objects.get(action="return_portal.assign")
    assert entry.user == lead and colleague.email in entry.data["note"]
    email = OutboxMessage.objects.get(kind="assigned")
    assert email.recipient == colleague.email
    assert requested.rma in email.subject and f"/admin/returns/{requested.pk}/" in email.body
    # The buyer is told nothing.
    assert not OutboxMessage.objects.filter(recipient=requested.buyer.email).exists()


def test_assigning_the_same_person_again_changes_nothing(requested):
    lead = operator_staff()
    assign(requested, lead, actor=lead)
    assign(requested, lead, actor=lead)

    assert ReturnEvent.objects.filter(code="assign").count() == 1
    # Taking a return yourself sends you no email.
    assert not OutboxMessage.objects.filter(kind="assigned").exists()


def test_unassigning(requested):
    lead = operator_staff()
    assign(requested, lead, actor=lead)
    assign(requested, None, actor=lead)

    assert ReturnRequest.objects.get(pk=requested.pk).assignee is None
    assert ReturnEvent.objects.filter(code="assign").count() == 2


def test_only_staff_of_the_return_s_seller_can_be_assigned(requested, lumiere, buyer):
    lead = operator_staff()
    inactive = operator_staff(is_active=False)
    for wrong in (seller_staff(lumiere), buyer, StaffUserFactory(with_totp=True), inactive):
        with pytest.raises(AssignmentError):
            assign(requested, wrong, actor=lead)
    assert ReturnRequest.objects.get(pk=requested.pk).assignee is None
    assert not ReturnEvent.objects.filter(code="assign").exists()


def test_only_staff_within_the_scope_assign(requested, durand, lumiere, buyer):
    for outsider in (seller_staff(lumiere), buyer):
        with pytest.raises(ActionDenied):
            assign(requested, operator_staff(), actor=outsider)
    # A seller's staff assign their own seller's returns, to a colleague.
    colleague = seller_staff(durand)
    assign(requested, colleague, actor=seller_staff(durand))
    assert ReturnRequest.objects.get(pk=requested.pk).assignee == colleague


def test_the_people_offered_are_those_who_may_work_returns(durand, lumiere):
    lead = operator_staff(email="lead@example.com")
    mine = seller_staff(durand, email="durand@example.com")
    theirs = seller_staff(lumiere, email="lumiere@example.com")
    viewer = StaffUserFactory(with_totp=True, email="viewer@example.com")
    viewer.user_permissions.add(Permission.objects.get(codename="view_returnrequest"))

    everyone = set(assignable_staff(scope_of_user(lead)))
    assert {lead, mine, theirs} <= everyone and viewer not in everyone
    assert list(assignable_staff(scope_of_user(mine))) == [mine]


def test_staff_assign_from_the_return_s_page(client, requested, durand, lumiere):
    from tests.return_portal.queue_helpers import detail_url

    lead = operator_staff()
    colleague = seller_staff(durand, email="colleague@example.com")
    other_seller = seller_staff(lumiere, email="elsewhere@example.com")
    client.force_login(lead)

    html = client.get(detail_url(requested)).content.decode()
    assert 'name="action" value="assign"' in html
    assert "colleague@example.com" in html and "elsewhere@example.com" not in html

    response = client.post(
        detail_url(requested), {"action": "assign", "assign-assignee": colleague.pk}
    )
    assert response.status_code == 302
    assert ReturnRequest.objects.get(pk=requested.pk).assignee == colleague

    refused = client.post(
        detail_url(requested), {"action": "assign", "assign-assignee": other_seller.pk}
    )
    assert refused.status_code == 422  # not among the choices: the form's error
    assert ReturnRequest.objects.get(pk=requested.pk).assignee == colleague


def test_assigning_from_the_page_an_account_deleted_meanwhile_is_the_form_s_error(
    client, requested, durand, monkeypatch
):
    # Offered when the form was built, deleted before it is cleaned: not a 500.
    from return_portal.admin import sections
    from tests.return_portal.queue_helpers import detail_url

    lead = operator_staff()
    colleague = seller_staff(durand, email="gone@example.com")
    offered = sections.assignable_to

    def offered_then_deleted(return_request, scope):
        people = list(offered(return_request, scope))
        colleague.delete()
        return people

    monkeypatch.setattr(sections, "assignable_to", offered_then_deleted)
    client.force_login(lead)
    response = client.post(
        detail_url(requested), {"action": "assign", "assign-assignee": colleague.pk}
    )

    assert response.status_code == 422  # the form again, with its error
    assert "This account no longer exists. Choose someone else." in response.content.decode()
    assert ReturnRequest.objects.get(pk=requested.pk).assignee is None
