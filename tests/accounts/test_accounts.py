import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core import mail

from accounts.mfa import current_totp_code
from tests.factories import PASSWORD, StaffUserFactory

pytestmark = pytest.mark.django_db


def test_signup_is_by_email_without_a_username(client, site_tree):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 302
    user = get_user_model().objects.get(email="new@example.com")
    assert not hasattr(user, "username") or user.username is None


def test_signup_in_french_remembers_the_language_and_sends_a_verification_email(client, site_tree):
    client.post(
        "/fr/accounts/signup/",
        {"email": "nouveau@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    user = get_user_model().objects.get(email="nouveau@example.com")
    assert user.preferred_language == "fr"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nouveau@example.com"]


def test_login_by_email(client, site_tree, buyer):
    response = client.post("/accounts/login/", {"login": buyer.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == buyer


def test_password_reset_sends_an_email(client, site_tree, buyer):
    response = client.post("/accounts/password/reset/", {"email": buyer.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_repeated_failed_logins_get_429_once_the_limit_is_reached(client, site_tree, buyer):
    statuses = [
        client.post("/accounts/login/", {"login": buyer.email, "password": "wrong"}).status_code
        for _ in range(6)
    ]

    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    # Even the right password is refused while the limit holds.
    response = client.post("/accounts/login/", {"login": buyer.email, "password": PASSWORD})
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("url", "expected"),
    [("/fr/accounts/login/", "Connexion"), ("/de/accounts/login/", "Anmelden")],
)
def test_account_pages_use_the_site_templates_and_are_translated(client, site_tree, url, expected):
    html = client.get(url).content.decode()

    assert expected in html
    assert 'class="skip-link"' in html


def test_production_requires_email_verification():
    from config.settings import base

    assert base.ACCOUNT_EMAIL_VERIFICATION == "mandatory"


def test_staff_without_totp_are_sent_to_enrol_before_the_admin(client, site_tree):
    staff = StaffUserFactory(with_totp=False)
    client.force_login(staff)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].endswith("/accounts/2fa/totp/activate/")


def test_staff_sign_in_to_the_admin_with_password_then_totp(client, site_tree):
    staff = StaffUserFactory(with_totp=True)

    login = client.post("/admin/login/", {"login": staff.email, "password": PASSWORD})
    assert login.status_code == 302
    assert "/accounts/2fa/authenticate/" in login["Location"]
    # The password alone does not open the admin.
    assert client.get("/admin/").status_code == 302

    authenticator = Authenticator.objects.get(user=staff, type=Authenticator.Type.TOTP)
    second = client.post(login["Location"], {"code": current_totp_code(authenticator)})
    assert second.status_code == 302

    assert client.get("/admin/").status_code == 200


def test_admin_login_page_is_the_site_login_form(client, site_tree):
    response = client.get("/admin/login/", follow=True)

    assert response.status_code == 200
    assert 'name="login"' in response.content.decode()


def test_admin_login_returns_to_the_dashboard_after_totp(client, site_tree):
    staff = StaffUserFactory(with_totp=True)
    page = client.get("/admin/login/")
    assert page.status_code == 302
    assert page["Location"] == "/admin/login/?next=%2Fadmin%2F"

    login = client.post(page["Location"], {"login": staff.email, "password": PASSWORD})
    authenticator = Authenticator.objects.get(user=staff, type=Authenticator.Type.TOTP)
    second = client.post(login["Location"], {"code": current_totp_code(authenticator)})

    assert second.status_code == 302
    assert second["Location"] == "/admin/"


def test_buyers_cannot_enter_the_admin(client, site_tree, buyer):
    client.force_login(buyer)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
