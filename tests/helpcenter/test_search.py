import pytest

from helpcenter.models import SearchQueryLog
from helpcenter.search import highlight, normalise_query, run_search

pytestmark = pytest.mark.django_db


def test_search_finds_articles_in_the_readers_language(small_help_center, client):
    response = client.get("/fr/support/search/", {"q": "retour"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Comment faire un <mark>retour</mark>" in html
    assert "How to start a" not in html


def test_search_highlights_matches_in_snippets(small_help_center):
    outcome = run_search("label", "en")
    assert outcome.total >= 1
    assert any("<mark>" in hit.snippet or "<mark>" in hit.title for hit in outcome.hits)


def test_search_results_are_paginated(small_help_center, client):
    outcome = run_search("return", "en", per_page=2)
    assert outcome.total > 2
    assert len(outcome.hits) == 2
    second = run_search("return", "en", page_number=2, per_page=2)
    assert {h.page_id for h in second.hits}.isdisjoint({h.page_id for h in outcome.hits})


def test_plain_search_page_works_without_javascript(small_help_center, client):
    html = client.get("/support/search/", {"q": "return"}).content.decode()
    assert '<form role="search" method="get" action="/support/search/"' in html
    assert "results for" in html


def test_instant_results_are_a_partial(small_help_center, client):
    response = client.get(
        "/support/search/", {"q": "retu", "instant": "1"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<mark>" in html


def test_every_submitted_search_is_logged_without_identity(small_help_center, client, buyer):
    client.force_login(buyer)
    client.get("/fr/support/search/", {"q": "  Retour   Colis "})
    log = SearchQueryLog.objects.get()
    assert (log.query, log.language) == ("retour colis", "fr")
    assert log.results >= 1
    field_names = {f.name for f in SearchQueryLog._meta.get_fields()}
    assert field_names == {"id", "query", "language", "results", "created_at"}


def test_instant_results_and_later_pages_are_not_logged(small_help_center, client):
    client.get("/support/search/", {"q": "ret", "instant": "1"}, headers={"HX-Request": "true"})
    client.get("/support/search/", {"q": "return", "page": "2"})
    assert not SearchQueryLog.objects.exists()


def test_searches_without_results_are_logged_with_zero(small_help_center, client):
    client.get("/support/search/", {"q": "xylophone"})
    assert SearchQueryLog.objects.get().results == 0


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "x" * 10_000,
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "AND OR NOT ( ) * \" ' : ^ -",
    ],
)
def test_bad_queries_give_a_safe_results_page(small_help_center, client, query):
    response = client.get("/support/search/", {"q": query})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    instant = client.get(
        "/support/search/", {"q": query, "instant": "1"}, headers={"HX-Request": "true"}
    )
    assert instant.status_code == 200
    assert "<script>alert" not in instant.content.decode()


def test_a_query_with_control_characters_is_refused_at_the_edge(small_help_center, client):
    # core.middleware answers 400 before the search runs: nothing reaches the database.
    for params in ({"q": "retour\x00\x1f"}, {"q": "retour\x00", "instant": "1"}):
        assert client.get("/support/search/", params).status_code == 400
    assert not SearchQueryLog.objects.exists()


def test_long_queries_are_capped_in_the_log(small_help_center, client):
    client.get("/support/search/", {"q": "refund " * 2000})
    assert len(SearchQueryLog.objects.get().query) <= SearchQueryLog.MAX_LENGTH


def test_highlight_escapes_everything_then_marks():
    html = highlight("Refund <b>now</b> & refunds", ["refund"])
    assert html == "<mark>Refund</mark> &lt;b&gt;now&lt;/b&gt; &amp; <mark>refunds</mark>"


def test_normalise_query_folds_case_spaces_and_controls():
    assert normalise_query("  ＲＥＴＯＵＲ\tcolis\n") == "retour colis"


def test_search_is_rate_limited(small_help_center, client, monkeypatch):
    from helpcenter import views

    monkeypatch.setitem(views.LIMITS, "search", (3, 60))
    codes = [client.get("/support/search/", {"q": "return"}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]


def test_search_stays_within_its_query_budget(
    small_help_center, client, django_assert_max_num_queries
):
    client.get("/support/search/", {"q": "return"})
    with django_assert_max_num_queries(20):
        client.get("/support/search/", {"q": "return"})


def test_results_are_cached_until_a_help_page_is_published(
    small_help_center, django_assert_num_queries
):
    from helpcenter.models import HelpArticlePage

    first = run_search("cancel", "en")
    with django_assert_num_queries(0):
        assert run_search("cancel", "en") == first
    article = HelpArticlePage.objects.get(slug="cancelling-a-return", locale__language_code="en")
    article.title = "Cancelling or withdrawing a return"
    article.save_revision().publish()
    assert "withdrawing" in run_search("cancel", "en").hits[0].title
