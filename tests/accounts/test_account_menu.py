"""The account menu: on every account page, every entry, the current one marked."""

from types import SimpleNamespace

import pytest
from allauth.account.internal.flows.login import record_authentication
from bs4 import BeautifulSoup
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from helpcenter.models import SupportRequest
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

ENTRIES = {
    "Email addresses": "/accounts/email/",
    "Password": "/accounts/password/change/",
    "Two-factor authentication": "/accounts/2fa/",
    "Support requests": "/support/requests/",
    "My data": "/accounts/my-data/",
}


def _menu(response):
    assert response.status_code == 200, response.status_code
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    navs = soup.select("nav.account-nav")
    assert len(navs) == 1, "exactly one account menu"
    return navs[0]


def _signed_in_just_now(client, user):
    """Signed in, password confirmed a moment ago: pages asking to reauthenticate open."""
    client.force_login(user)
    session = client.session
    record_authentication(
        SimpleNamespace(session=session), user, "password", email=user.email, reauthenticated=True
    )
    session.save()


def _links(nav):
    return {a.get_text(strip=True): a for a in nav.find_all("a")}


def _assert_menu(response, current_label):
    nav = _menu(response)
    assert nav.get("aria-label") == "My account"
    links = _links(nav)
    assert {label: a["href"] for label, a in links.items()} == ENTRIES
    marked = [label for label, a in links.items() if a.get("aria-current") == "page"]
    assert marked == [current_label]


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/accounts/email/", "Email addresses"),
        ("/accounts/password/change/", "Password"),
        ("/accounts/2fa/", "Two-factor authentication"),
        ("/accounts/2fa/totp/activate/", "Two-factor authentication"),
        ("/support/requests/", "Support requests"),
        ("/accounts/my-data/", "My data"),
    ],
)
def test_each_account_page_shows_the_menu_with_the_current_page_marked(
    client, site_tree, buyer, path, current
):
    _signed_in_just_now(client, buyer)

    _assert_menu(client.get(path), current)


def test_the_page_content_is_kept_beside_the_menu(client, site_tree, buyer):
    # allauth's email page overrides `block content`: the menu must survive it, and
    # the page's own form must still be there.
    client.force_login(buyer)

    soup = BeautifulSoup(client.get("/accounts/email/").content.decode(), "html.parser")

    layout = soup.select_one("main .account-layout")
    assert layout is not None
    assert layout.select_one("nav.account-nav") is not None
    assert buyer.email in layout.select_one(".account-content").get_text()


def test_setting_a_first_password_marks_password(client, site_tree, buyer):
    buyer.password = make_password(None)  # signed up by a social login: no password yet
    buyer.save()
    client.force_login(buyer)

    _assert_menu(client.get("/accounts/password/set/"), "Password")


def test_turning_two_factor_off_marks_two_factor(client, site_tree):
    staff = StaffUserFactory(with_totp=True)
    _signed_in_just_now(client, staff)

    _assert_menu(client.get("/accounts/2fa/totp/deactivate/"), "Two-factor authentication")


def test_a_support_request_marks_support_requests(client, site_tree, buyer):
    support = SupportRequest.objects.create(
        user=buyer, email=buyer.email, language="en", topic="refund", message="Where is my refund?"
    )
    client.force_login(buyer)

    url = reverse("helpcenter:request_detail", args=[support.reference])
    _assert_menu(client.get(url), "Support requests")


def test_the_menu_follows_the_language(client, site_tree, buyer):
    client.force_login(buyer)

    nav = _menu(client.get("/fr/accounts/my-data/"))

    hrefs = [a["href"] for a in nav.find_all("a")]
    assert hrefs == ["/fr" + path for path in ENTRIES.values()]
    assert [a["href"] for a in nav.find_all("a", attrs={"aria-current": "page"})] == [
        "/fr/accounts/my-data/"
    ]


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
)
def test_signed_out_pages_have_no_account_menu(client, site_tree, path):
    response = client.get(path)

    assert response.status_code == 200
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    assert soup.select("nav.account-nav") == []
    assert soup.select_one("main form") is not None  # the page itself still renders
