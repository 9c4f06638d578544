"""The demo policies and reasons seeded once per test module instead of once per test.

Seeding the site and the policies takes seconds; most return tests only read them.
`seeded_module` seeds inside a transaction held open for the whole module (the way
Django's `TestCase.setUpTestData` does); each test's own transaction nests inside it
as a savepoint and is rolled back as usual, and the module's transaction is rolled
back at its end, so nothing leaks to other modules.

Use it by overriding `policies` in a test module:

    from tests.return_portal.seeded import seeded_module, module_policies as policies

Transactional tests (threads on PostgreSQL) must not use it: they need committed rows.
They keep the ordinary per-test `policies` fixture (request it as `committed_policies`).
"""

import pytest
from django.db import transaction
from django.test import TestCase


@pytest.fixture(scope="module")
def seeded_module(django_db_setup, django_db_blocker):
    from core.seeding import seed_site
    from policy_pages.models import PolicyPage
    from policy_pages.seeding import seed_policies
    from return_portal.seeding import seed_reasons

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            # wagtail-localize publishes translations on commit: run those callbacks now.
            with TestCase.captureOnCommitCallbacks(execute=True):
                home = seed_site()
            with TestCase.captureOnCommitCallbacks(execute=True):
                seed_policies(home)
            seed_reasons()
            yield PolicyPage.objects.get(slug="return-policy", locale__language_code="en")
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def module_policies(request, seeded_module):
    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        raise pytest.UsageError("A transactional test cannot use the module's seeded rows.")
    request.getfixturevalue("db")
    return seeded_module
