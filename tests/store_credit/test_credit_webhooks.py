"""Credit issued and spent reach the operator's webhook endpoints, in the entry's
transaction, and never a seller's (the credit is the marketplace's)."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from store_credit import ledger
from tests.marketplace.factories import SellerFactory
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # the "is any endpoint enabled" flag


def test_issue_and_spend_emit_credit_events_to_the_operator_only():
    operator = WebhookEndpoint.objects.create(
        url="https://ops.example.com/hooks", events=["credit.issued", "credit.spent"]
    )
    WebhookEndpoint.objects.create(
        url="https://seller.example.com/hooks",
        seller=SellerFactory(),
        events=["credit.issued", "credit.spent"],
    )

    ledger.issue("ada@example.com", Decimal("30.00"), "EUR", key="i1", reason="RMA-1")
    ledger.spend("ada@example.com", Decimal("12.50"), "EUR", key="s1")
    ledger.spend("ada@example.com", Decimal("12.50"), "EUR", key="s1")  # replayed: once

    deliveries = WebhookDelivery.objects.select_related("event").order_by("pk")
    assert [(d.endpoint_id, d.event.event_type) for d in deliveries] == [
        (operator.pk, "credit.issued"),
        (operator.pk, "credit.spent"),
    ]
    spent = deliveries[1].event.payload["data"]
    assert spent["amount"] == {"amount": "12.50", "currency": "EUR"}
    assert spent["balance"] == {"amount": "17.50", "currency": "EUR"}


def test_a_spend_refused_emits_nothing():
    WebhookEndpoint.objects.create(url="https://ops.example.com/hooks", events=["credit.spent"])
    with pytest.raises(ledger.InsufficientCredit):
        ledger.spend("ada@example.com", Decimal("1.00"), "EUR", key="s1")
    assert not WebhookDelivery.objects.exists()
