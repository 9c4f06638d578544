"""The report of help articles citing a policy clause that a later version
changed (issue 11, point 6): on the clauses' text, not their markup; open to
policy editors; exported with translated headings, values and a dated name."""

import csv
import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
from wagtail.users.models import UserProfile

from accounts.demo import seed_users
from helpcenter.models import HelpArticlePage
from helpcenter.seeding import grant_policy_group_permissions
from helpcenter.upkeep import changed_citations
from helpcenter.wording import clause_wording, normalised_text
from policy_pages.services import latest_version
from tests.factories import StaffUserFactory

REPORT = "/admin/reports/help/changed-clauses/"

# --- the wording, without markup ------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # Draftail adds block keys on every save.
        ("<p>Return within 45 days.</p>", '<p data-block-key="x7k2p">Return within 45 days.</p>'),
        # Attribute order and quoting.
        (
            '<p>See <a href="/help/" target="_blank">help</a>.</p>',
            "<p>See <a target='_blank' href='/help/'>help</a>.</p>",
        ),
        # Paragraphs against line breaks.
        ("<p>First line.</p><p>Second line.</p>", "<p>First line.<br>Second line.</p>"),
        ("<p>First line.</p>\n<p>Second line.</p>", "<p>First line.<br/>Second line.</p>"),
        # No-break spaces, entities, several spaces, newlines.
        ("<p>4.90&nbsp;EUR</p>", "<p>4.90 EUR</p>"),
        ("<p>4.90\u00a0EUR</p>", "<p>4.90  EUR\n</p>"),
        ("<p>Prix\u202f: 4,90</p>", "<p>Prix : 4,90</p>"),
        ("<p>&quot;Withdraw&quot; &amp; confirm</p>", '<p>"Withdraw" & confirm</p>'),
        ("<p>d&eacute;lai</p>", "<p>délai</p>"),
        # Unicode: a decomposed "é" is the composed one (NFC).
        ("<p>de\u0301lai</p>", "<p>d\u00e9lai</p>"),
        # Bolding part of a word does not split it; invisible characters vanish.
        ("<p>return</p>", "<p>ret<b>urn</b></p>"),
        ("<p>return</p>", "<p>re\u200bturn\u00ad</p>"),
    ],
)
def test_markup_only_changes_are_not_a_change(before, after):
    assert normalised_text(before) == normalised_text(after)
    assert clause_wording({"heading": "Return window", "html": before}) == clause_wording(
        {"heading": " Return&nbsp;window ", "html": after}
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("<p>Return within 45 days.</p>", '<p data-block-key="x7k2p">Return within 60 days.</p>'),
        ("<p>A fee of 4.90 EUR.</p>", "<p>A fee of 3.90 EUR.</p>"),
        ("<p>Most items can be returned.</p>", "<p>Most items cannot be returned.</p>"),
        ("<p>First line.</p><p>Second line.</p>", "<p>First line.Second line.</p>"),
    ],
)
def test_a_changed_word_or_number_is_a_change(before, after):
    assert normalised_text(before) != normalised_text(after)


def test_a_changed_heading_is_a_change():
    html = "<p>Return within 45 days.</p>"
    assert clause_wording({"heading": "Return window", "html": html}) != clause_wording(
        {"heading": "Withdrawal window", "html": html}
    )


def test_text_of_empty_or_missing_markup_is_empty():
    assert normalised_text("") == normalised_text(None) == ""
    assert normalised_text("<p><br></p>") == ""


# --- on the demo data -----------------------------------------------------------------


def _row_keys(rows):
    return {(row.article.pk, row.anchor, row.change) for row in rows}


def _cited_anchors():
    """(article pk, anchor) of every live article citing the return policy."""
    cited = set()
    for article in HelpArticlePage.objects.live():
        for block in article.body:
            if block.block_type == "policy_clause" and block.value["policy"] is not None:
                cited.add((article.pk, block.value["anchor"]))
    return cited


def _republish(policy, reword=None):
    """Save and publish the policy as the editor does: Draftail turns each
    clause's HTML into its own format and back (adding data-block-key), and
    `reword` may change the text of one clause. Takes effect after the latest."""
    page = policy.get_latest_revision_as_object()
    raw = list(page.clauses.raw_data)
    text_block = page.clauses.stream_block.child_blocks["clause"].child_blocks["text"]
    converter = ContentstateConverter(features=text_block.features)
    for block in raw:
        if block["type"] != "clause":
            continue
        html = converter.to_database_format(converter.from_database_format(block["value"]["text"]))
        assert "data-block-key" in html  # the markup really changes
        if reword is not None:
            html = reword(block["value"]["anchor"], html)
        block["value"]["text"] = html
    page.clauses = raw
    page.change_reason = "Reworded clause" if reword else "Proofread, no change of wording"
    page.effective_from = latest_version(policy).effective_from + datetime.timedelta(days=1)
    page.schedule_choice = "after"
    page.save_revision().publish()
    return latest_version(policy)


@pytest.mark.django_db
def test_re_saving_a_policy_without_a_wording_change_reports_nothing_new(help_center, policies):
    before = changed_citations()
    assert before  # the demo's scheduled v3 really rewrites §2 and §6
    resaved = _republish(policies)
    after = changed_citations()
    assert _row_keys(after) == _row_keys(before)
    assert len(after) == len(before)
    # The markup-only version adds no row of its own: every clause cited and not
    # changed by v3 stays out of the report.
    reported = {(row.article.pk, row.anchor) for row in after}
    assert reported < _cited_anchors()
    assert resaved.number == max(row.changed_in for row in after)  # the latest, as before


