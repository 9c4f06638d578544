"""A finished return shows only what still applies: once cancelled, rejected,
expired, resolved or closed, its page no longer asks to send the parcel by a
date, promises a refund by a date, says the final amount is still to be set, or
offers the label, the QR code or the packing slip."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from return_portal import lifecycle
from return_portal.confirm import confirm_return
from return_portal.draft import Draft
from return_portal.models import Refund, ReturnRequest, ReturnStatus
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import returns_staff_user

S = ReturnStatus
STILL_TO_DO = (
    "Send by",
    "Refund due by",
    "The final amount is set once the items are received and checked.",
    "Send the parcel",
    "/qr.svg",
    "/label.pdf",
    "/packing-slip.pdf",
)


def ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


def approved_return(buyer, shipping="drop_off") -> ReturnRequest:
    order = OrderFactory(buyer=buyer, placed_at=ago(8), payment_amount=Decimal("104.70"))
    OrderLineFactory(order=order, reference="A", title="Oxford shirt", quantity=2)
    draft = Draft(
        order_id=order.pk,
        quantities={"A": 1},
        reason_code="too-small",
        condition="like_new",
        resolution="refund",
        shipping_method=shipping,
    )
    created, _ = confirm_return(buyer, order, draft)
    approved = lifecycle.approve(created, actor=returns_staff_user(), actor_kind="staff")
    # Both dates set, whatever the path: the page alone decides whether they show.
    ReturnRequest.objects.filter(pk=approved.pk).update(
        ship_by=timezone.now() + timedelta(days=10),
        refund_due_by=timezone.now() + timedelta(days=14),
    )
    approved.refresh_from_db()
    return approved


def page(client, return_request) -> str:
    response = client.get(reverse("return_portal:detail", args=[return_request.public_id]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("shipping", ["drop_off", "prepaid_label"])
def test_a_return_under_way_shows_its_dates_the_estimate_note_and_how_to_send(
    signed_in, buyer, policies, reasons, shipping
):
    approved = approved_return(buyer, shipping)

    html = page(signed_in, approved)

    assert "Send by" in html and "Refund due by" in html
    assert "The final amount is set once the items are received and checked." in html
    assert "Send the parcel" in html and "/packing-slip.pdf" in html
    assert ("/qr.svg" if shipping == "drop_off" else "/label.pdf") in html


@pytest.mark.parametrize(
    "status", [S.CANCELLED, S.REJECTED, S.EXPIRED, S.RESOLVED, S.CLOSED], ids=str
)
@pytest.mark.parametrize("shipping", ["drop_off", "prepaid_label"])
def test_a_finished_return_shows_none_of_what_no_longer_applies(
    signed_in, buyer, policies, reasons, status, shipping, django_assert_max_num_queries
):
    finished = approved_return(buyer, shipping)
    ReturnRequest.objects.filter(pk=finished.pk).update(status=status)

    with django_assert_max_num_queries(40):
        html = page(signed_in, finished)

    for text in STILL_TO_DO:
        assert text not in html, (status, text)
    assert finished.rma in html  # still the return's page


@pytest.mark.parametrize("status", [S.CANCELLED, S.REJECTED, S.EXPIRED], ids=str)
def test_a_return_that_refunds_nothing_no_longer_shows_its_estimate(
    signed_in, buyer, policies, reasons, status
):
    ended = approved_return(buyer)
    assert "Refund estimate" in page(signed_in, ended)
    ReturnRequest.objects.filter(pk=ended.pk).update(status=status)

    assert "Refund estimate" not in page(signed_in, ended)


def test_a_resolved_return_shows_the_refund_deadline_only_while_a_refund_is_unpaid(
    signed_in, buyer, policies, reasons
):
    resolved = approved_return(buyer)
    ReturnRequest.objects.filter(pk=resolved.pk).update(status=S.RESOLVED)
    refund = Refund.objects.create(
        order=resolved.order,
        return_request=resolved,
        resolution="refund",
        amount=Decimal("46.00"),
        currency="EUR",
        idempotency_key="finished-refund-1",
    )

    assert "Refund due by" in page(signed_in, resolved)  # still owed: it applies

    Refund.objects.filter(pk=refund.pk).update(completed_at=timezone.now(), status="succeeded")

    assert "Refund due by" not in page(signed_in, resolved)


def test_cancelling_is_offered_as_a_secondary_danger_button_not_a_primary_one(
    signed_in, buyer, policies, reasons
):
    html = page(signed_in, approved_return(buyer))

    assert 'class="button-danger-secondary"' in html
    assert 'class="button-danger"' not in html
