"""TOTP for every staff session on every staff-only URL (accounts.mfa): the
account has an authenticator AND this session entered a code. The admin and the
staff side of support attachments both ask; public pages do not."""

import re
import uuid
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import get_resolver, reverse

from accounts.mfa import current_totp_code, staff_only
from helpcenter.desk import create_support_request
from helpcenter.models import SupportAttachment
from tests.accounts.sessions import login_without_mfa
from tests.factories import PASSWORD, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n-not-really"


def _support_staff(with_totp):
    staff = StaffUserFactory(with_totp=with_totp)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_supportrequest", "operate_marketplace"])
    )
    return staff


@pytest.fixture
def attachment(site_tree, buyer, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    with django_capture_on_commit_callbacks(execute=True):
        support = create_support_request(
            user=buyer,
            email=buyer.email,
            language="en",
            topic="refund",
            order_reference="",
            message="Here is a photo of the parcel.",
        )
    item = SupportAttachment(request=support, original_name="p.png", content_type="image/png")
    item.size = len(PNG)
    item.file.save("p.png", ContentFile(PNG), save=True)
    return item


def _path(response):
    return urlsplit(response["Location"]).path


# --- the admin --------------------------------------------------------------------------------


def test_a_password_only_session_must_enter_a_code_before_the_admin(client, site_tree):
    staff = StaffUserFactory(with_totp=True)
    login_without_mfa(client, staff)

    response = client.get("/admin/pages/")

    assert response.status_code == 302
    assert _path(response) == reverse("mfa_reauthenticate")
    assert "next=%2Fadmin%2Fpages%2F" in response["Location"]


def test_entering_the_code_opens_the_admin_and_returns_to_the_page(client, site_tree):
    staff = StaffUserFactory(with_totp=True)
    login_without_mfa(client, staff)
    sent_to = client.get("/admin/pages/")["Location"]

    code = current_totp_code(Authenticator.objects.get(user=staff, type="totp"))
    confirmed = client.post(sent_to, {"code": code})

    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/admin/pages/"
    assert client.get("/admin/").status_code == 200


def test_a_session_opened_before_enrolling_must_still_enter_a_code(client, site_tree):
    """Signed in by password while without an authenticator, then enrolled: the
    session itself never passed TOTP."""
    staff = StaffUserFactory(with_totp=False)
    login = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert login.status_code == 302
    assert _path(client.get("/admin/")) == reverse("mfa_activate_totp")

    TOTP.activate(staff, generate_totp_secret())  # as the enrolment page does

    assert _path(client.get("/admin/")) == reverse("mfa_reauthenticate")


def test_signing_in_with_password_then_code_is_enough(client, site_tree):
    staff = StaffUserFactory(with_totp=True)
    login = client.post("/admin/login/", {"login": staff.email, "password": PASSWORD})
    code = current_totp_code(Authenticator.objects.get(user=staff, type="totp"))
    client.post(login["Location"], {"code": code})

    assert client.get("/admin/").status_code == 200


def test_the_login_and_logout_pages_stay_open(client, site_tree):
    login_without_mfa(client, StaffUserFactory(with_totp=True))
    assert client.get("/admin/login/").status_code == 302  # to allauth's login, not to MFA
    assert _path(client.get("/admin/login/")) != reverse("mfa_reauthenticate")
    assert client.get(reverse("mfa_reauthenticate")).status_code == 200


# --- support attachments: the reported hole ---------------------------------------------------


def test_staff_without_an_authenticator_cannot_read_buyers_attachments(client, attachment):
    """The issue: a staff account without an authenticator read every buyer's
    attachment at /support/attachments/<n>/."""
    client.force_login(_support_staff(with_totp=False))

    response = client.get(f"/support/attachments/{attachment.pk}/")

    assert response.status_code == 302
    assert _path(response) == reverse("mfa_activate_totp")


def test_a_password_only_staff_session_cannot_read_attachments(client, attachment):
    login_without_mfa(client, _support_staff(with_totp=True))

    response = client.get(f"/support/attachments/{attachment.pk}/")

    assert response.status_code == 302
    assert _path(response) == reverse("mfa_reauthenticate")


def test_a_verified_staff_session_reads_the_attachment(client, attachment):
    client.force_login(_support_staff(with_totp=True))  # password and code (tests/conftest.py)

    response = client.get(f"/support/attachments/{attachment.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG


def test_the_buyer_reads_their_own_attachment_without_any_code(client, attachment, buyer):
    client.force_login(buyer)
    assert client.get(f"/support/attachments/{attachment.pk}/").status_code == 200


def test_another_buyer_gets_404(client, attachment):
    client.force_login(UserFactory())
    assert client.get(f"/support/attachments/{attachment.pk}/").status_code == 404


# --- the rule, for any URL outside the admin ---------------------------------------------------

CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")


def _site_routes():
    """Every route of the project outside the admin, the API and the account pages
    (allauth's own flow: sign-in, MFA, sign-out must stay open), as a path template."""

    def walk(patterns, prefix):
        for pattern in patterns:
            text = str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, prefix + text)
            elif not text.startswith("^") and "(" not in text:
                yield prefix + text

    skipped = ("admin/", "api/", "accounts/", "healthz", "sitemap")
    routes = walk(get_resolver().url_patterns, "")
    return sorted({"/" + route for route in routes if not route.startswith(skipped)})


def test_an_unverified_staff_session_gets_nothing_a_buyer_would_not(client, attachment):
    """Every site URL, as a buyer who owns nothing and as staff holding every
    permission whose session passed no TOTP: staff get the buyer's answer or are
    sent to confirm a code. A staff-only view added outside the admin without
    `accounts.mfa.staff_only` (or the check of a mixed view) fails here."""
    values = {
        "int": attachment.pk,
        "uuid": uuid.uuid4(),
        "str": attachment.request.reference,
        "slug": "x",
        "path": "x",
    }
    routes = _site_routes()
    assert "/support/attachments/<int:pk>/" in routes
    nobody = UserFactory()
    superuser = StaffUserFactory(with_totp=True, is_superuser=True)
    for route in routes:
        url = CONVERTER.sub(lambda m: str(values[m.group("kind") or "str"]), route)
        client.force_login(nobody)
        as_buyer = client.get(url).status_code
        login_without_mfa(client, superuser)
        as_staff = client.get(url)
        if as_staff.status_code == 302 and _path(as_staff) == reverse("mfa_reauthenticate"):
            continue
        assert as_staff.status_code == as_buyer, (route, as_buyer, as_staff.status_code)


def test_public_pages_stay_open_to_an_unverified_staff_session(client, site_tree):
    login_without_mfa(client, StaffUserFactory(with_totp=False))
    for url in ("/", "/fr/", "/support/contact/"):
        assert client.get(url, follow=True).status_code == 200, url


def test_staff_only_sends_staff_to_enrol_and_lets_others_through(rf, site_tree):
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse

    view = staff_only(lambda request: HttpResponse("staff page"))
    assert view.staff_only is True

    request = rf.get("/somewhere/")
    request.user = StaffUserFactory(with_totp=False)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    assert view(request)["Location"] == reverse("mfa_activate_totp")

    request.user = UserFactory()  # not staff: the view's own checks decide
    assert view(request).content == b"staff page"


def test_without_the_setting_staff_are_not_asked(client, attachment, settings):
    settings.STAFF_MFA_REQUIRED = False
    login_without_mfa(client, _support_staff(with_totp=False))
    assert client.get(f"/support/attachments/{attachment.pk}/").status_code == 200
    assert client.get("/admin/").status_code == 200
