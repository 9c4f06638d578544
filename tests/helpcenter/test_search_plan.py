"""PostgreSQL: the untranslated-article part of a search runs without nested-loop
joins (helpcenter.search_backend.full_text_plan), and the setting does not leak
into the rest of the request's transaction."""

import pytest
from django.db import connection

from helpcenter.search import run_search
from helpcenter.search_backend import full_text_plan

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting"),
]


def nested_loops():
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_nestloop")
        return cursor.fetchone()[0]


def test_the_plan_is_set_inside_the_block_and_put_back_after():
    assert nested_loops() == "on"
    with full_text_plan():
        assert nested_loops() == "off"
    assert nested_loops() == "on"


def test_a_failing_search_inside_the_block_puts_it_back_too():
    with pytest.raises(ZeroDivisionError), full_text_plan():
        1 / 0  # noqa: B018
    assert nested_loops() == "on"


def test_a_search_with_a_fallback_part_leaves_the_setting_alone(help_center):
    outcome = run_search("retour remboursement", "fr")

    assert outcome.total > 0
    assert nested_loops() == "on"
