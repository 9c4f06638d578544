"""Goodwill refunds: a gesture on an order, with or without a return, to the order's
means of payment in their order, never beyond what remains of them; logged on the
return or on the order, the buyer emailed in their language; once per key."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from core.models import OutboxMessage
from return_portal import actors
from return_portal.models import BackOfficeSettings, Refund, RefundLine
from return_portal.refunds import RefundTooLarge
from return_portal.refunds.goodwill import goodwill_refund
from tests.factories import UserFactory
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory
from tests.return_portal.factories import (
    ReturnLineFactory,
    ReturnRequestFactory,
    returns_staff_user,
)

D = Decimal


@pytest.fixture
def order(policies):
    buyer = UserFactory(preferred_language="fr")
    order = OrderFactory(
        buyer=buyer,
        placed_at=timezone.now() - timedelta(days=6),
        payment_amount=D("54.80"),
        payments=[("voucher", "10.00"), ("card", "44.80")],
    )
    OrderLineFactory(order=order, reference="A")
    return order


@pytest.fixture
def staff(db):
    return returns_staff_user()


def test_a_gesture_without_a_return_is_split_over_the_payments_logged_on_the_order(order, staff):
    refunds = goodwill_refund(order, "15.00", "Livraison en retard", actor=staff, key="g1")

    assert [(r.payment.method, r.amount, r.kind, r.return_request) for r in refunds] == [
        ("voucher", D("10.00"), "goodwill", None),
        ("card", D("5.00"), "goodwill", None),
    ]
    assert not RefundLine.objects.exists()  # no item's price: a gesture
    order.refresh_from_db()
    assert order.refunded_amount == D("15.00")
    entry = ModelLogEntry.objects.get(action="return_portal.refund_goodwill")
    assert (entry.object_id, entry.user_id) == (str(order.pk), staff.pk)
    assert "Livraison en retard" in entry.data["note"]
    email = OutboxMessage.objects.get(kind="goodwill")
    assert (email.recipient, email.language) == (order.buyer.email, "fr")
    assert "10,00" in email.body and "5,00" in email.body and order.reference in email.subject


def test_a_gesture_about_a_return_is_an_event_of_the_return(order, staff):
    r = ReturnRequestFactory(order=order, status="resolved")
    ReturnLineFactory(return_request=r, order_line=order.lines.get())

    refunds = goodwill_refund(order, "3.00", "Sorry", actor=staff, key="g2", return_request=r)

    assert [x.return_request_id for x in refunds] == [r.pk]
    assert r.events.filter(code="refund_goodwill").count() == 1
    assert OutboxMessage.objects.filter(kind="refund").count() == 1


def test_more_than_remains_of_the_payments_is_refused_with_what_remains(order, staff):
    goodwill_refund(order, "50.00", "Sorry", actor=staff, key="g3")

    with pytest.raises(RefundTooLarge) as refused:
        goodwill_refund(order, "4.81", "Again", actor=staff, key="g4")

    assert refused.value.remaining == D("4.80")
    assert Refund.objects.count() == 2  # voucher 10 + card 40, nothing more


def test_the_same_key_twice_books_once(order, staff):
    first = goodwill_refund(order, "5.00", "Sorry", actor=staff, key="same")
    again = goodwill_refund(order, "5.00", "Sorry", actor=staff, key="same")

    assert [x.pk for x in again] == [x.pk for x in first]
    assert Refund.objects.count() == 1
    assert OutboxMessage.objects.filter(kind="goodwill").count() == 1


def test_only_staff_covering_every_seller_of_the_order_make_a_gesture_on_it(order, staff):
    mine = order.lines.get().seller
    OrderLineFactory(order=order, reference="B", seller=SellerFactory(reference="someone-else"))
    seller_staff = returns_staff_user(operator=False, sellers=[mine])

    for actor in (seller_staff, order.buyer, UserFactory()):
        with pytest.raises(actors.ActionDenied):
            goodwill_refund(order, "1.00", "No", actor=actor, key=f"k{actor.pk}")

    assert not Refund.objects.exists()
    goodwill_refund(order, "1.00", "Yes", actor=staff, key="op")  # the operator's


def test_the_operator_makes_gestures_above_the_sellers_limit(order):
    seller_staff = returns_staff_user(operator=False, sellers=[order.lines.get().seller])
    settings = BackOfficeSettings.load()
    settings.operator_settles_above = D("5.00")
    settings.save()

    goodwill_refund(order, "5.00", "Within", actor=seller_staff, key="s1")
    with pytest.raises(actors.ActionDenied):
        goodwill_refund(order, "5.01", "Above", actor=seller_staff, key="s2")
