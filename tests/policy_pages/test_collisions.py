"""Issue 11 point 3: versions never collide, and every reader follows one timeline.

The demo policy has v1 (past), v2 (in force) and v3 (scheduled, 45 days).
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from wagtail.models import PageLogEntry

from policy_pages.integrity import verify
from policy_pages.services import record_version, version_in_force
from policy_pages.timeline import policy_in_force, policy_timeline
from policy_pages.versions import PolicyVersion, PolicyVersionMarket
from tests.policy_pages.test_editing import edit_form_data, post_edit
from tests.policy_pages.test_four_eyes import approve, submit

pytestmark = pytest.mark.django_db

PAGE = "/{lang}policies/return-policy/"
PREFIX = {"en": "", "fr": "fr/", "de": "de/"}


def version(policy, number):
    return PolicyVersion.objects.get(policy=policy, number=number)


def publish_through_review(client, policy, roles, **changes):
    submit(client, policy, roles["editor"], **changes)
    response = approve(client, policy, roles["legal"])
    assert response.status_code in (200, 302)
    return PolicyVersion.objects.filter(policy=policy).order_by("-number").first()


def local_input(instant):
    """What the editor's date widget posts: the instant in the site's zone, to the minute."""
    return timezone.localtime(instant).strftime("%Y-%m-%d %H:%M")


# --- the database ----------------------------------------------------------------


def test_the_database_refuses_two_live_versions_of_a_scope_on_one_instant(policies):
    v1, v2 = version(policies, 1), version(policies, 2)
    scope = {"market": "ZZ", "kind": v2.kind, "seller_ref": "", "effective_from": timezone.now()}
    PolicyVersionMarket.objects.create(version=v2, **scope)

    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyVersionMarket.objects.create(version=v1, **scope)


def test_the_index_rows_accept_the_supersession_mark_and_no_other_change(policies):
    v3, v2 = version(policies, 3), version(policies, 2)
    table = PolicyVersionMarket._meta.db_table
    row = v3.markets.first()
    for statement, params in [
        (f"UPDATE {table} SET effective_from = %s WHERE id = %s", [timezone.now(), row.pk]),
        (f"UPDATE {table} SET market = 'ZZ' WHERE id = %s", [row.pk]),
    ]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)

    marked = PolicyVersionMarket.objects.filter(version=v3).mark_superseded(v2, timezone.now())
    assert marked == v3.markets.count()
    # Marked once and for good: neither undone nor moved to another version.
    for value in ["NULL", str(version(policies, 1).pk)]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET superseded_by_id = {value} WHERE id = %s", [row.pk])
    assert PolicyVersionMarket.objects.filter(version=v3).mark_superseded(v2, timezone.now()) == 0


def test_a_supersession_mark_not_made_by_a_later_version_breaks_the_chain(policies):
    v2, v3 = version(policies, 2), version(policies, 3)
    assert verify(policies).intact
    # v3 "superseded" by the earlier v2: not what publishing ever does.
    PolicyVersionMarket.objects.filter(version=v3).mark_superseded(v2, timezone.now())

    problems = verify(policies).problems
    assert [(p.number, p.code) for p in problems] == [(3, "index")]
    assert "marked superseded" in problems[0].message


# --- the editor --------------------------------------------------------------------


def test_the_editor_is_not_prefilled_with_the_scheduled_versions_instant(client, policies, roles):
    client.force_login(roles["editor"])
    data = edit_form_data(client, policies)

    assert data.get("effective_from", "") == ""
    assert data.get("schedule_choice", "") == ""
    html = client.get(f"/admin/pages/{policies.pk}/edit/").content.decode()
    assert "Version 3 is scheduled (it takes effect on" in html
    assert 'name="schedule_choice"' in html


def test_without_a_scheduled_version_the_editor_asks_no_schedule_choice(
    client, policies, roles, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publish_through_review(client, policies, roles, window_days="41")  # replaces v3
    client.force_login(roles["editor"])

    html = client.get(f"/admin/pages/{policies.pk}/edit/").content.decode()

    assert 'name="schedule_choice"' not in html
    assert "is scheduled (it takes effect on" not in html


def test_submitting_while_a_version_is_scheduled_requires_a_choice(client, policies, roles):
    client.force_login(roles["editor"])
    data = edit_form_data(client, policies)
    data["window_days"] = "50"
    data["effective_from"] = ""
    data["change_reason"] = "Fifty days."

    response = post_edit(client, policies, data, "action-submit")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Version 3 is scheduled (it takes effect on" in html
    assert re.search(r"data-field-wrapper[^>]*>[\s\S]*?schedule_choice", html)
    assert not PolicyVersion.objects.filter(policy=policies, number=4).exists()


def test_a_draft_may_wait_for_its_schedule_choice(client, policies, roles):
    client.force_login(roles["editor"])
    data = edit_form_data(client, policies)
    data["window_days"] = "50"
    data["effective_from"] = ""

    response = post_edit(client, policies, data, "action-save")  # Wagtail's "Save draft"

    assert response.status_code == 302
    policies.refresh_from_db()
    assert policies.get_latest_revision_as_object().window_days == 50


@pytest.mark.parametrize(
    "effective",
    [
        pytest.param(lambda v3: "", id="blank"),
        pytest.param(lambda v3: local_input(v3.effective_from), id="v3's instant"),
        pytest.param(lambda v3: local_input(v3.effective_from - timedelta(days=1)), id="before"),
    ],
)
def test_taking_effect_after_the_scheduled_version_needs_a_later_instant(
    client, policies, roles, effective
):
    v3 = version(policies, 3)
    client.force_login(roles["editor"])
    data = edit_form_data(client, policies)
    data["schedule_choice"] = "after"
    data["effective_from"] = effective(v3)
    data["change_reason"] = "After the spring policy."

    response = post_edit(client, policies, data, "action-submit")

    assert response.status_code == 200
    assert "Version 3 takes effect on" in response.content.decode()
    assert "give a later date and time" in response.content.decode()


def test_replacing_cannot_go_back_before_the_version_in_force(client, policies, roles):
    v2 = version(policies, 2)
    client.force_login(roles["editor"])
    data = edit_form_data(client, policies)
    data["schedule_choice"] = "replace"
    data["effective_from"] = local_input(v2.effective_from - timedelta(days=1))
    data["change_reason"] = "Backdated."

    response = post_edit(client, policies, data, "action-submit")

    assert response.status_code == 200
    assert "Version 2 took effect on" in response.content.decode()


# --- replace or follow: what every reader sees ---------------------------------------


def test_replacing_the_schedule_supersedes_it_and_every_reader_follows(
    client, policies, roles, django_capture_on_commit_callbacks
):
    v3 = version(policies, 3)
    with django_capture_on_commit_callbacks(execute=True):
        v4 = publish_through_review(
            client, policies, roles, window_days="50", schedule_choice="replace"
        )

    assert v4.number == 4 and v4.effective_from <= timezone.now()
    assert set(v3.markets.values_list("superseded_by", flat=True)) == {v4.pk}
    assert verify(policies).intact
    timeline = policy_timeline(policies)
    assert timeline.in_force == v4 and timeline.upcoming is None
    # Even on the instant it was scheduled for, v3 governs nothing.
    later = v3.effective_from + timedelta(days=1)
    assert version_in_force(policies, later) == v4
    assert policy_in_force("FR", at=later) == v4
    answer = client.get("/api/v1/policies/in-force", {"market": "FR", "at": later.isoformat()})
    assert answer.json()["version"] == 4

    page = client.get(PAGE.format(lang="")).content.decode()
    assert 'data-version="4"' in page
    assert "This policy changes on" not in page and "compare/2/3" not in page
    rows = client.get(PAGE.format(lang="") + "versions/").content.decode()
    assert 'data-version="3" data-status="superseded"' in rows
    assert 'data-version="4" data-status="in_force"' in rows
    assert "compare/2/4/" in rows and "compare/3/4/" not in rows
    permalink = client.get(PAGE.format(lang="") + "v/3/").content.decode()
    assert "it never came into force" in permalink
    entry = PageLogEntry.objects.get(page=policies, action="policy_pages.supersede_version")
    assert entry.data == {"superseded": 3, "by": 4}


def test_replacing_on_the_scheduled_instant_itself_is_no_collision(
    policies, django_capture_on_commit_callbacks
):
    v3 = version(policies, 3)
    policies.window_days, policies.schedule_choice = 50, "replace"
    policies.effective_from = v3.effective_from
    with django_capture_on_commit_callbacks(execute=True):
        v4 = record_version(policies, policies.save_revision())

    assert v4.effective_from == v3.effective_from
    assert policy_in_force("FR", at=v3.effective_from + timedelta(hours=1)) == v4
    assert verify(policies).intact


def test_taking_effect_after_keeps_the_schedule_and_follows_it(
    client, policies, roles, django_capture_on_commit_callbacks
):
    v3 = version(policies, 3)
    start = v3.effective_from + timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        v4 = publish_through_review(
            client,
            policies,
            roles,
            window_days="50",
            schedule_choice="after",
            effective_from=local_input(start),
        )

    assert not v3.markets.filter(superseded_by__isnull=False).exists()
    assert v4.effective_from == start.replace(second=0, microsecond=0)
    page = client.get(PAGE.format(lang="")).content.decode()
    assert "compare/2/3/" in page  # the next change is still v3's
    rows = client.get(PAGE.format(lang="") + "versions/").content.decode()
    assert 'data-version="3" data-status="scheduled"' in rows
    assert 'data-version="4" data-status="scheduled"' in rows
    assert "compare/3/4/" in rows


# --- one timeline, walked in three languages --------------------------------------


def readers_at(client, lang):
    """What the index, the page and its banner, the versions page and the API
    say is in force now, and what the banner announces next."""
    prefix = PREFIX[lang]
    index = client.get(f"/{prefix}policies/").content.decode()
    page = client.get(f"/{prefix}policies/return-policy/").content.decode()
    rows = client.get(f"/{prefix}policies/return-policy/versions/").content.decode()
    api = client.get("/api/v1/policies/in-force", {"market": "FR", "lang": lang}).json()
    card = re.search(r'href="[^"]*return-policy/"[\s\S]*?data-version="(\d+)"', index)
    banner = re.search(r"compare/(\d+)/(\d+)/\"[^>]*>", page.split('class="clauses"')[0])
    return {
        "index": int(card.group(1)) if card else None,
        "page": int(re.search(r'class="version-meta" data-version="(\d+)"', page).group(1)),
        "versions page": [
            int(n) for n in re.findall(r'data-version="(\d+)" data-status="in_force"', rows)
        ],
        "api": api.get("version"),
        "banner": (int(banner.group(1)), int(banner.group(2))) if banner else None,
    }


@pytest.mark.parametrize("lang", ["en", "fr", "de"])
def test_every_reader_agrees_around_each_boundary(
    client, policies, roles, lang, django_capture_on_commit_callbacks
):
    v2, v3 = version(policies, 2), version(policies, 3)
    with django_capture_on_commit_callbacks(execute=True):
        v4 = publish_through_review(
            client,
            policies,
            roles,
            window_days="50",
            schedule_choice="after",
            effective_from=local_input(v3.effective_from + timedelta(days=10)),
        )
    versions = [version(policies, 1), v2, v3, v4]
    for boundary in (v2.effective_from, v3.effective_from, v4.effective_from):
        for offset in (-1, 0, 1):
            instant = boundary + timedelta(seconds=offset)
            expected = [v for v in versions if v.effective_from <= instant][-1]
            following = next((v for v in versions if v.effective_from > instant), None)
            with time_machine.travel(instant, tick=False):
                assert policy_timeline(policies).in_force == expected
                seen = readers_at(client, lang)
            assert seen == {
                "index": expected.number,
                "page": expected.number,
                "versions page": [expected.number],
                "api": expected.number,
                "banner": (expected.number, following.number) if following else None,
            }, (lang, instant, seen)


def test_the_index_shows_the_summary_of_the_version_in_force_not_the_scheduled_one(
    client, policies
):
    # The page's live fields are v3's (scheduled); the index lists v2, in force.
    assert "drop-off" in policies.summary
    html = client.get("/policies/").content.decode()

    assert 'data-version="2"' in html
    assert "free returns of defective items" in html
    assert "free drop-off returns" not in html


def test_verifying_superseded_versions_reads_a_constant_number_of_queries(
    policies, django_assert_max_num_queries
):
    v3 = version(policies, 3)
    # Four versions in a row replace the scheduled one before it.
    policies.schedule_choice, policies.effective_from = "replace", v3.effective_from
    for _ in range(4):
        record_version(policies, policies.save_revision())
    assert PolicyVersionMarket.objects.filter(superseded_by__isnull=False).count() >= 4

    # Versions, their texts, their index rows, the chain heads.
    with django_assert_max_num_queries(4):
        assert verify(policies).intact
