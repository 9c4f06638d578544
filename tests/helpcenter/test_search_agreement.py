"""Issue 14, part 6: the instant results and the results page run one search
(one query, ranking and count), show the query as typed, match prefixes,
forgive typos ("did you mean" from the articles' vocabulary) and expand the
editors' synonyms. Works on SQLite and PostgreSQL."""

import re

import pytest

from helpcenter.locales import locale_for
from helpcenter.models import HelpArticlePage, SearchQueryLog, SearchSynonym
from helpcenter.search import did_you_mean, instant_results, run_search

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _count(html):
    match = re.search(r"(\d+) résultats? pour", html)
    assert match, html
    return int(match.group(1))


def test_instant_and_full_search_agree_on_a_prefix(small_help_center, client):
    # "rembours" is no whole word of any article: it is the prefix of "remboursement".
    full = client.get("/fr/support/search/", {"q": "rembours"}).content.decode()
    instant = client.get(
        "/fr/support/search/", {"q": "rembours", "instant": "1"}, headers=HTMX
    ).content.decode()
    assert _count(full) >= 1
    assert _count(instant) == _count(full)
    full_outcome = run_search("rembours", "fr")
    instant_outcome = instant_results("rembours", "fr")
    assert instant_outcome.total == full_outcome.total
    ids = [hit.page_id for hit in full_outcome.hits]
    assert [hit.page_id for hit in instant_outcome.hits] == ids[:5]


def test_the_query_is_shown_as_typed(small_help_center, client):
    html = client.get("/fr/support/search/", {"q": "  Rembours  "}).content.decode()
    heading = html.split('id="results-heading"')[1].split("</h2>")[0]
    assert re.search(r"pour\W+Rembours\W", heading), heading
    assert 'value="Rembours"' in html
    # ... and logged folded, so the report groups it with "rembours".
    assert SearchQueryLog.objects.get().query == "rembours"


def test_a_typo_is_forgiven_with_did_you_mean(small_help_center, client):
    outcome = run_search("rembousement", "fr")
    assert outcome.total >= 1
    assert outcome.suggestion == "remboursement"
    assert instant_results("rembousement", "fr").total == outcome.total
    html = client.get("/fr/support/search/", {"q": "rembousement"}).content.decode()
    assert "remboursement" in html.split('id="results-heading"')[1]
    assert SearchQueryLog.objects.get().results == outcome.total


def test_did_you_mean_picks_from_the_vocabulary_only(small_help_center):
    fr = locale_for("fr")
    assert did_you_mean(["rembousement"], fr) == "remboursement"
    assert did_you_mean(["remboursement"], fr) == ""
    assert did_you_mean(["xylophone"], fr) == ""


def test_zero_result_searches_still_land_in_the_report(small_help_center, client):
    html = client.get("/fr/support/search/", {"q": "xylophone"}).content.decode()
    assert _count(html) == 0
    assert SearchQueryLog.objects.get().results == 0


def test_editors_synonyms_are_expanded_per_language(small_help_center, client):
    article = HelpArticlePage.objects.get(slug="how-to-start-a-return", locale__language_code="en")
    assert run_search("cashback", "en").total == 0
    SearchSynonym.objects.create(language="en", terms="cashback, money back, refund")
    outcome = run_search("cashback", "en")
    assert outcome.total >= 1
    assert article.pk in {hit.page_id for hit in outcome.hits}
    assert "<mark>" in "".join(hit.snippet + hit.title for hit in outcome.hits)
    assert instant_results("cashback", "en").total == outcome.total
    # A phrase of the group is expanded too; another language's synonyms do not apply.
    phrase = run_search("money back", "en")
    assert article.pk in {hit.page_id for hit in phrase.hits}
    assert run_search("cashback", "fr").total == 0


def test_synonyms_are_editor_managed_snippets(small_help_center, admin_client):
    response = admin_client.get("/admin/snippets/helpcenter/searchsynonym/")
    assert response.status_code == 200
    response = admin_client.post(
        "/admin/snippets/helpcenter/searchsynonym/add/",
        {"language": "fr", "terms": "remboursement, argent rendu"},
    )
    assert response.status_code == 302
    assert SearchSynonym.objects.get().phrases() == ["remboursement", "argent rendu"]
