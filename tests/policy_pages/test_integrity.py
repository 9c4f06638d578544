"""The hash chain verification (policy_pages.integrity) and the
`verify_policy_versions` command, on the demo policies, before and after rows
are altered directly in SQL behind the model's and the triggers' back."""

import io
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from policy_pages.integrity import (
    ChainState,
    ProblemCode,
    chain_statuses,
    check_policy_chain,
    verify,
    verify_chain,
    versions_to_verify,
)
from policy_pages.models import PolicyPage
from policy_pages.versions import PolicyVersion, PolicyVersionText
from tests.factories import demo_legal_approver

pytestmark = pytest.mark.django_db

VERSION_TABLE = "policy_pages_policyversion"
TEXT_TABLE = "policy_pages_policyversiontext"
MARKET_TABLE = "policy_pages_policyversionmarket"


@pytest.fixture
def demo_policies(site_tree, django_capture_on_commit_callbacks):
    """The demo policies, published by the demo legal approver (so versions
    have a publisher and an approver): the marketplace return policy with
    three versions (v2 without German text) and one seller policy."""
    from policy_pages.seeding import seed_policies

    # The seed publishes as legal@example.com when that account exists; its
    # group gets the publish permission from the seed itself. (The test database
    # already holds them, tests/conftest.py; this seeds after a flush.)
    demo_legal_approver()
    with django_capture_on_commit_callbacks(execute=True):
        seed_policies(site_tree)
    return PolicyPage.objects.get(slug="return-policy", locale__language_code="en")


@contextmanager
def trigger_lifted(table):
    """Let raw SQL change an immutable table, then put the guard back.

    PostgreSQL can disable the trigger; SQLite cannot, so it is dropped and
    created again with the SQL of migration 0002."""
    trigger = f"{table}_immutable"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test's transaction still holds deferred foreign-key checks
            # from the seed; ALTER TABLE refuses to run while they are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
            try:
                yield cursor
            finally:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute(f"DROP TRIGGER {trigger}")
            try:
                yield cursor
            finally:
                cursor.execute(
                    f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'policy versions are immutable'); END"
                )


def tamper(table, assignment, where, params):
    """UPDATE one row in SQL, as an attacker with database access would."""
    with trigger_lifted(table) as cursor:
        cursor.execute(f"UPDATE {table} SET {assignment} WHERE {where}", params)
        assert cursor.rowcount == 1


def tamper_version(policy, number, assignment, params=()):
    version = PolicyVersion.objects.get(policy=policy, number=number)
    tamper(VERSION_TABLE, assignment, "id = %s", [*params, version.pk])


def tamper_text(policy, number, language_code, assignment, params=()):
    text = PolicyVersionText.objects.get(
        version__policy=policy, version__number=number, locale__language_code=language_code
    )
    tamper(TEXT_TABLE, assignment, "id = %s", [*params, text.pk])


