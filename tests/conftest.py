import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from tests.factories import StaffUserFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits and cached fragments must not leak from one test to the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_to_begin_with():
    # A request to /fr/ or /de/ activates that language in the test's thread; the
    # next test must not inherit it (its assertions are written in English).
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


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
