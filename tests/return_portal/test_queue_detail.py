"""A return's page for staff (admin/sections.py): the pinned policy version with
the clauses that decide the return, the buyer's other returns within the staff
member's sellers, the notes, the timeline with event codes; and the thread,
where a seller's staff answer as the seller and the operator as the
marketplace's support."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import OutboxMessage
from return_portal import notes, support
from return_portal.confirm import confirm_return
from return_portal.draft import Draft
from return_portal.models import ReturnMessage
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.queue_helpers import (
    detail_url,
    make_return,
    operator_staff,
    seller,
    seller_staff,
)


@pytest.fixture
def durand(policies):
    return seller("maison-durand", "Maison Durand")


@pytest.fixture
def lumiere(policies):
    return seller("atelier-lumiere", "Atelier Lumière")


@pytest.fixture
def confirmed(durand, buyer, reasons):
    """A return made as the buyer makes it, with its estimate citing the policy."""
    order = OrderFactory(
        buyer=buyer, placed_at=timezone.now() - timedelta(days=6), payment_amount=Decimal("104.70")
    )
    OrderLineFactory(order=order, reference="A", seller=durand, quantity=2)
    draft = Draft(
        order_id=order.pk,
        quantities={"A": 1},
        reason_code="too-small",
        condition="like_new",
        resolution="refund",
        shipping_method="drop_off",
    )
    return confirm_return(buyer, order, draft)[0]


def page(client, return_request) -> str:
    response = client.get(detail_url(return_request))
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_the_pinned_version_and_the_clauses_it_rests_on(client, confirmed):
    client.force_login(operator_staff())
    version = confirmed.lines.get().order_line.pin.version
    cited = [f["clause"] for f in confirmed.estimate["figures"] if f.get("clause")]

    html = page(client, confirmed)

    assert "Policy that governs this return" in html
    assert f"version {version.number}" in html
    assert f"/policies/{version.policy.slug}/v/{version.number}/" in html
    assert cited, "the estimate cites the policy"
    for clause in cited:
        assert f"#clause-{clause}" in html
    assert "cited for this return" in html


def test_the_buyer_s_history_holds_the_returns_the_staff_member_may_see(
    client, confirmed, buyer, durand, lumiere
):
    earlier = make_return(durand, "closed", buyer=buyer)
    elsewhere = make_return(lumiere, "closed", buyer=buyer)
    make_return(durand, "closed")  # another buyer's

    client.force_login(operator_staff())
    html = page(client, confirmed)
    assert "This buyer made 2 other returns you can see." in html
    assert earlier.rma in html and elsewhere.rma in html

    client.force_login(seller_staff(durand))
    html = page(client, confirmed)
    assert "This buyer made 1 other return you can see." in html
    assert earlier.rma in html and elsewhere.rma not in html


def test_the_timeline_names_events_and_shows_their_codes(client, confirmed):
    staff = operator_staff()
    notes.add_note(confirmed, "Checked the photos", actor=staff)
    client.force_login(staff)

    html = page(client, confirmed)

    assert "<code>note</code>" in html
    assert "Added an internal note" in html
    assert "Checked the photos" in html  # in the notes section


def test_another_seller_s_staff_get_a_404(client, confirmed, lumiere):
    client.force_login(seller_staff(lumiere))
    assert client.get(detail_url(confirmed)).status_code == 404


# --- the thread -------------------------------------------------------------------------


def buyer_page(buyer, return_request) -> str:
    buyer_client = Client()
    buyer_client.force_login(buyer)
    url = reverse("return_portal:detail", args=[return_request.public_id])
    return buyer_client.get(url).content.decode()


def test_seller_staff_answer_as_the_seller(client, confirmed, durand, buyer):
    staff = seller_staff(durand)
    client.force_login(staff)
    assert "You answer as Maison Durand" in page(client, confirmed)

    response = client.post(
        detail_url(confirmed),
        {"action": "reply", "reply-body": "We will check the collar.", "reply-key": "s1"},
    )

    assert response.status_code == 302
    message = ReturnMessage.objects.get(body="We will check the collar.")
    assert (message.as_seller, message.author, message.from_staff) == (durand, staff, True)
    assert "Maison Durand" in buyer_page(buyer, confirmed)
    email = OutboxMessage.objects.filter(kind="message").latest("id")
    assert "Maison Durand wrote:" in email.body
    assert "Maison Durand (seller)" in page(client, confirmed)


def test_the_operator_sees_every_thread_and_steps_in_as_the_marketplace(
    client, confirmed, durand, buyer
):
    support.reply(confirmed, seller_staff(durand), "Seller here.", key="s2")
    operator = operator_staff()
    client.force_login(operator)
    html = page(client, confirmed)
    assert "Seller here." in html
    assert "You answer as the marketplace" in html

    client.post(
        detail_url(confirmed),
        {"action": "reply", "reply-body": "The marketplace steps in.", "reply-key": "o1"},
    )

    message = ReturnMessage.objects.get(body="The marketplace steps in.")
    assert message.as_seller is None
    buyer_html = buyer_page(buyer, confirmed)
    assert "Marketplace support" in buyer_html and "Maison Durand" in buyer_html
    email = OutboxMessage.objects.filter(kind="message").latest("id")
    assert "Marketplace support wrote:" in email.body


def test_another_seller_s_staff_cannot_reply(confirmed, lumiere):
    from return_portal.actors import ActionDenied

    with pytest.raises(ActionDenied):
        support.reply(confirmed, seller_staff(lumiere), "Not mine.", key="x")
    assert not ReturnMessage.objects.exists()
