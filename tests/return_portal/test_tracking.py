"""The carriers' tracking webhook (Standard Webhooks): a signed scan moves the
return in transit and appears in its timeline; a bad signature, an unknown
number or bad input change nothing; a replay is done once."""

import base64
import json
import uuid
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from standardwebhooks import Webhook

from return_portal import receiving
from return_portal.models import CarrierWebhook, ReturnEvent, ReturnRequest, ReturnStatus
from tests.return_portal.factories import returns_staff_user
from tests.return_portal.test_detail import (  # noqa: F401 (fixtures)
    make_return,
    order,
    signed_in,
)

SECRET = "whsec_" + base64.b64encode(b"carrier-secret-for-tests-0123456789").decode()
URL = "/api/v1/carriers/local/tracking"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.RETURNS_CARRIER_WEBHOOK_SECRETS = {"local": SECRET}


@pytest.fixture
def prepaid(order, buyer):  # noqa: F811
    return make_return(buyer, order, "prepaid_label")


def body_of(number, event, **data):
    return json.dumps(
        {"type": "tracking.scan", "data": {"tracking_number": number, "event": event, **data}}
    )


def post(client, body, *, webhook_id=None, secret=SECRET, headers=None):
    webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
    data = body if isinstance(body, bytes) else body.encode()
    now = datetime.now(tz=UTC)
    signature = Webhook(secret).sign(webhook_id, now, data.decode("utf-8", "replace"))
    signed = {
        "HTTP_WEBHOOK_ID": webhook_id,
        "HTTP_WEBHOOK_TIMESTAMP": str(int(now.timestamp())),
        "HTTP_WEBHOOK_SIGNATURE": signature,
    }
    if headers is not None:
        signed = headers
    return client.post(URL, data=data, content_type="application/json", **signed)


def scans(return_request):
    return list(
        ReturnEvent.objects.filter(
            return_request=return_request, code__startswith="scan_"
        ).values_list("code", flat=True)
    )


def test_a_signed_pickup_moves_the_return_in_transit_and_shows_in_the_timeline(
    client,
    signed_in,  # noqa: F811
    prepaid,
):
    response = post(client, body_of(prepaid.carrier_tracking, "picked_up", location="Lyon 3"))

    assert response.status_code == 200, response.content
    assert response.json() == {"rma": prepaid.rma, "status": "in_transit", "replayed": False}
    stored = ReturnRequest.objects.get(pk=prepaid.pk)
    assert stored.status == ReturnStatus.IN_TRANSIT
    assert stored.goods_or_proof_at is not None  # the proof of sending
    assert scans(prepaid) == ["scan_picked_up"]
    assert ReturnEvent.objects.filter(return_request=prepaid, to_status="in_transit").exists()
    html = signed_in.get(reverse("return_portal:detail", args=[prepaid.public_id])).content
    assert "Carrier: parcel picked up" in html.decode()


def test_the_scan_appears_in_the_staff_timeline(client, prepaid):
    from return_portal.admin.sections import EVENT_LABELS

    post(client, body_of(prepaid.carrier_tracking, "in_transit"))

    assert str(EVENT_LABELS["scan_in_transit"]) == "Carrier: parcel in transit"


@pytest.mark.parametrize(
    "change",
    [
        {"secret": "whsec_" + base64.b64encode(b"another-secret-entirely-000000").decode()},
        {"headers": {}},
        {
            "headers": {
                "HTTP_WEBHOOK_ID": "x",
                "HTTP_WEBHOOK_TIMESTAMP": "1",
                "HTTP_WEBHOOK_SIGNATURE": "v1,AAAA",
            }
        },
        {
            "headers": {
                "HTTP_WEBHOOK_ID": "x",
                "HTTP_WEBHOOK_TIMESTAMP": "nan",
                "HTTP_WEBHOOK_SIGNATURE": "junk",
            }
        },
    ],
)
def test_a_bad_or_missing_signature_is_401_and_changes_nothing(client, prepaid, change):
    response = post(client, body_of(prepaid.carrier_tracking, "in_transit"), **change)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert ReturnRequest.objects.get(pk=prepaid.pk).status == ReturnStatus.APPROVED
    assert scans(prepaid) == [] and not CarrierWebhook.objects.exists()


