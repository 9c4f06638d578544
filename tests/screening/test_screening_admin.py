"""Abuse screening's admin (issue 13, point 5): the blocklist, for the operator's
staff only, every change in Wagtail's audit log; the thresholds' settings page,
refusing a negative rate or one above 100 %."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from screening.models import BlockedEntry, BlockKind, ScreeningSettings
from tests.factories import StaffUserFactory
from tests.marketplace.factories import SellerFactory
from tests.return_portal.factories import returns_staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = returns_staff_user(with_totp=True)
    client.force_login(user)
    return user


def logs(action):
    kind = ContentType.objects.get_for_model(BlockedEntry)
    return ModelLogEntry.objects.filter(content_type=kind, action=action)


def test_the_operator_adds_edits_and_removes_entries_each_in_the_audit_log(client, operator):
    added = client.post(
        reverse("blocklist:add"),
        {"kind": "email", "value": " Serial.Returner@Example.com ", "reason": "Wardrobing"},
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    entry = BlockedEntry.objects.get()
    assert (entry.value, entry.created_by, entry.expires_at) == (
        "serial.returner@example.com",
        operator,
        None,
    )
    assert logs("wagtail.create").filter(object_id=str(entry.pk), user=operator).exists()

    expiry = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%d %H:%M")
    edited = client.post(
        reverse("blocklist:edit", args=[entry.pk]),
        {
            "kind": "email",
            "value": entry.value,
            "reason": "Wardrobing, twice",
            "expires_at": expiry,
        },
    )
    assert edited.status_code == 302
    entry.refresh_from_db()
    assert entry.reason == "Wardrobing, twice" and entry.expires_at is not None
    assert logs("wagtail.edit").filter(object_id=str(entry.pk)).exists()

    listing = client.get(reverse("blocklist:index")).content.decode()
    assert "serial.returner@example.com" in listing

    removed = client.post(reverse("blocklist:delete", args=[entry.pk]))
    assert removed.status_code == 302
    assert not BlockedEntry.objects.exists()
    assert logs("wagtail.delete").filter(object_id=str(entry.pk)).exists()


def test_the_same_email_in_another_case_is_one_entry(client, operator):
    BlockedEntry.objects.create(kind=BlockKind.EMAIL, value="a@example.com", reason="x")

    again = client.post(
        reverse("blocklist:add"), {"kind": "email", "value": "A@Example.com", "reason": "y"}
    )

    assert again.status_code == 200  # the form again, with its error
    assert BlockedEntry.objects.count() == 1


def test_seller_staff_neither_see_nor_change_the_blocklist(client):
    entry = BlockedEntry.objects.create(kind=BlockKind.ORDER, value="F-1", reason="x")
    seller_staff = returns_staff_user(
        operator=False, sellers=[SellerFactory(reference="s1")], with_totp=True
    )
    client.force_login(seller_staff)

    for url in (
        reverse("blocklist:index"),
        reverse("blocklist:add"),
        reverse("blocklist:edit", args=[entry.pk]),
    ):
        assert client.get(url).status_code in (302, 403), url
    client.post(reverse("blocklist:delete", args=[entry.pk]))
    client.post(reverse("blocklist:add"), {"kind": "order", "value": "F-2", "reason": "z"})

    assert list(BlockedEntry.objects.values_list("value", flat=True)) == ["F-1"]


# --- the thresholds ---------------------------------------------------------------------


def settings_url() -> str:
    return reverse(
        "wagtailsettings:edit",
        args=["screening", "screeningsettings", ScreeningSettings.load().pk],
    )


@pytest.fixture
def admin_client(client):
    client.force_login(StaffUserFactory(is_superuser=True, with_totp=True))
    return client


def test_the_settings_page_saves_thresholds_and_blank_leaves_them_off(admin_client):
    saved = admin_client.post(
        settings_url(),
        {"max_returns": "5", "max_value_rate": "40", "max_unit_rate": "", "min_returns": "3"},
    )

    assert saved.status_code == 302
    settings = ScreeningSettings.load()
    assert (settings.max_returns, str(settings.max_value_rate), settings.max_unit_rate) == (
        5,
        "40.00",
        None,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_value_rate", "-1"),
        ("max_unit_rate", "100.01"),
        ("max_not_as_described_share", "250"),
        ("max_returns", "-3"),
        ("min_returns", "0"),
        ("max_value_rate", "lots"),
    ],
)
def test_the_settings_page_refuses_a_value_out_of_range(admin_client, field, value):
    data = {"min_returns": "3", field: value}

    answer = admin_client.post(settings_url(), data)

    assert answer.status_code == 200
    assert field in answer.context["form"].errors
    settings = ScreeningSettings.load()
    assert settings.max_value_rate is None and settings.min_returns == 3
