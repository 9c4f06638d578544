"""`occurred_at` of the refunds (a return's refund, a goodwill refund with or
without a return) and an external refund's `paid_at`: never in the future, never
before what is already recorded, and checked under the lock the action takes,
so an event committed while the call waited for the lock is seen (400, nothing
changed)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import QuerySet
from django.utils import timezone
from wagtail.models import ModelLogEntry

from marketplace.models import Order
from return_portal.models import ActorKind, Refund, ReturnEvent, ReturnRequest
from return_portal.refunds import payout
from return_portal.refunds.goodwill import GOODWILL_REFUND
from return_portal.refunds.manual import MANUAL_REFUND
from tests.api.returns_api import S, ago, durand, make_return, operator, status_of, url
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.policy_pages.conftest import policies  # the demo policies
from tests.return_portal.conftest import reasons

__all__ = ["durand", "operator", "policies", "reasons"]
pytestmark = pytest.mark.django_db

REFUND = {"currency": "EUR", "amount": "10.00", "reason": "Deduction given back"}


def iso(instant):
    return instant.replace(microsecond=0).isoformat()


def since(return_request, days=3):
    ReturnRequest.objects.filter(pk=return_request.pk).update(created_at=ago(days=days))
    return_request.refresh_from_db()
    return return_request


def event(return_request, at, code="note"):
    return ReturnEvent.objects.create(
        return_request=return_request,
        from_status=return_request.status,
        to_status=return_request.status,
        code=code,
        at=at,
        actor_kind=ActorKind.STAFF,
    )


def refused(response, field="occurred_at", *, said=("future", "already recorded")):
    """A 400 constraint on `field`, saying it is in the future or before what is
    recorded (the words of api.occurred)."""
    body = response.json()
    if response.status_code != 400 or body["code"] != "constraint":
        return False
    messages = " ".join(body["errors"].get(field, []))
    return any(words in messages for words in said)


# --- a return's refund -----------------------------------------------------------------------


def test_a_refund_takes_its_occurred_at_as_its_and_its_events_instant(policies, durand, operator):
    r = since(make_return(durand, status=S.RECEIVED))
    when = ago(hours=5).replace(microsecond=0)

    response = operator.post(url(r, "refunds"), {**REFUND, "occurred_at": iso(when)}, key="r1")

    assert response.status_code == 201, response.json()
    (booked,) = response.json()["refunds"]
    assert booked["created_at"] == when.isoformat()
    assert Refund.objects.get().created_at == when
    assert ReturnEvent.objects.get(return_request=r, code=MANUAL_REFUND).at == when
    # Backdated, but its payout was queued now: beat does not take it for a lost task.
    assert Refund.objects.get().status == "pending"
    assert not payout.orphaned(timezone.now()).exists()


@pytest.mark.parametrize("when", [timedelta(hours=-2), timedelta(hours=2)])
def test_a_refund_in_the_future_or_before_the_last_event_is_refused(
    policies, durand, operator, when
):
    r = since(make_return(durand, status=S.RECEIVED))
    event(r, ago(hours=1))

    response = operator.post(url(r, "refunds"), {**REFUND, "occurred_at": iso(ago() - when)},
                             key="r1")  # fmt: skip

    assert refused(response), response.json()
    assert not Refund.objects.exists()
    assert not ReturnEvent.objects.filter(code=MANUAL_REFUND).exists()


# --- a goodwill refund -----------------------------------------------------------------------


def delivered(durand):
    order = OrderFactory(placed_at=ago(days=9), payment_amount=Decimal("104.70"))
    OrderLineFactory(order=order, reference="1", seller=durand, delivered_at=ago(days=5))
    return order


def goodwill(operator, order, key, **fields):
    body = {"currency": "EUR", "amount": "5.00", "reason": "Late delivery", **fields}
    return operator.post(f"/api/v1/orders/{order.reference}/goodwill-refunds", body, key=key)


def test_a_goodwill_refund_of_the_order_alone_is_not_before_its_last_recorded_instant(
    policies, durand, operator
):
    order = delivered(durand)

    before_delivery = goodwill(operator, order, "g1", occurred_at=iso(ago(days=6)))
    assert refused(before_delivery), before_delivery.json()
    assert not Refund.objects.exists()

    when = ago(days=2).replace(microsecond=0)
    done = goodwill(operator, order, "g2", occurred_at=iso(when))
    assert done.status_code == 201, done.json()
    assert Refund.objects.get().created_at == when
    entry = ModelLogEntry.objects.get(action="return_portal." + GOODWILL_REFUND)
    assert entry.timestamp == when

    # Its last refund is recorded now: another one cannot come before it.
    earlier = goodwill(operator, order, "g3", occurred_at=iso(ago(days=3)))
    assert refused(earlier), earlier.json()
    future = goodwill(operator, order, "g4", occurred_at=iso(ago(hours=-1)))
    assert refused(future), future.json()
    assert Refund.objects.count() == 1
    assert Order.objects.get(pk=order.pk).refunded_amount == Decimal("5.00")


def test_a_goodwill_refund_about_a_return_is_not_before_its_last_event(policies, durand, operator):
    r = since(make_return(durand, status=S.RECEIVED))
    event(r, ago(hours=1))

    early = goodwill(operator, r.order, "g1", rma=r.rma, occurred_at=iso(ago(hours=2)))
    assert refused(early), early.json()
    assert not Refund.objects.exists()

    when = ago(minutes=30).replace(microsecond=0)
    done = goodwill(operator, r.order, "g2", rma=r.rma, occurred_at=iso(when))
    assert done.status_code == 201, done.json()
    assert ReturnEvent.objects.get(return_request=r, code=GOODWILL_REFUND).at == when


def test_an_external_refunds_paid_at_is_not_before_the_returns_last_event(
    policies, durand, operator
):
    r = since(make_return(durand, status=S.RECEIVED))
    event(r, ago(hours=1))
    paid = {"currency": "EUR", "amount": "10.00", "paid_at": iso(ago(hours=2))}

    response = operator.post(url(r, "external-refunds"), paid, key="e1")

    assert refused(response, "paid_at"), response.json()
    assert not Refund.objects.exists()


def test_the_openapi_documents_occurred_at_with_an_example(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/returns/{rma}/refunds", "/orders/{reference}/goodwill-refunds"):
        body = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert "occurred_at" in body["properties"], path
        assert "occurred_at" not in body.get("required", []), path
        assert any("occurred_at" in example for example in body["examples"]), path
        assert "occurred_at" in paths[path]["post"]["description"], path


# --- checked under the lock ------------------------------------------------------------------


@pytest.fixture
def event_at_lock(monkeypatch):
    """A concurrent action's event, committed while this call waited for the
    return's row lock: recorded the first time a return row is locked."""
    original = QuerySet.select_for_update
    pending = []

    def locking(self, *args, **kwargs):
        if self.model is ReturnRequest and pending:
            r, at = pending.pop()
            event(r, at, code="refund_paid")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", locking)
    return pending


