"""The "Returns staff" group of the demo answers buyers and reads the help
center reports, with those permissions only (no superuser)."""

import pytest
from django.contrib.auth import get_user_model

from accounts.demo import seed_users
from helpcenter.desk import create_support_request
from helpcenter.seeding import grant_support_permissions
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

INBOX = "/admin/snippets/helpcenter/supportrequest/"
REPORTS = [
    "/admin/reports/help/top-searches/",
    "/admin/reports/help/no-results/",
    "/admin/reports/help/feedback/",
    "/admin/reports/help/changed-clauses/",
    "/admin/reports/help/stale/",
]


@pytest.fixture
def support(site_tree, buyer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return create_support_request(
            user=buyer,
            email=buyer.email,
            language="de",
            topic="refund",
            order_reference="",
            message="Wo bleibt meine Erstattung? Es sind drei Wochen.",
        )


@pytest.fixture
def returns_staff(site_tree):
    """A staff member whose only permissions come from the group."""
    user = StaffUserFactory(with_totp=True)
    user.user_permissions.clear()  # the factory grants admin access directly
    user.groups.add(grant_support_permissions())
    return get_user_model().objects.get(pk=user.pk)  # no cached permissions


def test_returns_staff_open_the_inbox_and_every_help_report(support, returns_staff, client):
    assert not returns_staff.is_superuser
    client.force_login(returns_staff)
    assert client.get("/admin/").status_code == 200
    listing = client.get(INBOX)
    assert listing.status_code == 200
    assert support.reference in listing.content.decode()
    assert client.get(f"{INBOX}edit/{support.pk}/").status_code == 200
    for url in REPORTS:
        assert client.get(url).status_code == 200, url
    menu = client.get("/admin/").content.decode()
    assert "Support inbox" in menu and "Top searches" in menu


def test_returns_staff_reply_to_a_buyer(
    support, returns_staff, client, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(returns_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{INBOX}edit/{support.pk}/",
            {"status": "open", "assignee": returns_staff.pk, "reply": "Sie ist unterwegs."},
        )
    assert response.status_code == 302
    support.refresh_from_db()
    assert support.assignee == returns_staff
    assert support.replies.get().author == returns_staff
    assert mailoutbox[-1].to == [support.email]


def test_returns_staff_cannot_delete_requests_nor_edit_pages(support, returns_staff, client):
    client.force_login(returns_staff)
    assert client.get(f"{INBOX}delete/{support.pk}/").status_code in (302, 403)
    assert not returns_staff.has_perm("wagtailcore.change_page")
    assert not returns_staff.has_perm("helpcenter.delete_supportrequest")


def test_a_buyer_opens_neither_the_inbox_nor_the_reports(support, buyer, client):
    client.force_login(buyer)
    for url in [INBOX, f"{INBOX}edit/{support.pk}/", *REPORTS]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login/" in response["Location"]


def test_demo_returns_staff_account_gets_the_permissions_from_seeding(small_help_center):
    # seed_demo: accounts.demo.seed_users, then the help center seeder (here the other
    # way round, as both are idempotent).
    seed_users()
    grant_support_permissions()
    user = get_user_model().objects.get(email="returns@example.com")
    assert user.has_perms(
        [
            "wagtailadmin.access_admin",
            "helpcenter.view_supportrequest",
            "helpcenter.change_supportrequest",
            "helpcenter.view_help_reports",
        ]
    )
    assert not user.is_superuser