def run_command(*args):
    out = io.StringIO()
    err = io.StringIO()
    call_command("verify_policy_versions", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def statuses_by_number(policy):
    statuses = chain_statuses([policy.pk])
    return {
        version.number: statuses[version.pk]
        for version in PolicyVersion.objects.filter(policy=policy)
    }


# --- the intact demo chain -------------------------------------------------------------


def test_the_demo_chain_verifies(demo_policies):
    result = verify()

    assert result.intact
    assert verify_chain() == []
    assert (result.policies, result.versions) == (2, 4)
    assert {status.state for status in result.statuses.values()} == {ChainState.OK}


def test_the_command_passes_on_the_demo_data(demo_policies):
    out, err = run_command()

    assert "4 versions of 2 policies verified, chain intact" in out
    assert err == ""


def test_the_command_can_verify_one_policy_by_slug_or_id(demo_policies):
    out, _err = run_command("--policy", "return-policy")
    assert "3 versions of 1 policy verified, chain intact" in out

    out, _err = run_command("--policy", str(demo_policies.pk))
    assert "3 versions of 1 policy verified" in out

    with pytest.raises(CommandError, match="No policy with versions matches nope"):
        run_command("--policy", "nope")


def test_verification_reads_a_constant_number_of_queries(demo_policies, django_assert_num_queries):
    # Versions (with their policy), texts (with their locale), market rows,
    # and the chain head records (with their policy).
    with django_assert_num_queries(4):
        verify()


# --- rows altered in SQL -------------------------------------------------------------------


def test_a_version_row_altered_in_sql_fails_the_command_naming_the_first_broken_version(
    demo_policies,
):
    tamper_version(
        demo_policies,
        2,
        "rules_json = REPLACE(rules_json, %s, %s)",
        ['"window_days":', '"window_days":1'],
    )

    problems = verify_chain()
    assert problems[0].policy_slug == "return-policy"
    assert problems[0].number == 2
    assert problems[0].code == ProblemCode.VERSION_HASH
    with pytest.raises(CommandError) as failure:
        run_command()
    message = str(failure.value)
    assert "Return policy (return-policy) version 2" in message
    assert "does not match its hash" in message
    # manage.py exits with this status on CommandError.
    assert failure.value.returncode == 1


def test_a_broken_version_breaks_the_chain_for_the_versions_after_it(demo_policies):
    tamper_version(demo_policies, 2, "effective_from = %s", ["2020-01-01 00:00:00+00:00"])

    statuses = statuses_by_number(demo_policies)

    assert statuses[1].state == ChainState.OK
    assert statuses[2].state == ChainState.BROKEN
    assert statuses[3].state == ChainState.BROKEN
    assert "follows broken version 2" in statuses[3].reasons[0]


def test_a_rewritten_previous_hash_is_detected(demo_policies):
    tamper_version(demo_policies, 3, "previous_hash = %s", ["f" * 64])

    codes = {problem.code for problem in verify_chain(demo_policies) if problem.number == 3}

    assert ProblemCode.PREVIOUS_HASH in codes
    assert ProblemCode.VERSION_HASH in codes  # the hash covers the previous hash


def test_a_tampered_translation_text_is_detected(demo_policies):
    tamper_text(demo_policies, 1, "fr", "title = %s", ["Politique modifiée"])

    problems = verify_chain()

    assert [(p.number, p.code) for p in problems] == [(1, ProblemCode.TEXT_HASH)]
    assert "fr text" in problems[0].message
    # A translation is outside the chain: later versions still trace back.
    statuses = statuses_by_number(demo_policies)
    assert [statuses[n].state for n in (1, 2, 3)] == ["broken", "ok", "ok"]
    with pytest.raises(CommandError, match="version 1: its fr text"):
        run_command()


def test_a_tampered_source_text_breaks_its_version_hash(demo_policies):
    tamper_text(demo_policies, 2, "en", "clauses = %s", ["[]"])

    codes = [problem.code for problem in verify_chain()]

    assert codes == [ProblemCode.VERSION_HASH, ProblemCode.TEXT_HASH]


def test_a_changed_market_index_row_is_detected(demo_policies):
    # The in-force lookup reads these rows: moving one to another market
    # would make the version govern orders it does not cover.
    version = PolicyVersion.objects.get(policy=demo_policies, number=1)
    tamper(MARKET_TABLE, "market = %s", "version_id = %s AND market = %s", ["PL", version.pk, "FR"])

    problems = verify_chain()

    assert [(p.number, p.code) for p in problems] == [(1, ProblemCode.INDEX)]


def test_a_missing_version_is_reported_as_a_gap(demo_policies):
    # Deleting a row in SQL also needs the foreign keys of its texts gone;
    # the check itself works on the loaded chain, so leave v2 out of it.
    v1, _v2, v3 = versions_to_verify([demo_policies.pk])

    problems, statuses = check_policy_chain([v1, v3])

    assert [(p.number, p.code) for p in problems] == [
        (3, ProblemCode.NUMBERING),
        (3, ProblemCode.PREVIOUS_HASH),
    ]
    assert "version 2 is missing" in problems[0].message
    assert statuses[v3.pk].state == ChainState.BROKEN


def test_the_problems_are_ordered_by_policy_then_version(demo_policies):
    seller_policy = PolicyPage.objects.get(seller_ref="atelier-lumiere", locale__language_code="en")
    tamper_version(demo_policies, 3, "kind = %s", ["refund"])
    tamper_version(seller_policy, 1, "kind = %s", ["refund"])
    tamper_version(demo_policies, 2, "kind = %s", ["refund"])

    problems = [
        (p.policy_id, p.number) for p in verify_chain() if p.code == ProblemCode.VERSION_HASH
    ]

    expected = sorted([(demo_policies.pk, 2), (demo_policies.pk, 3), (seller_policy.pk, 1)])
    assert problems == expected
    assert verify(seller_policy).first_problem.number == 1


def test_a_seller_reference_changed_outside_the_rules_is_detected(demo_policies):
    tamper_version(demo_policies, 1, "seller_ref = %s", ["someone"])

    messages = [p.message for p in verify_chain() if p.code == ProblemCode.INDEX]

    assert "its seller reference does not match its rules" in messages


def test_the_tamper_helper_puts_the_immutability_trigger_back(demo_policies):
    tamper_version(demo_policies, 1, "kind = %s", ["refund"])

    version = PolicyVersion.objects.get(policy=demo_policies, number=1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {VERSION_TABLE} SET seller_ref = '' WHERE id = %s", [version.pk])
