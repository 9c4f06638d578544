import pytest
from wagtail.models import Locale

from tests.factories import StaffUserFactory
from tests.policy_pages import conftest as policy_fixtures

# The demo policies (marketplace return policy v1, v2 in force, v3 scheduled).
policies = policy_fixtures.policies


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Buyer uploads go to a temporary private folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


@pytest.fixture
def help_center(policies, django_capture_on_commit_callbacks):
    """The demo help center (en, fr, partly de) on top of the demo policies."""
    from helpcenter.seeding import seed_help_center

    with django_capture_on_commit_callbacks(execute=True):
        return seed_help_center()


@pytest.fixture
def small_help_center(policies, django_capture_on_commit_callbacks):
    """The help home with at least its first category (5 articles).

    The test database already holds the whole demo help center (tests/conftest.py),
    so this seeds only after a transactional test has flushed it."""
    from helpcenter.demo_content import CATEGORIES
    from helpcenter.seeding import seed_help_center

    with django_capture_on_commit_callbacks(execute=True):
        return seed_help_center(categories=CATEGORIES[:1])


@pytest.fixture
def article(small_help_center):
    from helpcenter.models import HelpArticlePage

    return HelpArticlePage.objects.get(slug="how-to-start-a-return", locale=Locale.get_default())


@pytest.fixture
def admin_user(db):
    return StaffUserFactory(with_totp=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client
