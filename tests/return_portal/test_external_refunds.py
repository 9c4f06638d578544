"""A refund paid outside the hub (the operator's own payment system): recorded
with its date, split over the means of payment, its surcharge from that date,
once per key, never beyond what remains, and from the return's page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.models import Order, OrderPayment
from return_portal.actors import ActionDenied
from return_portal.models import (
    BackOfficeSettings,
    Refund,
    RefundStatus,
    ReturnEvent,
    ReturnRequest,
    ReturnStatus,
)
from return_portal.refunds import RefundTooLarge
from return_portal.refunds.external import ExternalRefundError, record_external_refund
from tests.return_portal.factories import returns_staff_user
from tests.return_portal.refunding import make_refund, simulated_gateway

S = ReturnStatus


@pytest.fixture
def gateway(settings):
    return simulated_gateway(settings)


@pytest.fixture
def clerk(db):
    return returns_staff_user(with_totp=True)


@pytest.fixture
def received(policies, buyer):
    """A statutory French return received, nothing refunded yet, due 20 days ago."""
    refund = make_refund(buyer, due_by=timezone.now() - timedelta(days=20))
    return_request = refund.return_request
    Order.objects.filter(pk=refund.order_id).update(refunded_amount=0)
    Refund.objects.filter(pk=refund.pk).delete()
    return_request.status = S.RECEIVED
    return_request.save()
    return ReturnRequest.objects.get(pk=return_request.pk)


def test_an_external_refund_is_recorded_with_its_date_and_surcharge(received, clerk, gateway):
    paid_at = timezone.now() - timedelta(days=5)  # 15 days late: 5%

    [refund] = record_external_refund(
        received, Decimal("60.00"), paid_at, actor=clerk, key="k1", reference="OPS-77"
    )

    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.paid_externally is True
    assert refund.completed_at == paid_at
    assert refund.provider_reference == "OPS-77"
    assert refund.surcharge == Decimal("3.00")
    assert refund.created_by == clerk
    assert Order.objects.get(pk=received.order_id).refunded_amount == Decimal("60.00")
    line = received.lines.get().order_line
    line.refresh_from_db()
    assert line.refunded_amount == Decimal("60.00")
    assert refund.lines.get().amount == Decimal("60.00")
    event = ReturnEvent.objects.get(return_request=received, code="refund_external")
    assert "OPS-77" in event.note and event.actor == clerk
    assert gateway.ledger() == []  # nothing went through the hub's provider


def test_an_external_refund_recorded_twice_is_booked_once(received, clerk):
    paid_at = timezone.now() - timedelta(days=1)
    first = record_external_refund(received, Decimal("10.00"), paid_at, actor=clerk, key="k1")
    again = record_external_refund(received, Decimal("10.00"), paid_at, actor=clerk, key="k1")
    assert [r.pk for r in again] == [r.pk for r in first]
    assert Order.objects.get(pk=received.order_id).refunded_amount == Decimal("10.00")


def test_an_external_refund_beyond_what_remains_is_refused(received, clerk):
    with pytest.raises(RefundTooLarge) as refused:
        record_external_refund(received, Decimal("104.71"), timezone.now(), actor=clerk, key="k1")
    assert refused.value.remaining == Decimal("104.70")
    assert not Refund.objects.exists()


def test_an_external_refund_is_split_over_the_means_of_payment(received, clerk):
    order = received.order
    OrderPayment.objects.filter(order=order).delete()
    card = OrderPayment.objects.create(
        order=order, position=0, method="card", amount=Decimal("80.00")
    )
    voucher = OrderPayment.objects.create(
        order=order, position=1, method="voucher", amount=Decimal("24.70")
    )
    refunds = record_external_refund(
        received, Decimal("90.00"), timezone.now(), actor=clerk, key="k1"
    )
    assert [(r.payment_id, r.amount) for r in refunds] == [
        (card.pk, Decimal("80.00")),
        (voucher.pk, Decimal("10.00")),
    ]
    voucher.refresh_from_db()
    assert voucher.refunded_amount == Decimal("10.00")


@pytest.mark.parametrize(
    ("amount", "paid_at", "field"),
    [
        ("0", timedelta(0), "amount"),
        ("1.005", timedelta(0), "amount"),
        ("abc", timedelta(0), "amount"),
        ("10", timedelta(days=-1), "paid_at"),  # tomorrow
        ("10", timedelta(days=365), "paid_at"),  # before the request
    ],
)
def test_an_external_refund_with_bad_input_is_refused(received, clerk, amount, paid_at, field):
    with pytest.raises(ExternalRefundError) as refused:
        record_external_refund(received, amount, timezone.now() - paid_at, actor=clerk, key="k1")
    assert refused.value.field == field
    assert not Refund.objects.exists()


def test_seller_staff_record_external_refunds_only_where_they_settle(received):
    seller = received.lines.get().order_line.seller
    seller_staff = returns_staff_user(operator=False, sellers=[seller])
    record_external_refund(received, Decimal("5"), timezone.now(), actor=seller_staff, key="a")

    back_office = BackOfficeSettings.load()
    back_office.sellers_settle = False
    back_office.save()
    with pytest.raises(ActionDenied):
        record_external_refund(received, Decimal("5"), timezone.now(), actor=seller_staff, key="b")
    assert Refund.objects.count() == 1


def test_staff_record_an_external_refund_on_the_return_page(received, clerk, client):
    client.force_login(clerk)
    url = reverse("returns:inspect", args=[received.pk])
    page = client.get(url).content.decode()
    assert "Record a refund paid outside the hub" in page

    paid_at = timezone.localtime(timezone.now() - timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    data = {
        "action": "external-refund",
        "external-refund-amount": "20.00",
        "external-refund-paid_at": paid_at,
        "external-refund-reference": "OPS-1",
        "external-refund-reason": "",
        "external-refund-key": "form-key-1",
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the same form again

    refund = Refund.objects.get()
    assert (refund.amount, refund.provider_reference) == (Decimal("20.00"), "OPS-1")
    page = client.get(url).content.decode()
    assert "OPS-1" in page
    assert "18 days late" in page  # due 20 days ago, paid 2 days ago
    assert "L242-4" in page


def test_a_future_payment_date_is_a_form_error(received, clerk, client):
    client.force_login(clerk)
    url = reverse("returns:inspect", args=[received.pk])
    tomorrow = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    answer = client.post(
        url,
        {
            "action": "external-refund",
            "external-refund-amount": "20.00",
            "external-refund-paid_at": tomorrow,
            "external-refund-key": "form-key-2",
        },
    )
    assert answer.status_code == 422
    assert "cannot be in the future" in answer.content.decode()
    assert not Refund.objects.exists()


def test_too_much_on_the_page_says_what_remains(received, clerk, client):
    client.force_login(clerk)
    url = reverse("returns:inspect", args=[received.pk])
    now = timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    answer = client.post(
        url,
        {
            "action": "external-refund",
            "external-refund-amount": "500.00",
            "external-refund-paid_at": now,
            "external-refund-key": "form-key-3",
        },
        follow=True,
    )
    assert "104.70" in answer.content.decode()
    assert not Refund.objects.exists()
