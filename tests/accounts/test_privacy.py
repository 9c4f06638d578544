import json

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from accounts.privacy import register_anonymiser, register_exporter
from tests.factories import PASSWORD, StaffUserFactory

pytestmark = pytest.mark.django_db


def test_a_buyer_downloads_their_data_as_json(client, site_tree, buyer):
    client.force_login(buyer)

    response = client.post("/accounts/my-data/export/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    data = json.loads(response.content)
    assert data["account"]["email"] == buyer.email
    assert data["account"]["email_addresses"][0]["verified"] is True


def test_apps_add_their_sections_to_the_export(client, site_tree, buyer, monkeypatch):
    from accounts import privacy

    monkeypatch.setattr(privacy, "_exporters", {})
    register_exporter("orders", lambda user: [{"reference": "ORD-1", "buyer": user.email}])
    client.force_login(buyer)

    data = json.loads(client.post("/accounts/my-data/export/").content)

    assert data["orders"] == [{"reference": "ORD-1", "buyer": buyer.email}]


def test_export_needs_a_login_and_a_post(client, site_tree, buyer):
    assert client.post("/accounts/my-data/export/").status_code == 302
    client.force_login(buyer)
    assert client.get("/accounts/my-data/export/").status_code == 405


def test_deleting_an_account_anonymises_the_person_and_logs_them_out(client, site_tree, buyer):
    client.force_login(buyer)
    original_email = buyer.email

    response = client.post("/accounts/my-data/", {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    buyer.refresh_from_db()
    assert buyer.email == f"deleted-user-{buyer.pk}@invalid.example"
    assert buyer.first_name == buyer.last_name == ""
    assert not buyer.is_active
    assert not buyer.has_usable_password()
    assert not EmailAddress.objects.filter(email=original_email).exists()
    assert client.get("/accounts/my-data/").status_code == 302  # logged out
    # The row stays, so financial and compliance records keep pointing at it.
    assert get_user_model().objects.filter(pk=buyer.pk).exists()


def test_deletion_runs_every_apps_anonymiser(client, site_tree, buyer, monkeypatch):
    from accounts import privacy

    seen = []
    monkeypatch.setattr(privacy, "_anonymisers", {})
    register_anonymiser("support", lambda user: seen.append(user.pk))
    client.force_login(buyer)

    client.post("/accounts/my-data/", {"password": PASSWORD, "confirm": "on"})

    assert seen == [buyer.pk]


def test_a_wrong_password_or_no_confirmation_deletes_nothing(client, site_tree, buyer):
    client.force_login(buyer)

    wrong = client.post("/accounts/my-data/", {"password": "nope", "confirm": "on"})
    unconfirmed = client.post("/accounts/my-data/", {"password": PASSWORD})

    assert wrong.status_code == unconfirmed.status_code == 200
    assert "This password is not correct." in wrong.content.decode()
    buyer.refresh_from_db()
    assert buyer.is_active


def test_staff_lose_their_second_factor_and_admin_rights_on_deletion(client, site_tree):
    staff = StaffUserFactory(with_totp=True)
    client.force_login(staff)

    client.post("/accounts/my-data/", {"password": PASSWORD, "confirm": "on"})

    staff.refresh_from_db()
    assert not staff.is_staff
    assert not staff.authenticator_set.exists()


def test_the_page_is_translated(client, site_tree, buyer):
    client.force_login(buyer)

    html = client.get("/fr/accounts/my-data/").content.decode()

    assert '<html lang="fr">' in html
