import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from tests.factories import StaffUserFactory, UserFactory, demo_legal_approver


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


@pytest.fixture(autouse=True)
def _staff_sessions_pass_totp(monkeypatch):
    # force_login stands for the real sign-in, TOTP step included (tests/accounts/sessions.py).
    from django.test import Client

    from tests.accounts.sessions import force_login_with_mfa

    monkeypatch.setattr(Client, "force_login", force_login_with_mfa)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the site, the demo policies, the reason taxonomy and the demo help center
    once per test database.

    Building them takes seconds (pages, revisions, wagtail-localize translations), and
    most tests only read them. They are committed here, before any test's transaction,
    so every test starts from them and rolls back to them. A transactional test flushes
    the database afterwards; the `site_tree`, `policies`, `reasons` and `help_center`
    fixtures seed again when what they return is missing, so later tests still find it.
    """
    from core.seeding import seed_site
    from helpcenter.seeding import seed_help_center
    from policy_pages.seeding import seed_policies
    from return_portal.seeding import seed_reasons

    with django_db_blocker.unblock():
        demo_legal_approver()  # so versions have a publisher and an approver
        home = seed_site()
        seed_policies(home)  # autocommit: wagtail-localize's on-commit work runs
        seed_reasons()
        seed_help_center(home)


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
