import pytest
from django.core.cache import cache

from tests.factories import StaffUserFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits and cached fragments must not leak from one test to the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site_tree(db, django_capture_on_commit_callbacks):
    """Locales en/fr/de and the home page in each, as `seed_demo` builds them.

    wagtail-localize publishes translations on commit, so the callbacks run here.
    """
    from core.seeding import seed_site

    with django_capture_on_commit_callbacks(execute=True):
        return seed_site()


@pytest.fixture
def buyer(db):
    return UserFactory()


@pytest.fixture
def other_buyer(db):
    return UserFactory()


@pytest.fixture
def staff_with_totp(db):
    return StaffUserFactory(with_totp=True)
