"""Abuse screening at the request (issue 13, point 5): a flagged buyer's return
is held for staff, even a defect or a low value; staff read why on the return's
page and in its history; the buyer's page and emails never say it; the queue
filters flagged returns at the same cost in queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import ModelLogEntry

from core.models import OutboxMessage
from return_portal import abuse, approval
from return_portal.confirm import confirm_return
from return_portal.draft import Draft
from return_portal.models import BackOfficeSettings, ReturnEvent, ReturnStatus
from screening.models import BlockedEntry, BlockKind, ScreeningSettings
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import returns_staff_user
from tests.return_portal.queue_helpers import index_url, make_return, seller

S = ReturnStatus


def ago(days):
    return timezone.now() - timedelta(days=days)


def screening(**values) -> ScreeningSettings:
    settings = ScreeningSettings.load()
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save()
    return settings


@pytest.fixture
def order(policies, reasons, buyer):
    office = BackOfficeSettings.load()
    office.auto_approve_defects = True
    office.auto_approve_below = Decimal("1000")
    office.save()
    order = OrderFactory(
        buyer=buyer, placed_at=ago(8), payment_amount=Decimal("104.70"), reference="ABU-0001"
    )
    OrderLineFactory(
        order=order, reference="A", title="Oxford shirt", unit_price=Decimal("49.90"), quantity=2
    )
    return order


def confirm(buyer, order, *, reason="arrived-damaged"):
    draft = Draft(
        order_id=order.pk,
        quantities={"A": 1},
        reason_code=reason,
        condition="damaged",
        resolution="refund",
        shipping_method="drop_off",
    )
    return confirm_return(buyer, order, draft)[0]


def test_an_unflagged_defect_is_still_approved_at_once(order, buyer):
    screening(max_returns=5)

    approved = confirm(buyer, order)

    assert (approved.status, approved.approved_by_rule) == (S.APPROVED, approval.Rule.DEFECT)
    assert not approved.events.filter(code=approval.SCREENING_FLAGGED).exists()


def test_a_flagged_defect_under_the_value_threshold_waits_for_staff_and_says_why(
    order, buyer, client, django_capture_on_commit_callbacks
):
    screening(max_returns=1)
    first = confirm(buyer, order)  # one return: not above
    with django_capture_on_commit_callbacks(execute=True):
        held = confirm(buyer, order)  # the second: above

    assert first.status == S.APPROVED
    assert (held.status, held.approved_by_rule) == (S.REQUESTED, "")
    assert held.approval_due_by is not None
    event = held.events.get(code=approval.SCREENING_FLAGGED)
    assert (event.actor_kind, event.note) == ("system", "returns: 2 > 1")
    entry = ModelLogEntry.objects.get(
        action="return_portal.screening_flagged", object_id=str(held.pk)
    )
    assert entry.data["note"] == "returns: 2 > 1" and entry.data["signals"] == ["returns"]

    # Staff read why, by the decision.
    staff = returns_staff_user(with_totp=True)
    client.force_login(staff)
    page = client.get(reverse("returns:inspect", args=[held.pk])).content.decode()
    assert "Flagged by screening: approve or reject it yourself." in page
    assert "Many returns in 90 days: 2 &gt; 1" in page

    # The buyer reads neither on their page nor in their emails.
    client.force_login(buyer)
    with translation.override("en"):
        url = reverse("return_portal:detail", args=[held.public_id])
    mine = client.get(url).content.decode()
    assert held.rma in mine
    for secret in ("screening", "Many returns", "2 &gt; 1", "2 > 1"):
        assert secret not in mine
    emails = [m for m in mail.outbox if held.rma in m.subject or held.rma in m.body]
    assert emails
    bodies = [m.body for m in emails] + [
        m.body for m in OutboxMessage.objects.filter(return_request=held)
    ]
    assert not [b for b in bodies if "screening" in b or "2 > 1" in b]


def test_a_blocklisted_email_holds_the_request_with_the_reason(order, buyer):
    BlockedEntry.objects.create(kind=BlockKind.EMAIL, value=buyer.email, reason="Wardrobing")

    held = confirm(buyer, order)

    assert held.status == S.REQUESTED
    [event] = held.events.filter(code=approval.SCREENING_FLAGGED)
    assert event.note == f"blocklisted: email {buyer.email.lower()} (Wardrobing)"


def test_a_blocklisted_order_reference_holds_the_request(order, buyer):
    BlockedEntry.objects.create(kind=BlockKind.ORDER, value="ABU-0001", reason="Chargeback")

    held = confirm(buyer, order, reason="too-small")

    assert held.status == S.REQUESTED
    assert "Chargeback" in held.events.get(code=approval.SCREENING_FLAGGED).note


def test_an_expired_blocklist_entry_holds_nothing(order, buyer):
    BlockedEntry.objects.create(
        kind=BlockKind.ORDER, value="ABU-0001", reason="Once", expires_at=ago(1)
    )

    assert confirm(buyer, order).status == S.APPROVED


def test_staff_may_approve_a_flagged_request(order, buyer):
    BlockedEntry.objects.create(kind=BlockKind.EMAIL, value=buyer.email, reason="x")
    held = confirm(buyer, order)

    from return_portal import lifecycle

    lifecycle.approve(held, actor=returns_staff_user(), actor_kind="staff")

    held.refresh_from_db()
    assert held.status == S.APPROVED


# --- the queue --------------------------------------------------------------------------


def flag(return_request):
    ReturnEvent.objects.create(
        return_request=return_request,
        from_status=return_request.status,
        to_status=return_request.status,
        code=approval.SCREENING_FLAGGED,
        at=timezone.now(),
        actor_kind="system",
        note="returns: 9 > 1",
    )


def rows(client, **params) -> str:
    response = client.get(index_url(), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_queue_filters_the_returns_screening_flagged(client, policies):
    durand = seller("maison-durand")
    flagged, plain = make_return(durand), make_return(durand)
    flag(flagged)
    client.force_login(returns_staff_user(with_totp=True))

    page = rows(client, flags="screening")

    assert "Flagged by screening" in rows(client)
    assert flagged.rma in page and plain.rma not in page


@pytest.mark.django_db
def test_the_flag_filter_costs_the_same_queries_with_2_flagged_returns_or_25(client, policies):
    durand = seller("maison-durand")
    client.force_login(returns_staff_user(with_totp=True))

    def count():
        rows(client, flags="screening")  # warm
        with CaptureQueriesContext(connection) as queries:
            rows(client, flags=["screening", "defect"])
        with CaptureQueriesContext(connection) as more:
            rows(client, flags="screening", status="requested")
        return len(queries), len(more)

    for _ in range(2):
        flag(make_return(durand, reason_is_defect=True))
    few = count()
    for _ in range(23):
        flag(make_return(durand, reason_is_defect=True))
    assert count() == few


def test_the_screening_event_stays_internal():
    from return_portal.notes import INTERNAL_EVENTS

    assert approval.SCREENING_FLAGGED in INTERNAL_EVENTS
    assert abuse.SIGNAL_LABELS[abuse.BLOCKLISTED] == "Blocklisted"
