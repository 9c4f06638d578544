"""Emitting and delivering: signed (checked with the library's own verify), to a
real HTTP server, retried with backoff after a 500 and a timeout, in order per
ordering key, never to another seller's endpoint, nothing to a disabled one,
and signed with both secrets during a rotation's grace."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

import webhooks
from tests.webhooks.conftest import endpoint
from webhooks import outbox
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db


def emit(event_type="return.approved", *, sellers=(), key="return:R-1", **data):
    return webhooks.emit(
        event_type, {"rma": "R-1", **data}, seller_ids=set(sellers), ordering_key=key
    )


def make_due():
    WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_delivered_signed_and_verified_by_the_library(receiver):
    hook = endpoint(receiver.url)
    event = emit(amount="12.50")
    assert outbox.relay() == 1
    [request] = receiver.requests
    payload = Webhook(hook.secret).verify(request["body"], request["headers"])
    assert payload["type"] == "return.approved"
    assert payload["id"] == event.message_id == request["headers"]["webhook-id"]
    assert payload["data"] == {"rma": "R-1", "amount": "12.50"}
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.last_status_code == 200
    assert delivery.attempt_log.count() == 1
    # Another secret, or a changed body, does not verify.
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint("http://x.invalid").secret).verify(request["body"], request["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook(hook.secret).verify(request["body"].replace("12.50", "99"), request["headers"])


def test_a_500_is_retried_later_with_backoff(receiver):
    endpoint(receiver.url)
    receiver.script = [500]
    emit()
    before = timezone.now()
    assert outbox.relay() == 0
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1 and delivery.last_status_code == 500
    assert delivery.last_error == "HTTP 500"
    assert delivery.next_attempt_at >= before + outbox.backoff(1) - timedelta(seconds=1)
    assert outbox.relay() == 0  # not due yet
    assert len(receiver.requests) == 1
    make_due()
    receiver.script = [503]
    outbox.relay()
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    # The wait doubles.
    assert outbox.backoff(2) == 2 * outbox.backoff(1)
    assert delivery.next_attempt_at >= timezone.now() + outbox.backoff(2) - timedelta(seconds=5)
    make_due()
    assert outbox.relay() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 503, 200]
    assert len(receiver.requests) == 3


def test_a_timeout_is_retried(receiver, settings):
    settings.WEBHOOK_TIMEOUT = 0.3
    endpoint(receiver.url)
    receiver.script = [("sleep", 1.0)]
    emit()
    assert outbox.relay() == 0
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1 and delivery.last_status_code is None
    assert "timed out" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now()
    make_due()
    assert outbox.relay() == 1


def test_order_is_kept_per_ordering_key(receiver):
    endpoint(receiver.url)
    receiver.script = [500]
    first = emit("return.approved")
    second = emit("return.in_transit")
    other = emit("return.approved", key="return:R-2")
    outbox.relay()
    # The first failed: the second waits for it; another return's goes out.
    ids = [json.loads(r["body"])["id"] for r in receiver.requests]
    assert ids == [first.message_id, other.message_id]
    make_due()
    outbox.relay()
    ids = [json.loads(r["body"])["id"] for r in receiver.requests]
    assert ids[2:] == [first.message_id, second.message_id]


def test_a_seller_endpoint_never_gets_another_sellers_event(receiver, seller_a, seller_b):
    operator = endpoint(receiver.url + "?operator")
    hook_a = endpoint(receiver.url + "?a", seller=seller_a)
    hook_b = endpoint(receiver.url + "?b", seller=seller_b)
    emit(sellers={seller_a.pk}, key="return:A")
    emit(sellers={seller_b.pk}, key="return:B")
    emit("policy.version_published", sellers=(), key="policy:1")  # marketplace-wide
    outbox.relay()
    by_endpoint = {
        e.pk: sorted(d.event.ordering_key for d in e.deliveries.all())
        for e in (operator, hook_a, hook_b)
    }
    assert by_endpoint == {
        operator.pk: ["policy:1", "return:A", "return:B"],
        hook_a.pk: ["return:A"],
        hook_b.pk: ["return:B"],
    }
    paths = sorted(r["path"] for r in receiver.requests)
    assert paths == ["/hook?a", "/hook?b", "/hook?operator", "/hook?operator", "/hook?operator"]


def test_disabled_endpoint_or_unwanted_event_gets_nothing(receiver):
    endpoint(receiver.url, enabled=False)
    endpoint(receiver.url, events=["refund.failed"])
    assert emit() is None
    assert not WebhookEvent.objects.exists()
    assert outbox.relay() == 0
    assert receiver.requests == []


def test_disabling_holds_pending_deliveries(receiver):
    hook = endpoint(receiver.url)
    emit()
    hook.enabled = False
    hook.save()
    assert outbox.relay() == 0 and receiver.requests == []


def test_unknown_event_type_is_refused():
    with pytest.raises(ValueError):
        webhooks.emit("return.exploded", {}, seller_ids=set(), ordering_key="x")


def test_rotation_signs_with_both_secrets_during_the_grace(receiver):
    hook = endpoint(receiver.url)
    old = hook.secret
    hook.rotate(timedelta(hours=24))
    hook.save()
    assert hook.secret != old and hook.secret.startswith("whsec_")
    emit()
    outbox.relay()
    request = receiver.requests[-1]
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(request["body"], request["headers"])
    Webhook(hook.secret).verify(request["body"], request["headers"])
    # After the grace only the new one signs.
    hook.previous_secret_expires_at = timezone.now() - timedelta(seconds=1)
    hook.save()
    emit(key="return:R-9")
    outbox.relay()
    request = receiver.requests[-1]
    assert len(request["headers"]["webhook-signature"].split(" ")) == 1
    Webhook(hook.secret).verify(request["body"], request["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(request["body"], request["headers"])


def test_gives_up_after_the_last_attempt(receiver, monkeypatch):
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 2)
    endpoint(receiver.url)
    receiver.script = [500, 500]
    emit()
    outbox.relay()
    make_due()
    outbox.relay()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    outbox.resend(delivery)
    assert outbox.relay() == 1


def test_no_endpoint_costs_no_query_and_a_new_one_is_seen_at_once(
    receiver, django_assert_num_queries
):
    assert emit() is None  # caches that no endpoint is enabled
    with django_assert_num_queries(0):
        assert emit() is None
    endpoint(receiver.url)
    assert emit() is not None
    assert outbox.relay() == 1
