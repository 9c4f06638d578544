"""The export and deletion cover what the marketplace and help center keep."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from helpcenter.models import SupportRequest
from marketplace.models import Order
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
    buyer = get_user_model().objects.get(email="buyer@example.com")
    buyer.set_password(PASSWORD)
    buyer.save()
    SupportRequest.objects.create(
        reference="SR-2026-999999",
        user=buyer,
        email=buyer.email,
        language="en",
        topic=SupportRequest._meta.get_field("topic").choices[0][0],
        message="Where is my refund?",
    )
    return buyer


def test_the_export_holds_orders_and_support_requests(client, demo):
    client.force_login(demo)

    data = json.loads(client.post("/accounts/my-data/export/").content)

    assert {order["reference"] for order in data["orders"]} == set(
        Order.objects.filter(buyer=demo).values_list("reference", flat=True)
    )
    assert data["orders"][0]["lines"][0]["policy"]
    assert data["support_requests"][0]["message"] == "Where is my refund?"


def test_deletion_keeps_orders_but_removes_the_buyers_addresses(client, demo):
    orders = Order.objects.filter(buyer=demo).count()
    client.force_login(demo)

    client.post("/accounts/my-data/", {"password": PASSWORD, "confirm": "on"})

    assert orders > 0
    assert Order.objects.filter(buyer=demo).count() == orders
    assert not Order.objects.filter(buyer_email="buyer@example.com").exists()
    assert not SupportRequest.objects.filter(email="buyer@example.com").exists()
