"""Endpoints on this machine or its private network are refused, in the form
(an address written as one) and at each delivery (what the name resolves to),
unless WEBHOOKS_ALLOW_PRIVATE_ADDRESSES is on (development and these tests)."""

import pytest

from tests.webhooks.conftest import endpoint
from webhooks import addresses, outbox
from webhooks.forms import WebhookEndpointForm
from webhooks.models import DeliveryStatus, WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def guarded(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ],
)
def test_a_private_or_local_address_is_refused(guarded, url):
    assert addresses.literal_refusal(url)
    assert addresses.resolved_refusal(url)


def test_a_public_address_is_allowed(guarded):
    assert addresses.literal_refusal("https://93.184.215.14/hook") is None


def test_a_name_resolving_to_a_private_address_is_refused(guarded, monkeypatch):
    # DNS lies outside this machine: the resolver is told what the name points to.
    def resolve(host, port, *args, **kwargs):
        assert host == "hooks.example.com"
        return [(2, 1, 6, "", ("10.0.0.7", port or 443))]

    monkeypatch.setattr(addresses.socket, "getaddrinfo", resolve)
    assert addresses.literal_refusal("https://hooks.example.com/in") is None
    assert "private" in addresses.resolved_refusal("https://hooks.example.com/in")


def test_a_delivery_to_a_local_name_is_not_sent(guarded, receiver):
    hook = endpoint(receiver.url.replace("127.0.0.1", "localhost"))
    outbox.emit("return.approved", {"rma": "R-1"}, seller_ids=set(), ordering_key="r")
    outbox.relay()

    delivery = WebhookDelivery.objects.get(endpoint=hook)
    assert receiver.requests == []
    assert delivery.status == DeliveryStatus.PENDING
    assert "refused" in delivery.last_error


def test_the_form_refuses_a_private_address(guarded, admin_user):
    form = WebhookEndpointForm(
        data={"url": "http://10.0.0.5/hook", "events": ["return.approved"], "enabled": "on"},
        for_user=admin_user,
    )
    assert not form.is_valid()
    assert "url" in form.errors


def test_allowed_everywhere_lets_loopback_through(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    assert addresses.resolved_refusal("http://127.0.0.1:9/hook") is None
