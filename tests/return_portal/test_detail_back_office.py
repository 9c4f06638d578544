"""The back office's pages offer what the user may do, and refuse the rest
cleanly: actions (and the queue's bulk actions) of a step the marketplace keeps
for the operator are not offered to seller staff; the page's assign form is
posted back within the viewer's scope; an action the return's state refuses
(approved meanwhile in another tab) answers 409 with the page, nothing changed;
and the queue's deadline filter knows the inspection's deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from return_portal import lifecycle
from return_portal.models import BackOfficeSettings, ReturnEvent, ReturnRequest, ReturnStatus
from tests.return_portal.queue_helpers import (
    bulk_url,
    detail_url,
    index_url,
    make_return,
    operator_staff,
    seller,
    seller_staff,
)
from tests.return_portal.test_queue import listed

S = ReturnStatus
APPROVE_FORM = 'name="action" value="approve"'
REJECT_FORM = 'name="action" value="reject"'


@pytest.fixture
def durand(policies):
    return seller("maison-durand", "Maison Durand")


def keep_for_the_operator(**steps):
    settings = BackOfficeSettings.load()
    for name, value in steps.items():
        setattr(settings, name, value)
    settings.save()


# --- what the marketplace keeps for the operator is not offered to sellers ----------------


def test_seller_staff_are_not_offered_approval_the_operator_keeps(client, durand):
    keep_for_the_operator(sellers_approve=False)
    waiting = make_return(durand, "requested")

    client.force_login(seller_staff(durand))
    page = client.get(detail_url(waiting)).content.decode()
    queue = client.get(index_url()).content.decode()

    assert APPROVE_FORM not in page and REJECT_FORM not in page
    assert 'name="action" value="assign"' in page  # always theirs
    assert bulk_url("approve").split("?")[0] not in queue
    assert bulk_url("assign").split("?")[0] in queue

    client.force_login(operator_staff())
    page = client.get(detail_url(waiting)).content.decode()
    queue = client.get(index_url()).content.decode()

    assert APPROVE_FORM in page and REJECT_FORM in page
    assert bulk_url("approve").split("?")[0] in queue
    assert bulk_url("assign").split("?")[0] in queue


def test_seller_staff_are_offered_approval_when_the_marketplace_leaves_it_to_them(client, durand):
    waiting = make_return(durand, "requested")
    client.force_login(seller_staff(durand))

    assert APPROVE_FORM in client.get(detail_url(waiting)).content.decode()
    assert bulk_url("approve").split("?")[0] in client.get(index_url()).content.decode()


def test_seller_staff_are_not_offered_receiving_the_operator_keeps(client, durand):
    keep_for_the_operator(sellers_receive=False)
    approved = make_return(durand, "approved")

    client.force_login(seller_staff(durand))
    page = client.get(detail_url(approved)).content.decode()
    assert 'value="receive"' not in page and 'value="in-transit"' not in page

    client.force_login(operator_staff())
    assert 'value="receive"' in client.get(detail_url(approved)).content.decode()


def test_seller_staff_are_not_offered_refunds_the_operator_keeps(client, durand):
    keep_for_the_operator(sellers_settle=False)
    received = make_return(durand, "received")
    refund_forms = ('value="external-refund"', 'value="refund-amount"', 'value="goodwill-refund"')

    client.force_login(seller_staff(durand))
    page = client.get(detail_url(received)).content.decode()
    assert not [form for form in refund_forms if form in page]

    client.force_login(operator_staff())
    page = client.get(detail_url(received)).content.decode()
    assert all(form in page for form in refund_forms)


# --- the assign form, posted back within the viewer's scope -------------------------------


def test_a_forged_assignee_outside_the_seller_s_scope_is_the_form_s_error(client, durand):
    lead = operator_staff(email="lead@example.com")
    own = seller_staff(durand, email="own@example.com")
    waiting = make_return(durand, "requested")
    client.force_login(own)
    assert "lead@example.com" not in client.get(detail_url(waiting)).content.decode()

    response = client.post(detail_url(waiting), {"action": "assign", "assign-assignee": lead.pk})

    assert response.status_code == 422
    assert "Select a valid choice." in response.content.decode()
    assert ReturnRequest.objects.get(pk=waiting.pk).assignee is None
    assert not ReturnEvent.objects.filter(return_request=waiting, code="assign").exists()
    # A colleague offered on the page is still assigned.
    client.post(detail_url(waiting), {"action": "assign", "assign-assignee": own.pk})
    assert ReturnRequest.objects.get(pk=waiting.pk).assignee == own


# --- an action the return's state refuses: 409, the page, nothing changed ------------------


def test_approving_a_return_approved_meanwhile_answers_409_with_the_page(client, durand):
    staff = operator_staff()
    waiting = make_return(durand, "requested")
    client.force_login(staff)
    lifecycle.approve(waiting, actor=staff, actor_kind="staff")  # in another tab
    before = ReturnRequest.objects.get(pk=waiting.pk)

    response = client.post(detail_url(waiting), {"action": "approve"})

    assert response.status_code == 409
    html = response.content.decode()
    assert "A return that is approved cannot become approved." in html
    assert waiting.rma in html and APPROVE_FORM not in html  # the page as it is now
    after = ReturnRequest.objects.get(pk=waiting.pk)
    assert (after.status, after.ship_by, after.updated_at) == (
        S.APPROVED,
        before.ship_by,
        before.updated_at,
    )
    assert waiting.events.count() == 1


def test_closing_a_return_already_closed_answers_409(client, durand):
    staff = operator_staff()
    closed = make_return(durand, "closed")
    client.force_login(staff)

    response = client.post(detail_url(closed), {"action": "close"})

    assert response.status_code == 409
    assert ReturnRequest.objects.get(pk=closed.pk).status == S.CLOSED
    assert not closed.events.exists()


# --- the queue's inspection deadline -------------------------------------------------------


def received_at(return_request, ago: timedelta, to_status=S.RECEIVED):
    ReturnEvent.objects.create(
        return_request=return_request,
        from_status=S.IN_TRANSIT,
        to_status=to_status,
        at=timezone.now() - ago,
        actor_kind="staff",
    )
    return return_request


def test_the_queue_filters_inspections_overdue_and_due_soon(client, durand):
    # The default: inspected within 3 days of the parcel received whole.
    late = received_at(make_return(durand, "received"), timedelta(days=4))
    soon = received_at(make_return(durand, "received"), timedelta(days=2))
    received_at(make_return(durand, "received"), timedelta(hours=12))  # 2.5 days left
    received_at(make_return(durand, "inspected"), timedelta(days=9))  # inspected
    received_at(make_return(durand, "partially_received"), timedelta(days=9), S.PARTIALLY_RECEIVED)
    make_return(durand, "received")  # no "received" event: no clock
    client.force_login(operator_staff())

    assert listed(client, overdue="inspection") == {late.rma}
    assert listed(client, overdue="inspection_soon") == {soon.rma}
    assert listed(client, overdue="any") == {late.rma}
    html = client.get(index_url()).content.decode()
    assert "Inspection overdue" in html and "Inspection due within 48 hours" in html

    keep_for_the_operator(inspection_sla_days=5)  # the marketplace's own deadline
    assert listed(client, overdue="inspection") == set()
    assert listed(client, overdue="inspection_soon") == {late.rma}


def _filter_costs(client) -> dict[str, int]:
    client.get(index_url())  # warm
    costs = {}
    for value in ("approval", "inspection", "inspection_soon", "any"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(index_url(), {"overdue": value}).status_code == 200
        costs[value] = len(queries)
    return costs


def test_the_inspection_filters_cost_what_the_other_deadlines_cost(client, durand):
    client.force_login(seller_staff(durand))

    def more(count):
        # Some of each: inspections overdue, due soon and later, decisions overdue.
        for index in range(count):
            received_at(make_return(durand, "received"), timedelta(days=index % 6, hours=1))
            make_return(durand, "requested", approval_due_by=timezone.now() - timedelta(hours=1))

    more(6)
    few = _filter_costs(client)
    more(24)
    many = _filter_costs(client)

    assert many == few
    assert few["inspection"] == few["inspection_soon"] == few["approval"]