@pytest.mark.django_db
def test_changing_one_clause_reports_exactly_the_articles_citing_it(help_center, policies):
    before = _row_keys(changed_citations())
    cited = _cited_anchors()
    reported_anchors = {anchor for _pk, anchor, _change in before}
    anchor = sorted({a for _pk, a in cited} - reported_anchors)[0]

    def reword(clause_anchor, html):
        if clause_anchor != anchor:
            return html
        return html.replace("</p>", " Ask us before you send it.</p>", 1)

    reworded = _republish(policies, reword)
    rows = changed_citations()
    new = _row_keys(rows) - before
    expected = {(pk, anchor, "changed") for pk, cited_anchor in cited if cited_anchor == anchor}
    assert expected  # articles in every language cite it
    assert new == expected
    assert {row.changed_in for row in rows if row.anchor == anchor} == {reworded.number}
    assert {row.language for row in rows if row.anchor == anchor} == {"en", "fr", "de"}


# --- who opens it ---------------------------------------------------------------------


@pytest.fixture
def editor(help_center, policies):
    """A policy editor whose permissions come from the groups only (as seeded)."""
    from django.contrib.auth.models import Group

    user = StaffUserFactory(with_totp=True)  # admin access and a confirmed TOTP device
    user.groups.add(Group.objects.get(name="Policy editors"))
    return get_user_model().objects.get(pk=user.pk)  # no cached permissions


@pytest.mark.django_db
def test_a_policy_editor_opens_the_report_but_not_the_other_help_reports(editor, client):
    client.force_login(editor)
    response = client.get(REPORT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "How to start a return" in html
    assert client.get(REPORT + "results/").status_code == 200
    for url in ("/admin/reports/help/top-searches/", "/admin/reports/help/feedback/"):
        assert client.get(url).status_code in (302, 403), url
    menu = client.get("/admin/").content.decode()
    assert "Articles citing changed clauses" in menu
    assert "Top searches" not in menu


@pytest.mark.django_db
def test_staff_without_a_policy_or_help_group_cannot_open_it(help_center, client):
    client.force_login(StaffUserFactory(with_totp=True))
    assert client.get(REPORT).status_code in (302, 403)


@pytest.mark.django_db
def test_the_demo_editor_and_approver_get_the_permission_from_seeding(help_center):
    seed_users()
    grant_policy_group_permissions()
    users = get_user_model().objects
    for email in ("editor@example.com", "legal@example.com"):
        user = users.get(email=email)
        assert user.has_perm("helpcenter.view_changed_citations"), email
        assert not user.has_perm("helpcenter.view_help_reports"), email


# --- the exports ----------------------------------------------------------------------


@pytest.fixture
def french_editor(editor):
    profile = UserProfile.get_for_user(editor)
    profile.preferred_language = "fr"
    profile.save()
    return editor


def _csv_rows(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.django_db
def test_csv_export_in_french_has_translated_headings_values_and_a_dated_name(
    french_editor, client
):
    client.force_login(french_editor)
    response = client.get(REPORT, {"export": "csv"})
    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="articles-citing-changed-clauses-{today}.csv"'
    )
    heading, *rows = _csv_rows(response)
    assert heading == [
        "Article",
        "Langue",
        "Politique",
        "Clause",
        "Version citée",
        "Modifiée dans la version",
        "Modification",
        "Statut",
        "En vigueur à partir du",
    ]
    assert len(rows) == len(changed_citations())
    assert {row[1] for row in rows} == {"Anglais", "Français", "Allemand"}
    assert {row[6] for row in rows} == {"Modifié"}
    assert {row[7] for row in rows} == {"Programmée"}
    # Local time with its offset, to the minute.
    assert datetime.datetime.fromisoformat(rows[0][8]).utcoffset() is not None
    assert len(rows[0][8]) == len("2027-01-06T23:44+01:00")


@pytest.mark.django_db
def test_csv_export_in_english(editor, client):
    client.force_login(editor)
    heading, *rows = _csv_rows(client.get(REPORT, {"export": "csv"}))
    assert heading[:3] == ["Article", "Language", "Policy"]
    assert "French" in {row[1] for row in rows}
    assert {row[6] for row in rows} == {"Changed"}


@pytest.mark.django_db
def test_xlsx_export_in_french_has_translated_headings_and_a_dated_name(french_editor, client):
    client.force_login(french_editor)
    response = client.get(REPORT, {"export": "xlsx"})
    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert f"articles-citing-changed-clauses-{today}.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    heading, first = list(sheet.iter_rows(min_row=1, max_row=2, values_only=True))
    assert heading[:2] == ("Article", "Langue") and heading[7] == "Statut"
    assert first[6] == "Modifié"
    assert isinstance(first[8], datetime.datetime)  # a real date cell


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "filename", "headings"),
    [
        ("/admin/reports/help/top-searches/", "top-searches", ["Requête", "Langue"]),
        ("/admin/reports/help/no-results/", "searches-with-no-results", ["Requête", "Langue"]),
        ("/admin/reports/help/feedback/", "article-feedback", ["Article", "Langue"]),
        (
            "/admin/reports/help/stale/",
            "stale-content",
            ["Article", "Langue", "À réviser avant le", "Responsable"],
        ),
    ],
)
def test_every_help_report_exports_french_headings_under_a_dated_name(
    help_center, client, url, filename, headings
):
    admin = StaffUserFactory(with_totp=True, is_superuser=True)
    profile = UserProfile.get_for_user(admin)
    profile.preferred_language = "fr"
    profile.save()
    client.force_login(admin)
    response = client.get(url, {"export": "csv"})
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="{filename}-{today}.csv"'
    heading = _csv_rows(response)[0]
    assert heading[: len(headings)] == headings