def test_an_approval_checks_occurred_at_under_the_lock(policies, durand, operator, event_at_lock):
    r = since(make_return(durand, status=S.REQUESTED))
    event_at_lock.append((r, ago(minutes=30)))

    response = operator.post(url(r, "approve"), {"occurred_at": iso(ago(hours=2))})

    assert refused(response), response.json()
    assert status_of(r) == S.REQUESTED
    assert not ReturnEvent.objects.filter(return_request=r, to_status=S.APPROVED).exists()


def test_a_refund_checks_occurred_at_under_the_lock(policies, durand, operator, event_at_lock):
    r = since(make_return(durand, status=S.RECEIVED))
    event_at_lock.append((r, ago(minutes=30)))

    response = operator.post(url(r, "refunds"), {**REFUND, "occurred_at": iso(ago(hours=2))},
                             key="r1")  # fmt: skip

    assert refused(response), response.json()
    assert not Refund.objects.exists()
    assert not ReturnEvent.objects.filter(code=MANUAL_REFUND).exists()


def test_an_external_refund_checks_paid_at_under_the_lock(
    policies, durand, operator, event_at_lock
):
    r = since(make_return(durand, status=S.RECEIVED))
    event_at_lock.append((r, ago(minutes=30)))
    paid = {"currency": "EUR", "amount": "10.00", "paid_at": iso(ago(hours=2))}

    response = operator.post(url(r, "external-refunds"), paid, key="e1")

    assert refused(response, "paid_at"), response.json()
    assert not Refund.objects.exists()
