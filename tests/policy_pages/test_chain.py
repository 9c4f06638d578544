"""The chain that notices deletion and tampering: the chain head record, the
scheduled verification (its record, its email, the dashboard and the audit),
and the hash check on read of the API and the public pages. Rows are deleted
or altered in SQL with the immutability triggers lifted, as an attacker with
database access would."""

from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction

from core.models import OutboxMessage
from policy_pages.chain import ALERT_KIND, ChainVerification, alert_recipients
from policy_pages.integrity import ProblemCode, verify
from policy_pages.tasks import verify_chain
from policy_pages.versions import PolicyChainHead, PolicyVersion, PolicyVersionText
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

VERSION_TABLE = "policy_pages_policyversion"
TEXT_TABLE = "policy_pages_policyversiontext"
MARKET_TABLE = "policy_pages_policyversionmarket"
HEAD_TABLE = "policy_pages_policychainhead"
GUARDED = [VERSION_TABLE, TEXT_TABLE, MARKET_TABLE, HEAD_TABLE]


@pytest.fixture(autouse=True)
def _cold_cache():
    # Verdicts of the check on read are cached; each test starts without any.
    cache.clear()
    yield
    cache.clear()


@contextmanager
def triggers_lifted(*tables):
    """Let raw SQL delete or update rows of immutable tables, then put every
    guard back (PostgreSQL: disabled and enabled; SQLite: dropped and created
    again from their own stored SQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            try:
                yield cursor
            finally:
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            placeholders = ", ".join(["%s"] * len(tables))
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                f"AND tbl_name IN ({placeholders})",
                list(tables),
            )
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            try:
                yield cursor
            finally:
                for _name, sql in triggers:
                    cursor.execute(sql)


def newest(policy) -> PolicyVersion:
    return PolicyVersion.objects.filter(policy=policy).order_by("-number").first()


def delete_version(version):
    with triggers_lifted(VERSION_TABLE, TEXT_TABLE, MARKET_TABLE) as cursor:
        cursor.execute(f"DELETE FROM {MARKET_TABLE} WHERE version_id = %s", [version.pk])
        cursor.execute(f"DELETE FROM {TEXT_TABLE} WHERE version_id = %s", [version.pk])
        # The working copies of its translations (not immutable): the rows that point to it.
        cursor.execute(
            "DELETE FROM policy_pages_policyversiontranslation WHERE version_id = %s",
            [version.pk],
        )
        cursor.execute(f"DELETE FROM {VERSION_TABLE} WHERE id = %s", [version.pk])


def rewrite_rules(version, rules_json):
    """Change a version's rules and give it the hash that matches them, so that
    the chain itself looks consistent: only the head record can tell."""
    version.rules_json = rules_json
    source = next(t for t in version.texts.all() if t.page_id == version.policy_id)
    new_hash = version.compute_hash(source)
    with triggers_lifted(VERSION_TABLE, TEXT_TABLE) as cursor:
        cursor.execute(
            f"UPDATE {VERSION_TABLE} SET rules_json = %s, hash = %s WHERE id = %s",
            [rules_json, new_hash, version.pk],
        )
        # The texts are chained to the version's hash: rewritten to match too.
        for text in version.texts.select_related("locale"):
            text.version.hash = new_hash
            cursor.execute(
                f"UPDATE {TEXT_TABLE} SET hash = %s WHERE id = %s", [text.compute_hash(), text.pk]
            )


def forged(rules_json: str) -> str:
    # Still valid JSON, so only the hashes can tell.
    return rules_json.replace("{", '{"forged": true, ', 1)


def tamper_rules_keeping_the_hash(version):
    with triggers_lifted(VERSION_TABLE) as cursor:
        cursor.execute(
            f"UPDATE {VERSION_TABLE} SET rules_json = %s WHERE id = %s",
            [forged(version.rules_json), version.pk],
        )


def run_command():
    out = []

    class Sink:
        def write(self, text):
            out.append(text)

        def flush(self):
            pass

    call_command("verify_policy_versions", stdout=Sink(), stderr=Sink())
    return "".join(out)


# --- the head record ------------------------------------------------------------------


def test_every_version_has_its_head_row_with_its_hash(policies):
    versions = list(PolicyVersion.objects.order_by("policy_id", "number"))
    heads = list(PolicyChainHead.objects.order_by("policy_id", "number"))

    assert [(h.policy_id, h.number, h.hash) for h in heads] == [
        (v.policy_id, v.number, v.hash) for v in versions
    ]
    assert verify().intact


@pytest.mark.parametrize("statement", ["UPDATE {t} SET hash = 'x'", "DELETE FROM {t}"])
def test_the_database_refuses_to_change_the_head_record(policies, statement):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(t=HEAD_TABLE))
    assert PolicyChainHead.objects.count() == PolicyVersion.objects.count()


def test_a_deleted_newest_version_fails_the_verification(policies):
    v3 = newest(policies)
    delete_version(v3)

    result = verify()
    with pytest.raises(CommandError, match="Chain broken"):
        run_command()

    assert [(p.code, p.number) for p in result.problems] == [(ProblemCode.VERSION_MISSING, 3)]
    assert "deleted tail" in result.problems[0].message
    assert result.problems[0].version_id is None


def test_a_deleted_middle_version_is_missing_from_the_record_and_the_numbering(policies):
    v2 = PolicyVersion.objects.get(policy=policies, number=2)
    delete_version(v2)

    codes = {(p.code, p.number) for p in verify().problems}

    assert (ProblemCode.VERSION_MISSING, 2) in codes
    assert (ProblemCode.NUMBERING, 3) in codes


def test_a_rewritten_version_with_a_consistent_hash_is_caught_by_the_record(policies):
    v3 = newest(policies)
    rewrite_rules(v3, forged(v3.rules_json))

    result = verify()

    assert [(p.code, p.number) for p in result.problems] == [(ProblemCode.HEAD_HASH, 3)]
    assert result.statuses[v3.pk].state == "broken"
    with pytest.raises(CommandError):
        run_command()


def test_an_updated_version_fails_the_command(policies):
    tamper_rules_keeping_the_hash(newest(policies))

    with pytest.raises(CommandError):
        run_command()


def test_an_intact_chain_passes_the_command(policies):
    assert "chain intact" in run_command()


# --- the scheduled verification ---------------------------------------------------------


@pytest.fixture
def staff(policies):
    """A superuser, and an auditor in French; a staff member without the audit
    permission is not alerted."""
    from django.contrib.auth.models import Permission
    from wagtail.users.models import UserProfile

    admin = StaffUserFactory(with_totp=True, is_superuser=True)
    auditor = StaffUserFactory(with_totp=True)
    auditor.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="policy_pages", codename="view_policyversion"
        )
    )
    profile = UserProfile.get_for_user(auditor)
    profile.preferred_language = "fr"
    profile.save()
    StaffUserFactory(with_totp=True)
    return admin, auditor


def alerts():
    return OutboxMessage.objects.filter(kind=ALERT_KIND).order_by("recipient")


def test_the_scheduled_task_records_an_intact_run_and_emails_nobody(staff):
    assert verify_chain.apply().get() is True

    run = ChainVerification.objects.get()
    assert run.intact and run.problems == []
    assert run.versions_checked == PolicyVersion.objects.count()
    assert not alerts().exists()


def test_the_schedule_runs_the_task_hourly(settings):
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "policy_pages.tasks.verify_chain"
    )
    assert entry["schedule"] == 3600.0


def test_a_broken_chain_emails_staff_once_in_their_language(staff, policies):
    admin, auditor = staff
    verify_chain.apply()  # intact
    delete_version(newest(policies))

    assert verify_chain.apply().get() is False
    verify_chain.apply()  # still broken, same problems: no second email

    runs = list(ChainVerification.objects.order_by("ran_at", "pk"))
    assert [run.intact for run in runs] == [True, False, False]
    assert runs[-1].problems[0]["code"] == "version_missing"
    recipients = set(alert_recipients().values_list("email", flat=True))
    assert {admin.email, auditor.email} <= recipients  # the seeded legal approver too
    assert not any(email.startswith("staff") for email in recipients - {admin.email, auditor.email})
    assert sorted(m.recipient for m in alerts()) == sorted(recipients)
    french = alerts().get(recipient=auditor.email)
    assert french.language == "fr"
    assert french.subject != alerts().get(recipient=admin.email).subject
    assert "version 3" in alerts().get(recipient=admin.email).body


def test_new_problems_alert_again(staff, policies):
    delete_version(newest(policies))
    verify_chain.apply()
    tamper_rules_keeping_the_hash(PolicyVersion.objects.get(policy=policies, number=1))
    verify_chain.apply()

    assert alerts().count() == 2 * alert_recipients().count()  # two distinct results


def test_the_dashboard_warns_auditors_of_a_broken_chain(client, staff, policies):
    admin, _auditor = staff
    client.force_login(admin)
    verify_chain.apply()
    assert 'data-panel="policy-chain-broken"' not in client.get("/admin/").content.decode()

    delete_version(newest(policies))
    verify_chain.apply()
    html = client.get("/admin/").content.decode()

    assert 'data-panel="policy-chain-broken"' in html
    assert "the hash chain is broken" in html


def test_the_dashboard_shows_no_warning_to_staff_who_may_not_view_the_audit(client, policies):
    delete_version(newest(policies))
    verify_chain.apply()
    client.force_login(StaffUserFactory(with_totp=True))

    assert 'data-panel="policy-chain-broken"' not in client.get("/admin/").content.decode()


def test_the_audit_shows_the_last_run(client, staff, policies):
    client.force_login(staff[0])
    before = client.get("/admin/reports/policy-versions/").content.decode()
    verify_chain.apply()
    intact = client.get("/admin/reports/policy-versions/").content.decode()
    delete_version(newest(policies))
    verify_chain.apply()
    broken = client.get("/admin/reports/policy-versions/").content.decode()

    assert "has not been verified on schedule yet" in before
    assert "chain intact" in intact
    assert "chain broken (1 problem)" in broken


# --- the check on read ----------------------------------------------------------------


def in_force_version(policies):
    from django.utils import timezone

    from policy_pages.services import version_in_force

    return version_in_force(policies, timezone.now())


def test_the_api_refuses_a_tampered_version(client, policies):
    assert client.get("/api/v1/policies/in-force", {"market": "FR"}).status_code == 200
    cache.clear()
    tamper_rules_keeping_the_hash(in_force_version(policies))

    response = client.get("/api/v1/policies/in-force", {"market": "FR"})

    assert response.status_code == 503
    assert response.json()["code"] == "integrity"
    assert response["Cache-Control"] == "no-store"


def test_a_tampered_translation_text_is_refused_too(client, policies):
    version = in_force_version(policies)
    text = PolicyVersionText.objects.filter(version=version).exclude(page_id=policies.pk).first()
    with triggers_lifted(TEXT_TABLE) as cursor:
        cursor.execute(f"UPDATE {TEXT_TABLE} SET title = 'Forged' WHERE id = %s", [text.pk])

    assert client.get("/fr/policies/return-policy/").status_code == 503


def test_the_pages_refuse_a_tampered_version(client, policies):
    tamper_rules_keeping_the_hash(in_force_version(policies))
    number = in_force_version(policies).number

    for url in [
        "/policies/return-policy/",
        "/policies/return-policy/versions/",
        f"/policies/return-policy/v/{number}/",
        f"/policies/return-policy/compare/1/{number}/",
    ]:
        response = client.get(url)
        assert response.status_code == 503, url
        assert "failed its integrity check" in response.content.decode()
    assert (
        "vérification d’intégrité"
        in client.get(f"/fr/policies/return-policy/v/{number}/").content.decode()
    )
    assert client.get("/policies/return-policy/v/1/").status_code == 200


def test_a_run_that_finds_a_version_broken_refuses_it_despite_a_cached_verdict(client, policies):
    version = in_force_version(policies)
    assert client.get(f"/policies/return-policy/v/{version.number}/").status_code == 200
    # Altered under its unchanged hash: the cached "intact" would still be read.
    tamper_rules_keeping_the_hash(version)
    verify_chain.apply()

    assert client.get(f"/policies/return-policy/v/{version.number}/").status_code == 503


# --- the flush of SQLite ----------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL flushes with TRUNCATE")
def test_the_sqlite_flush_lifts_and_restores_the_delete_triggers(policies):
    statements = connection.ops.sql_flush(no_style(), GUARDED)

    with pytest.raises(RuntimeError), transaction.atomic():
        connection.ops.execute_sql_flush(statements)
        assert not PolicyVersion.objects.exists() and not PolicyChainHead.objects.exists()
        raise RuntimeError  # roll the flush back

    assert any(s.startswith("DROP TRIGGER") for s in statements)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {VERSION_TABLE}")
