import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.models import Locale, Page, Site

from core.models import HomePage


@pytest.fixture
def seed(db, django_capture_on_commit_callbacks):
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            call_command("seed_demo", stdout=io.StringIO())

    return run


def _counts():
    return (
        get_user_model().objects.count(),
        Page.objects.count(),
        Locale.objects.count(),
        Site.objects.count(),
    )


def test_seed_demo_builds_the_site_in_three_locales_and_the_demo_users(seed):
    seed()

    homes = HomePage.objects.live().select_related("locale")
    assert sorted(home.locale.language_code for home in homes) == ["de", "en", "fr"]
    assert Site.objects.get(is_default_site=True).root_page.specific.locale.language_code == "en"
    emails = set(get_user_model().objects.values_list("email", flat=True))
    assert {
        "editor@example.com",
        "legal@example.com",
        "returns@example.com",
        "seller@example.com",
        "buyer@example.com",
        "acheteur@example.com",
    } <= emails


def test_seed_demo_is_idempotent(seed):
    seed()
    first = _counts()

    seed()

    assert _counts() == first


def test_demo_staff_users_have_totp_and_belong_to_their_groups(seed):
    seed()
    User = get_user_model()

    editor = User.objects.get(email="editor@example.com")
    buyer = User.objects.get(email="buyer@example.com")

    assert editor.groups.filter(name="Policy editors").exists()
    assert editor.authenticator_set.filter(type="totp").exists()
    assert not buyer.is_staff
    assert not buyer.authenticator_set.exists()
