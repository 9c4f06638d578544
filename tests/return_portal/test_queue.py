"""The returns queue (return_portal/admin/listing.py): its seller column and
countdown, its filters (status, seller, reason, deadline state, assignee,
flags), its search (RMA, order reference, buyer email, SKU), all within the
user's sellers, and a page that costs the same queries with 5 returns or 60."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from return_portal.admin.countdown import Deadline, distance, next_deadline
from return_portal.models import Refund, ReturnEvent, ReturnPhoto
from tests.factories import UserFactory
from tests.return_portal.queue_helpers import (
    index_url,
    make_return,
    operator_staff,
    seller,
    seller_staff,
)

RMA = re.compile(r"RMA-[A-Z0-9]{8}")
# A row's title: <span id="return_<pk>_title">RMA-…</span> (not the search box's value).
ROW = re.compile(r'id="return_\d+_title">(RMA-[A-Z0-9]{8})<')


def now():
    return timezone.now()


@pytest.fixture
def durand(policies):
    return seller("maison-durand", "Maison Durand")


@pytest.fixture
def lumiere(policies):
    return seller("atelier-lumiere", "Atelier Lumière")


@pytest.fixture
def operator_client(client, policies):
    staff = operator_staff()
    client.force_login(staff)
    client.staff = staff
    return client


def listed(client, **params) -> set[str]:
    response = client.get(index_url(), params)
    assert response.status_code == 200
    return set(ROW.findall(response.content.decode()))


# --- columns ----------------------------------------------------------------------------


def test_each_row_shows_its_seller_assignee_and_next_deadline(operator_client, durand):
    late = make_return(durand, "requested", approval_due_by=now() - timedelta(hours=3, minutes=5))
    soon = make_return(durand, "approved", ship_by=now() + timedelta(hours=30, minutes=10))
    later = make_return(durand, "approved", ship_by=now() + timedelta(days=5, hours=1))
    make_return(durand, "requested", assignee=operator_client.staff)

    html = operator_client.get(index_url()).content.decode()

    assert "Maison Durand" in html
    assert operator_client.staff.email in html
    # The words say it, not only the colour.
    assert re.search(r"returns-countdown--overdue.*?Decision due.*?3 h overdue", html, re.S)
    assert re.search(r"returns-countdown--soon.*?Ship by.*?in 30 h", html, re.S)
    assert re.search(r"returns-countdown--later.*?Ship by.*?in 5 days", html, re.S)
    assert {late.rma, soon.rma, later.rma} <= set(RMA.findall(html))


def test_the_countdown_picks_the_earliest_running_deadline(durand):
    at = now()
    received = make_return(
        durand, "received", refund_due_by=at + timedelta(days=10), statutory=False
    )
    ReturnEvent.objects.create(
        return_request=received,
        from_status="in_transit",
        to_status="received",
        at=at - timedelta(days=1),
        actor_kind="staff",
    )
    received.received_at = at - timedelta(days=1)
    received.refund_owed = True  # the listing's annotation (refunds.clock.owed)

    deadline = next_deadline(received, at, inspection_days=3)
    assert (deadline.kind, deadline.text) == ("inspection", "in 2 days")

    received.received_at = None  # the inspection is not running: the refund is next
    assert next_deadline(received, at, 3).kind == "refund"
    received.refund_owed = False
    assert next_deadline(received, at, 3) is None


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(days=2, hours=5), "in 2 days"),
        (timedelta(hours=47), "in 47 h"),
        (timedelta(minutes=20), "in 20 min"),
        (-timedelta(hours=3, minutes=1), "3 h overdue"),
        (-timedelta(days=4), "4 days overdue"),
        (-timedelta(seconds=5), "1 min overdue"),
    ],
)
def test_the_countdown_in_words(left, text):
    assert distance(left) == text
    state = Deadline("refund", now() + left, now()).state
    assert state == (
        "overdue" if left.total_seconds() < 0 else "soon" if left.days < 2 else "later"
    )


# --- scope ------------------------------------------------------------------------------


def test_seller_staff_see_and_filter_by_their_own_sellers_only(client, durand, lumiere):
    mine = make_return(durand, "requested")
    theirs = make_return(lumiere, "requested")
    client.force_login(seller_staff(durand))

    assert listed(client) == {mine.rma}
    html = client.get(index_url()).content.decode()
    assert "Atelier Lumière" not in html  # not even among the seller filter's choices
    # Asking for the other seller selects nothing of theirs.
    assert theirs.rma not in listed(client, seller=lumiere.pk)
    assert theirs.rma not in listed(client, q=theirs.rma)


# --- filters ----------------------------------------------------------------------------


def test_filters_by_status_seller_and_reason(operator_client, durand, lumiere, reasons):
    too_small = reasons.get(code="too-small")
    damaged = reasons.filter(is_defect=True, children__isnull=True).first()
    a = make_return(durand, "requested", reason=too_small)
    b = make_return(lumiere, "approved", reason=damaged, reason_is_defect=True)

    assert listed(operator_client, status="approved") == {b.rma}
    assert listed(operator_client, seller=durand.pk) == {a.rma}
    assert listed(operator_client, reason="too-small") == {a.rma}
    assert listed(operator_client, reason=damaged.code) == {b.rma}
    # Nonsense is ignored, never a 500.
    assert listed(operator_client, seller="999999", status="bogus", assignee="x") == {a.rma, b.rma}


def test_filters_by_deadline_state(operator_client, durand):
    past, soon, later = (
        now() - timedelta(hours=2),
        now() + timedelta(hours=20),
        now() + timedelta(days=9),
    )
    decision_late = make_return(durand, "requested", approval_due_by=past)
    make_return(durand, "requested", approval_due_by=later)
    parcel_late = make_return(durand, "approved", ship_by=past)
    refund_soon = make_return(durand, "received", refund_due_by=soon)
    refund_late = make_return(durand, "inspected", refund_due_by=past)
    make_return(durand, "inspected", refund_due_by=later)

    assert listed(operator_client, overdue="approval") == {decision_late.rma}
    assert listed(operator_client, overdue="shipping") == {parcel_late.rma}
    assert listed(operator_client, overdue="refund_soon") == {refund_soon.rma}
    assert listed(operator_client, overdue="refund") == {refund_late.rma}
    assert listed(operator_client, overdue="any") == {
        decision_late.rma,
        parcel_late.rma,
        refund_late.rma,
    }


def test_filters_by_assignee(operator_client, durand):
    me = operator_client.staff
    colleague = seller_staff(durand)
    mine = make_return(durand, assignee=me)
    theirs = make_return(durand, assignee=colleague)
    nobody = make_return(durand)

    assert listed(operator_client, assignee="me") == {mine.rma}
    assert listed(operator_client, assignee="none") == {nobody.rma}
    assert listed(operator_client, assignee=colleague.pk) == {theirs.rma}
    html = operator_client.get(index_url()).content.decode()
    assert f'value="{colleague.pk}"' in html  # offered by name in the filter


def test_filters_by_flags(operator_client, durand, buyer):
    with_photo = make_return(durand, buyer=buyer)
    ReturnPhoto.objects.create(
        buyer=buyer,
        draft=with_photo.public_id,
        return_request=with_photo,
        file="return-photos/x.png",
        original_name="x.png",
        content_type="image/png",
        size=1,
    )
    defect = make_return(durand, reason_is_defect=True)
    statutory = make_return(durand, statutory=True)
    failed = make_return(durand, "resolved")
    Refund.objects.create(
        order=failed.order,
        return_request=failed,
        amount="49.90",
        currency="EUR",
        resolution="refund",
        idempotency_key="failed-1",
        status="failed",
    )

    assert listed(operator_client, flags="photos") == {with_photo.rma}
    assert listed(operator_client, flags="defect") == {defect.rma}
    assert listed(operator_client, flags="statutory") == {statutory.rma}
    assert listed(operator_client, flags="refund_failed") == {failed.rma}
    assert listed(operator_client, flags=["photos", "defect"]) == set()


# --- search -----------------------------------------------------------------------------


def test_search_by_rma_order_email_and_sku(operator_client, durand):
    account = UserFactory(email="claire.martin@example.net")
    by_account = make_return(durand, buyer=account, buyer_email="old-address@example.org")
    by_order_email = make_return(durand, buyer_email="jean.dupont@example.fr")
    by_sku = make_return(durand, sku="SHIRT-OX-BLUE-42")
    by_reference = make_return(durand, reference="ORD-2026-777")

    assert listed(operator_client, q=by_account.rma.lower()) == {by_account.rma}
    assert listed(operator_client, q=by_account.rma[-5:]) == {by_account.rma}
    assert listed(operator_client, q="Claire.Martin") == {by_account.rma}
    assert listed(operator_client, q="old-address@") == {by_account.rma}
    assert listed(operator_client, q="jean.dupont@example.fr") == {by_order_email.rma}
    assert listed(operator_client, q="ox-blue") == {by_sku.rma}
    assert listed(operator_client, q="2026-777") == {by_reference.rma}
    assert listed(operator_client, q="ox-blue 42") == {by_sku.rma}  # every word
    assert listed(operator_client, q="nothing-like-it") == set()


def test_search_and_filters_combine(operator_client, durand, lumiere):
    a = make_return(durand, "requested", sku="LAMP-1")
    make_return(lumiere, "requested", sku="LAMP-2")
    make_return(durand, "approved", sku="LAMP-3")

    assert listed(operator_client, q="lamp", seller=durand.pk, status="requested") == {a.rma}


# --- the query budget -------------------------------------------------------------------

QUERIES = [
    {},
    {"status": "requested", "overdue": "any", "assignee": "none", "flags": ["photos", "defect"]},
    {"q": "example", "reason": "too-small", "ordering": "-refund_due_by"},
    {"q": "RMA", "overdue": "refund_soon", "p": "2"},
]


def _many(durand, lumiere, count):
    for index in range(count):
        make_return(
            durand if index % 2 else lumiere,
            ["requested", "approved", "received"][index % 3],
            approval_due_by=now() + timedelta(hours=index - 10),
            ship_by=now() + timedelta(days=index % 7 - 2),
            refund_due_by=now() + timedelta(days=index % 5 - 1),
            assignee=None,
        )


def _counts(client, durand) -> list[int]:
    client.get(index_url())  # warm: the session's first read, the settings' first load
    counts = []
    for params in QUERIES:
        params = {**params, "seller": durand.pk} if params.get("q") else params
        with CaptureQueriesContext(connection) as queries:
            response = client.get(index_url(), params)
        assert response.status_code == 200
        counts.append(len(queries))
    return counts


@pytest.mark.parametrize("role", ["operator", "seller"])
def test_a_page_of_the_queue_costs_the_same_queries_with_5_returns_or_60(
    client, durand, lumiere, reasons, role
):
    staff = operator_staff() if role == "operator" else seller_staff(durand, lumiere)
    client.force_login(staff)
    _many(durand, lumiere, 5)
    few = _counts(client, durand)
    _many(durand, lumiere, 55)
    many = _counts(client, durand)

    assert many == few
    assert max(many) <= 30
