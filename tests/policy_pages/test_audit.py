"""The compliance audit report in the Wagtail admin: listing, filters,
exports, access rule and query budget."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from policy_pages import audit
from policy_pages.services import record_version
from policy_pages.versions import PolicyVersion
from tests.factories import StaffUserFactory
from tests.policy_pages import test_integrity
from tests.policy_pages.test_integrity import tamper_version

pytestmark = pytest.mark.django_db

# The seeded demo policies, shared with the integrity tests.
demo_policies = test_integrity.demo_policies

REPORT = "/admin/reports/policy-versions/"


def view_permission():
    return Permission.objects.get(
        content_type__app_label="policy_pages", codename="view_policyversion"
    )


@pytest.fixture
def auditor(db):
    """A superuser enrolled in TOTP: the admin redirects staff without it."""
    return StaffUserFactory(with_totp=True, is_superuser=True)


@pytest.fixture
def auditor_client(client, auditor, demo_policies):
    client.force_login(auditor)
    return client


def report_rows(client, **params):
    response = client.get(REPORT, params)
    assert response.status_code == 200
    return response, response.context["object_list"]


def by_version(rows):
    return {(row.policy_slug, row.number): row for row in rows}


def download(client, export, **params):
    response = client.get(REPORT, {**params, "export": export})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response, content.decode("utf-8")


# --- the listing ---------------------------------------------------------------------------


def test_the_report_lists_every_version_with_its_locales(auditor_client):
    assert reverse(audit.INDEX_URL_NAME) == REPORT
    response, rows = report_rows(auditor_client)

    rows = by_version(rows)
    assert set(rows) == {
        ("return-policy", 1),
        ("return-policy", 2),
        ("return-policy", 3),
        ("atelier-lumiere-returns", 1),
    }
    assert rows["return-policy", 1].locales_present == ["en", "fr", "de"]
    assert rows["return-policy", 2].locales_present == ["en", "fr"]
    assert rows["return-policy", 2].locales_missing == ["de"]
    assert rows["return-policy", 3].locales_missing == []
    html = response.content.decode()
    assert '<span data-audit="missing">de</span>' in html
    assert html.count('<td data-audit="locales">') == 4


def test_the_report_shows_effective_range_status_publisher_approver_and_hash(auditor_client):
    response, rows = report_rows(auditor_client)

    rows = by_version(rows)
    v1, v2, v3 = (rows["return-policy", n] for n in (1, 2, 3))
    assert v1.effective_to == v2.effective_from
    assert v2.effective_to == v3.effective_from
    assert v3.effective_to is None
    assert [v1.status, v2.status, v3.status] == ["previous", "in_force", "scheduled"]
    assert v2.publisher == "Louis Legal <legal@example.com>"
    assert v2.approver == "Louis Legal <legal@example.com>"
    assert v2.approved_at is not None
    assert v2.chain.ok
    html = response.content.decode()
    assert "Louis Legal" in html
    # The hash is shortened, with the whole of it on hover.
    assert f'title="{v2.hash}"' in html
    assert f"{v2.hash[:12]}…" in html
    assert "/policies/return-policy/v/2/" in html


def test_orders_governed_are_counted_per_version(auditor_client):
    # Counting with real orders is covered in tests/policy_pages/test_pins.py; here none exist.
    response, rows = report_rows(auditor_client)

    assert {row.orders for row in rows} == {0}
    assert '<td data-audit="orders">0</td>' in response.content.decode()


def test_a_version_altered_in_sql_shows_as_broken_and_so_do_the_ones_after_it(
    auditor_client, demo_policies
):
    tamper_version(
        demo_policies,
        2,
        "rules_json = REPLACE(rules_json, %s, %s)",
        ['"window_days":', '"window_days":9'],
    )

    response, rows = report_rows(auditor_client)

    rows = by_version(rows)
    states = [rows["return-policy", n].chain_status for n in (1, 2, 3)]
    assert states == ["ok", "broken", "broken"]
    assert rows["atelier-lumiere-returns", 1].chain_status == "ok"
    assert "Broken" in response.content.decode()


def test_a_version_whose_rules_were_replaced_by_garbage_is_still_listed_as_broken(
    auditor_client, demo_policies
):
    tamper_version(demo_policies, 1, "rules_json = %s", ["not json"])

    _response, rows = report_rows(auditor_client)

    v1 = by_version(rows)["return-policy", 1]
    assert v1.chain_status == "broken"
    assert v1.markets == []


# --- filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "scheduled"}, {("return-policy", 3)}),
        ({"status": "in_force"}, {("return-policy", 2), ("atelier-lumiere-returns", 1)}),
        ({"status": "previous"}, {("return-policy", 1)}),
        ({"seller": "atelier-lumiere"}, {("atelier-lumiere-returns", 1)}),
        ({"seller": "-"}, {("return-policy", 1), ("return-policy", 2), ("return-policy", 3)}),
        ({"market": "DE"}, {("return-policy", 1), ("return-policy", 2), ("return-policy", 3)}),
        ({"market": "PL"}, set()),
        ({"kind": "refund"}, set()),
    ],
)
def test_filters_narrow_the_list(auditor_client, params, expected):
    _response, rows = report_rows(auditor_client, **params)

    assert set(by_version(rows)) == expected


def test_the_policy_filter_keeps_one_policy(auditor_client, demo_policies):
    _response, rows = report_rows(auditor_client, policy=demo_policies.pk)

    assert [(row.policy_slug, row.number) for row in rows] == [
        ("return-policy", n) for n in (1, 2, 3)
    ]


def test_the_date_filter_keeps_the_versions_in_force_during_those_days(
    auditor_client, demo_policies
):
    v1 = PolicyVersion.objects.get(policy=demo_policies, number=1)
    # A day when only v1 of the marketplace policy governed (the seller
    # policy started later).
    day = timezone.localtime(v1.effective_from + timedelta(days=2)).date().isoformat()

    _response, rows = report_rows(auditor_client, effective_from=day, effective_to=day)

    assert set(by_version(rows)) == {("return-policy", 1)}


# --- exports ---------------------------------------------------------------------------------


def test_csv_export_has_one_row_per_version_with_locales_and_hashes(auditor_client):
    response, text = download(auditor_client, "csv")

    assert response["Content-Type"] == "text/csv"
    lines = list(csv.reader(io.StringIO(text)))
    header, data = lines[0], lines[1:]
    assert header[:3] == ["Policy", "Slug", "Version"]
    assert "Locales missing" in header and "Hash" in header and "Approved by" in header
    rows = {(line[1], line[2]): dict(zip(header, line, strict=True)) for line in data}
    assert len(rows) == 4
    v2 = rows["return-policy", "2"]
    assert v2["Locales present"] == "en, fr"
    assert v2["Locales missing"] == "de"
    assert v2["Published by"] == "Louis Legal <legal@example.com>"
    assert v2["Hash"] == PolicyVersion.objects.get(policy__slug="return-policy", number=2).hash
    assert v2["Chain"] == "ok"


def test_csv_export_keeps_the_filters(auditor_client):
    _response, text = download(auditor_client, "csv", status="scheduled")

    assert len(list(csv.reader(io.StringIO(text)))) == 1 + 1


def test_json_export_parses_and_contains_every_hash(auditor_client):
    response, text = download(auditor_client, "json")

    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    payload = json.loads(text)
    versions = payload["versions"]
    assert {v["hash"] for v in versions} == set(
        PolicyVersion.objects.values_list("hash", flat=True)
    )
    v2 = next(v for v in versions if v["policy_slug"] == "return-policy" and v["number"] == 2)
    assert v2["locales_missing"] == ["de"]
    assert v2["chain_status"] == "ok"
    assert v2["orders"] == 0
    assert v2["effective_from"].endswith("+00:00")  # ISO 8601, UTC
    assert v2["previous_hash"] == next(
        v["hash"] for v in versions if v["policy_slug"] == "return-policy" and v["number"] == 1
    )


def test_json_export_keeps_the_filters(auditor_client):
    _response, text = download(auditor_client, "json", seller="atelier-lumiere")

    assert [v["policy_slug"] for v in json.loads(text)["versions"]] == ["atelier-lumiere-returns"]


def test_xlsx_export_and_the_json_button_are_offered(auditor_client):
    response, _rows = report_rows(auditor_client)
    assert "export=json" in response.content.decode()
    assert "Download JSON" in response.content.decode()

    xlsx = auditor_client.get(REPORT, {"export": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


# --- access -------------------------------------------------------------------------------


def test_anonymous_visitors_and_buyers_are_sent_to_log_in(client, buyer, demo_policies):
    assert client.get(REPORT).status_code == 302

    client.force_login(buyer)
    response = client.get(REPORT)

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_staff_without_the_view_permission_are_turned_away(client, demo_policies):
    # Admin access alone (e.g. returns staff) is not enough.
    editor = StaffUserFactory(with_totp=True)
    editor.groups.add(Group.objects.get_or_create(name="Returns staff")[0])
    client.force_login(editor)

    response = client.get(REPORT)
    export = client.get(REPORT, {"export": "json"})

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert export.status_code == 302
    assert not audit.can_view_audit(editor)


def test_legal_approvers_open_the_report_and_see_the_menu_item(client, demo_policies):
    approvers = Group.objects.get(name="Legal approvers")
    assert approvers.permissions.filter(pk=view_permission().pk).exists()
    approver = StaffUserFactory(with_totp=True)
    approver.groups.add(approvers)
    client.force_login(approver)

    assert client.get(REPORT).status_code == 200
    request = RequestFactory().get("/admin/")
    request.user = approver
    assert audit.audit_menu_item().is_shown(request)
    assert list(audit.audit_permissions()) == [view_permission()]


def test_the_menu_item_is_hidden_from_staff_without_the_permission(db):
    request = RequestFactory().get("/admin/")
    request.user = StaffUserFactory(with_totp=True)

    assert not audit.audit_menu_item().is_shown(request)


# --- query budget ---------------------------------------------------------------------------

# 16 today: session, user, TOTP, admin profile; count, versions, texts; the
# chain check (versions, texts, markets); site root paths, locales; filter
# choices (policies, sellers). Some slack for the admin's own furniture.
QUERY_BUDGET = 20


def add_versions(policy, count):
    # The demo's scheduled v3 gives way to the first; each takes effect when recorded.
    policy.schedule_choice, policy.effective_from = "replace", None
    for _ in range(count):
        record_version(policy, policy.latest_revision)


def test_the_report_reads_a_constant_number_of_queries(
    auditor_client, demo_policies, django_assert_max_num_queries
):
    auditor_client.get(REPORT)  # warm the caches (site root paths, admin menu)
    with django_assert_max_num_queries(QUERY_BUDGET) as few:
        auditor_client.get(REPORT)
    add_versions(demo_policies, 8)

    with django_assert_max_num_queries(QUERY_BUDGET) as many:
        response = auditor_client.get(REPORT)

    assert len(response.context["object_list"]) == 12
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_exports_read_a_constant_number_of_queries(
    auditor_client, demo_policies, django_assert_max_num_queries
):
    add_versions(demo_policies, 8)

    for export in ("csv", "json"):
        with django_assert_max_num_queries(QUERY_BUDGET):
            _response, text = download(auditor_client, export)
        assert text.count("return-policy") >= 11
