"""Events emitted by the app's actions: in the action's transaction (rolled back
with it), relayed after commit by the Celery task, with the return's data and
never the staff's notes; refunds paid and given up; policy versions published."""

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from policy_pages.models import PolicyPage
from policy_pages.services import record_version
from return_portal import lifecycle
from return_portal.models import ReturnStatus
from return_portal.refunds import payout
from return_portal.refunds.payout import PaymentError
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory
from tests.return_portal.factories import (
    ReturnLineFactory,
    ReturnRequestFactory,
    returns_staff_user,
)
from tests.return_portal.refunding import make_refund, simulated_gateway
from tests.webhooks.conftest import endpoint
from webhooks import outbox
from webhooks.models import WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db


def a_return(buyer, seller, status=ReturnStatus.REQUESTED, reference="HOOK-0001"):
    order = OrderFactory(buyer=buyer, reference=reference)
    line = OrderLineFactory(order=order, seller=seller, reference="A", quantity=1)
    return_request = ReturnRequestFactory(order=order, status=status, estimated_total="49.90")
    ReturnLineFactory(return_request=return_request, order_line=line, quantity=1)
    return_request.refresh_from_db()
    return return_request


def test_an_action_writes_its_event_in_its_own_transaction(
    buyer, seller_a, receiver, django_capture_on_commit_callbacks
):
    hook = endpoint(receiver.url, seller=seller_a)
    return_request = a_return(buyer, seller_a)
    staff = returns_staff_user()

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        lifecycle.approve(return_request, actor=staff, note="internal: check the collar")
        assert WebhookDelivery.objects.filter(endpoint=hook).count() == 1
        raise Undo
    assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.approve(return_request, actor=staff, note="internal: check the collar")
        assert receiver.requests == []  # nothing is sent before the commit
    # After the commit the Celery task (eager in tests) sent it.
    [request] = receiver.requests
    payload = Webhook(hook.secret).verify(request["body"], request["headers"])
    assert payload["type"] == "return.approved"
    assert payload["data"]["rma"] == return_request.rma
    assert payload["data"]["status"] == "approved"
    assert payload["data"]["seller"]["reference"] == "hook-seller-a"
    assert payload["data"]["order_reference"] == "HOOK-0001"
    assert payload["data"]["estimated_total"] == {"amount": "49.90", "currency": "EUR"}
    assert "collar" not in request["body"]
    assert WebhookDelivery.objects.get().ordering_key == f"return:{return_request.rma}"


def test_each_status_is_its_event_and_keeps_its_order(buyer, seller_a, receiver):
    endpoint(receiver.url)
    return_request = a_return(buyer, seller_a)
    lifecycle.cancel(return_request, actor=buyer)
    other = a_return(buyer, seller_a, reference="HOOK-0002")
    lifecycle.approve(other, actor=returns_staff_user())
    lifecycle.mark_in_transit(other, actor=buyer, actor_kind="buyer", tracking="T-1")
    outbox.relay()
    sent = [
        (json.loads(r["body"])["data"]["rma"], json.loads(r["body"])["type"])
        for r in receiver.requests
    ]
    assert sent == [
        (return_request.rma, "return.cancelled"),
        (other.rma, "return.approved"),
        (other.rma, "return.in_transit"),
    ]


def test_another_sellers_endpoint_gets_nothing_of_the_return(buyer, seller_a, seller_b, receiver):
    endpoint(receiver.url, seller=seller_b)
    lifecycle.cancel(a_return(buyer, seller_a), actor=buyer)
    assert not WebhookDelivery.objects.exists()


def test_refund_succeeded_and_failed(policies, buyer, receiver, settings):
    gateway = simulated_gateway(settings)
    endpoint(receiver.url, events=["refund.succeeded", "refund.failed"])
    paid = make_refund(buyer, due_by=timezone.now() + timedelta(days=3))
    payout.pay(paid.pk)
    failing = make_refund(buyer, due_by=timezone.now() + timedelta(days=3))
    gateway.configure(failing.idempotency_key, "fail")
    with pytest.raises(PaymentError):
        payout.pay(failing.pk)
    assert payout.give_up(failing.pk, RuntimeError("declined"))
    outbox.relay()
    bodies = [json.loads(r["body"]) for r in receiver.requests]
    assert [b["type"] for b in bodies] == ["refund.succeeded", "refund.failed"]
    assert bodies[0]["data"]["amount"] == {"amount": "99.80", "currency": "EUR"}
    assert bodies[0]["data"]["refund_id"] == paid.pk
    assert bodies[1]["data"]["refund_id"] == failing.pk


def test_policy_version_published(policies, receiver, seller_b):
    atelier = SellerFactory(reference="atelier-lumiere")
    operator = endpoint(receiver.url + "?operator", events=["policy.version_published"])
    own = endpoint(receiver.url + "?atelier", seller=atelier)
    stranger = endpoint(receiver.url + "?other", seller=seller_b)
    seller_policy = PolicyPage.objects.get(seller_ref="atelier-lumiere", locale__language_code="en")
    for page in (policies, seller_policy):
        # After whatever is scheduled, next year.
        page.schedule_choice, page.effective_from = "after", timezone.now() + timedelta(days=400)
        record_version(page, page.save_revision())
    keys = lambda hook: [d.event.payload["data"]["seller_reference"] for d in hook.deliveries.all()]  # noqa: E731
    assert sorted(keys(operator), key=str) == sorted([None, "atelier-lumiere"], key=str)
    assert keys(own) == ["atelier-lumiere"]
    assert keys(stranger) == []
    assert outbox.relay() == 3
