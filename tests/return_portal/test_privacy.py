"""The data export holds the buyer's returns and messages; deleting the account
keeps the returns (financial and compliance records) but removes the photos and
what the buyer wrote."""

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from accounts.privacy import delete_account, export_user_data
from core.models import OutboxMessage
from return_portal.confirm import confirm_return
from return_portal.draft import Draft
from return_portal.models import (
    ReturnEvent,
    ReturnMessage,
    ReturnPhoto,
    ReturnRequest,
)
from return_portal.privacy import REMOVED
from tests.marketplace.factories import OrderFactory, OrderLineFactory


@pytest.fixture
def storage(monkeypatch, tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    monkeypatch.setattr(ReturnPhoto._meta.get_field("file"), "storage", storage)
    return storage


@pytest.fixture
def returned(policies, reasons, buyer, storage, django_capture_on_commit_callbacks):
    order = OrderFactory(
        buyer=buyer, placed_at=timezone.now() - timedelta(days=6), payment_amount=Decimal("60")
    )
    OrderLineFactory(order=order, reference="A", title="Oxford shirt")
    draft = Draft(
        order_id=order.pk,
        quantities={"A": 1},
        reason_code="too-small",
        condition="like_new",
        comment="My sister says it is too tight.",
        resolution="refund",
        shipping_method="drop_off",
    )
    with django_capture_on_commit_callbacks(execute=True):
        return_request, _ = confirm_return(buyer, order, draft)
    ReturnMessage.objects.create(
        return_request=return_request, author=buyer, body="Call me on 06 12 34 56 78."
    )
    ReturnMessage.objects.create(
        return_request=return_request, from_staff=True, body="Hello Camille, noted."
    )
    photo = ReturnPhoto(
        buyer=buyer,
        draft=uuid.uuid4(),
        return_request=return_request,
        original_name="me.jpg",
        content_type="image/jpeg",
        size=4,
    )
    photo.file.save("me.jpg", ContentFile(b"\xff\xd8\xff\xe0"), save=True)
    return return_request


def test_the_export_holds_the_buyers_returns_with_events_messages_and_estimate(buyer, returned):
    data = json.loads(json.dumps(export_user_data(buyer)))

    [exported] = data["returns"]
    assert exported["rma"] == returned.rma
    assert exported["status"] == "requested"  # waiting for the seller's decision
    assert exported["comment"] == "My sister says it is too tight."
    assert exported["lines"][0]["title"] == "Oxford shirt"
    assert [e["to"] for e in exported["events"]] == ["requested"]
    assert [m["body"] for m in exported["messages"]] == [
        "Call me on 06 12 34 56 78.",
        "Hello Camille, noted.",
    ]
    assert exported["estimate"]["total"] == str(returned.estimated_total)
    assert exported["photos"] == ["me.jpg"]


def test_the_export_leaves_out_internal_events_and_lists_unit_inspections(buyer, returned):
    from return_portal.models import UnitInspection
    from return_portal.notes import INTERNAL_EVENTS

    for code in sorted(INTERNAL_EVENTS):
        ReturnEvent.objects.create(
            return_request=returned,
            from_status="requested",
            to_status="requested",
            actor_kind="staff",
            code=code,
            note="internal",
            at=timezone.now(),
        )
    line = returned.lines.get()
    UnitInspection.objects.create(
        return_line=line,
        unit=1,
        checks={"visual": {"passed": False, "note": "staff only"}},
        outcome="partial_refund",
        earnings=Decimal("50"),
        deduction=Decimal("10"),
        deduction_reason="Stain on the collar",
        inspected_at=timezone.now(),
    )

    [exported] = json.loads(json.dumps(export_user_data(buyer)))["returns"]

    assert [e["to"] for e in exported["events"]] == ["requested"]
    [exported_line] = exported["lines"]
    assert "deduction" not in exported_line
    assert exported_line["units"] == [
        {
            "unit": 1,
            "outcome": "partial_refund",
            "deduction": "10.00",
            "deduction_reason": "Stain on the collar",
        }
    ]
    assert "staff only" not in json.dumps(exported)


def test_the_export_holds_no_other_buyers_returns(other_buyer, returned):
    assert export_user_data(other_buyer)["returns"] == []


def test_deletion_keeps_the_return_but_removes_photos_and_what_the_buyer_wrote(
    buyer, returned, storage, django_capture_on_commit_callbacks
):
    name = ReturnPhoto.objects.get().file.name
    email = buyer.email
    assert storage.exists(name)
    assert OutboxMessage.objects.filter(recipient=email).exists()
    events = ReturnEvent.objects.filter(return_request=returned).count()

    with django_capture_on_commit_callbacks(execute=True):
        delete_account(buyer)

    kept = ReturnRequest.objects.get(pk=returned.pk)
    assert kept.rma == returned.rma and kept.estimated_total == returned.estimated_total
    assert kept.lines.count() == 1
    assert ReturnEvent.objects.filter(return_request=kept).count() == events >= 1
    assert kept.comment == REMOVED
    assert set(ReturnMessage.objects.values_list("body", flat=True)) == {REMOVED}
    assert not ReturnPhoto.objects.exists()
    assert not storage.exists(name)
    assert not OutboxMessage.objects.filter(recipient=email).exists()
