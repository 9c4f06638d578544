import pytest

from tests.marketplace.conftest import policies  # the demo policies (v1, v2, v3, seller's)
from tests.marketplace.factories import SellerFactory
from tests.webhooks.receiver import Receiver
from webhooks.events import EVENT_TYPES
from webhooks.models import WebhookEndpoint


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def seller_a(db):
    return SellerFactory(reference="hook-seller-a")


@pytest.fixture
def seller_b(db):
    return SellerFactory(reference="hook-seller-b")


def endpoint(url, *, seller=None, events=None, enabled=True):
    return WebhookEndpoint.objects.create(
        url=url, seller=seller, events=sorted(events or EVENT_TYPES), enabled=enabled
    )


__all__ = ["endpoint", "policies"]
