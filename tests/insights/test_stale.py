"""Keeping the roll-ups up to date: a change marks its slice after commit and a
task rebuilds it; a rollback marks nothing; with the broker down the marker
waits for beat's sweep; one transaction's many rows are read and marked once."""

import pytest
from django.db import transaction

from insights import stale
from insights.models import ReturnDay, SalesDay, StaleSlice
from return_portal.models import ReturnStatus
from tests.insights.world import DAY, HOUR, MORNING, event, request_return, sell, two_sellers

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(policies, reasons):
    a, _b, shoes, _coats = two_sellers()
    return a, shoes


def test_an_event_after_commit_rebuilds_its_slice(world, django_capture_on_commit_callbacks):
    seller, shoes = world
    with django_capture_on_commit_callbacks(execute=True):
        line = sell(seller, shoes, "BOOT-1", 2, "50.00")
    assert SalesDay.objects.get(seller=seller).units == 2
    with django_capture_on_commit_callbacks(execute=True):
        request = request_return(line, 1, "too-small").return_request
    ReturnDay.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        event(request, ReturnStatus.APPROVED, MORNING + HOUR)
    assert ReturnDay.objects.get(seller=seller, day=DAY).units == 1
    assert not StaleSlice.objects.exists()


def test_a_rolled_back_change_marks_nothing(world, django_capture_on_commit_callbacks):
    seller, shoes = world
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        sell(seller, shoes, "BOOT-1", 2, "50.00")
        raise RuntimeError
    assert callbacks == []
    assert not StaleSlice.objects.exists()


def test_with_the_broker_down_the_marker_waits_for_the_sweep(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    seller, shoes = world

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(stale.refresh_stale, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        sell(seller, shoes, "BOOT-1", 2, "50.00")
    assert StaleSlice.objects.filter(day=DAY, seller=seller).exists()
    assert not SalesDay.objects.exists()
    assert stale.refresh_stale() == 1
    assert SalesDay.objects.get().units == 2
    assert not StaleSlice.objects.exists()


def test_one_transaction_is_marked_once(world, django_capture_on_commit_callbacks, monkeypatch):
    seller, shoes = world
    refreshed = []
    monkeypatch.setattr(stale.refresh_stale, "delay", lambda: refreshed.append(1))
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for number in range(5):
            sell(seller, shoes, f"SKU-{number}", 1, "10.00")
    assert sum(isinstance(callback, stale._PendingMarks) for callback in callbacks) == 1
    assert refreshed == [1]
    assert StaleSlice.objects.get().seller == seller