def test_a_carrier_without_a_secret_is_refused(client, prepaid, settings):
    settings.RETURNS_CARRIER_WEBHOOK_SECRETS = {}

    assert post(client, body_of(prepaid.carrier_tracking, "in_transit")).status_code == 401
    assert ReturnRequest.objects.get(pk=prepaid.pk).status == ReturnStatus.APPROVED


def test_a_replay_is_done_once(client, prepaid):
    body = body_of(prepaid.carrier_tracking, "exception", location="Hub")

    first = post(client, body, webhook_id="msg_1")
    again = post(client, body, webhook_id="msg_1")

    assert first.status_code == again.status_code == 200
    assert first.json()["replayed"] is False and again.json()["replayed"] is True
    assert scans(prepaid) == ["scan_exception"]
    assert CarrierWebhook.objects.count() == 1


def test_an_unknown_tracking_number_is_404_with_a_stable_code(client, prepaid):
    response = post(client, body_of("RHZZZZZZZZ0", "in_transit"))

    assert response.status_code == 404
    assert response.json()["code"] == "unknown"
    assert "data.tracking_number" in response.json()["errors"]
    assert not CarrierWebhook.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe{}",
        json.dumps(
            {
                "type": "tracking.scan",
                "data": {"tracking_number": "RH\u0000", "event": "in_transit"},
            }
        ).encode(),
        json.dumps(
            {"type": "tracking.scan", "data": {"tracking_number": "X", "event": "teleported"}}
        ).encode(),
        json.dumps(
            {"type": "tracking.scan", "data": {"tracking_number": "X" * 65, "event": "in_transit"}}
        ).encode(),
        json.dumps(
            {
                "type": "tracking.scan",
                "data": {
                    "tracking_number": "X",
                    "event": "in_transit",
                    "occurred_at": "2026-01-01T10:00:00",
                },
            }
        ).encode(),
        json.dumps({"type": "other", "data": {}}).encode(),
        json.dumps([1, 2]).encode(),
        body_of("X", "in_transit", location="x" * 17000).encode(),
        b"NaN",
    ],
)
def test_bad_input_is_400_never_500(client, prepaid, body):
    response = post(client, body)

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert ReturnRequest.objects.get(pk=prepaid.pk).status == ReturnStatus.APPROVED
    assert scans(prepaid) == []


def test_delivery_to_the_seller_is_an_event_not_a_receipt(client, prepaid):
    post(client, body_of(prepaid.carrier_tracking, "in_transit"))
    post(client, body_of(prepaid.carrier_tracking, "out_for_delivery"))
    response = post(client, body_of(prepaid.carrier_tracking, "delivered_to_seller"))

    assert response.json()["status"] == "in_transit"
    assert scans(prepaid) == [
        "scan_in_transit",
        "scan_out_for_delivery",
        "scan_delivered_to_seller",
    ]
    assert prepaid.lines.get().received_quantity is None


def test_a_scan_out_of_order_is_recorded_and_moves_nothing_back(client, prepaid):
    post(client, body_of(prepaid.carrier_tracking, "delivered_to_seller"))
    receiving.receive_all(prepaid, actor=returns_staff_user(), actor_kind="staff")

    late = post(client, body_of(prepaid.carrier_tracking.lower(), "in_transit"))

    assert late.status_code == 200
    assert late.json()["status"] == "received"
    assert scans(prepaid) == ["scan_delivered_to_seller", "scan_in_transit"]


def test_a_scan_in_the_future_is_recorded_now(client, prepaid):
    post(client, body_of(prepaid.carrier_tracking, "picked_up", occurred_at="2099-01-01T10:00:00Z"))

    event = ReturnEvent.objects.get(return_request=prepaid, code="scan_picked_up")
    assert event.at.year < 2099
