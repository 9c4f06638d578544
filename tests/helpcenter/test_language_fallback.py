"""Articles not translated into the reader's language yet: found by search
(marked with their language) and served at their address in the reader's
site, in the source language with the notice."""

import pytest
from django.utils import translation

from helpcenter.models import HelpArticlePage
from helpcenter.search import ChainedResults, instant_results, run_search

pytestmark = pytest.mark.django_db

# In the first demo category, "Returning part of an order" has no German
# translation; "How to start a return" and "Items that cannot be returned" do.
UNTRANSLATED = "returning-part-of-an-order"
TRANSLATED = ("how-to-start-a-return", "non-returnable-items")


def _page(slug, language):
    return HelpArticlePage.objects.get(slug=slug, locale__language_code=language)


# --- search ---------------------------------------------------------------------------


def test_german_search_includes_untranslated_english_articles_marked_in_english(
    small_help_center,
):
    # "order" is in the English text of all three; only the untranslated one is a fallback.
    outcome = run_search("order", "de")
    english = _page(UNTRANSLATED, "en")
    hits = {hit.page_id: hit for hit in outcome.hits}
    assert english.pk in hits
    assert hits[english.pk].language == "en"
    assert hits[english.pk].url == f"/de/support/articles/{english.translation_key}/"
    with translation.override("de"):
        assert str(hits[english.pk].language_label) == "Auf Englisch"
    # Translated articles come in German only, never also in English.
    for slug in TRANSLATED:
        assert _page(slug, "en").pk not in hits


def test_german_search_lists_german_articles_first_and_each_article_once(small_help_center):
    outcome = run_search("Rücksendung order", "de")  # any word: German and English match
    ids = [hit.page_id for hit in outcome.hits]
    assert len(ids) == len(set(ids)) == outcome.total
    languages = [hit.language for hit in outcome.hits]
    assert languages[0] == ""  # the reader's language, unmarked
    assert "en" in languages
    assert languages == sorted(languages)  # every German article before the first English one
    keys = HelpArticlePage.objects.filter(pk__in=ids).values_list("translation_key", flat=True)
    assert len(set(keys)) == len(ids)  # never an article and its translation


def test_german_results_page_shows_the_language_of_a_fallback(small_help_center, client):
    english = _page(UNTRANSLATED, "en")
    html = client.get("/de/support/search/", {"q": "order"}).content.decode()
    assert f'<a href="/de/support/articles/{english.translation_key}/" lang="en">' in html
    assert '<p class="tag">Auf Englisch</p>' in html


def test_english_search_has_no_fallback(small_help_center):
    outcome = run_search("order", "en")
    assert outcome.total >= 3
    assert all(hit.language == "" for hit in outcome.hits)


def test_german_instant_results_include_untranslated_articles(small_help_center, client):
    english = _page(UNTRANSLATED, "en")
    outcome = instant_results("returning", "de")
    # The instant results are the full search's first ones (on PostgreSQL "returning"
    # is stemmed, so other untranslated English articles may come too).
    assert (english.pk, "en") in [(hit.page_id, hit.language) for hit in outcome.hits]
    assert {hit.language for hit in outcome.hits} == {"en"}
    assert outcome.hits == run_search("returning", "de").hits[:5]
    html = client.get(
        "/de/support/search/", {"q": "returning", "instant": "1"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert '<span class="tag">Auf Englisch</span>' in html


def test_results_in_two_languages_are_paginated_as_one_list(small_help_center):
    de = HelpArticlePage.objects.filter(locale__language_code="de").order_by("pk")
    en = HelpArticlePage.objects.filter(locale__language_code="en").order_by("pk")
    chained = ChainedResults([de, en])
    everything = [*de, *en]
    assert chained.count() == len(everything)
    for start in range(len(everything) + 1):
        for stop in range(start, len(everything) + 2):
            assert chained[start:stop] == everything[start:stop]
    assert chained[len(de)] == everything[len(de)]


def test_fallback_results_are_paginated_after_the_readers_language(small_help_center):
    first = run_search("Rücksendung order", "de", per_page=1)
    pages = [
        run_search("Rücksendung order", "de", page_number=n, per_page=1).hits[0]
        for n in range(1, first.total + 1)
    ]
    assert [hit.page_id for hit in pages] == [
        hit.page_id for hit in run_search("Rücksendung order", "de", per_page=50).hits
    ]


# --- a typed address ----------------------------------------------------------------------


def test_typed_address_of_an_untranslated_article_shows_the_source_with_the_notice(
    small_help_center, client
):
    english = _page(UNTRANSLATED, "en")
    response = client.get(f"/de/help/starting-a-return/{UNTRANSLATED}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="de">' in html
    assert 'class="notice" role="note"' in html
    assert '<article class="help-article" aria-labelledby="article-title" lang="en">' in html
    assert "Returning part of an order" in html
    # Search engines: the English page is the canonical one; this copy is not indexed.
    assert f'<link rel="canonical" href="{english.full_url}">' in html
    assert '<meta name="robots" content="noindex, follow">' in html
    assert '<link rel="alternate" hreflang="de"' not in html


def test_typed_address_of_a_translated_article_shows_the_translation(small_help_center, client):
    response = client.get("/de/help/starting-a-return/how-to-start-a-return/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "So starten Sie eine Rücksendung" in html
    assert 'class="notice" role="note"' not in html


def test_typed_address_keeps_working_once_the_translation_is_published(small_help_center, client):
    from core.localization import publish_translation

    english = _page(UNTRANSLATED, "en")
    publish_translation(english, "de", {"Returning part of an order": "Teil einer Bestellung"})
    html = client.get(f"/de/help/starting-a-return/{UNTRANSLATED}/").content.decode()
    assert "Teil einer Bestellung" in html
    assert 'class="notice" role="note"' not in html


@pytest.mark.parametrize(
    "path",
    [
        "/de/help/starting-a-return/no-such-article/",
        f"/de/help/starting-a-return/{UNTRANSLATED}/extra/",
        f"/de/help/no-such-category/{UNTRANSLATED}/",
    ],
)
def test_unknown_addresses_are_still_not_found(small_help_center, client, path):
    assert client.get(path).status_code == 404


def test_a_draft_source_article_is_not_served(small_help_center, client):
    _page(UNTRANSLATED, "en").unpublish()
    assert client.get(f"/de/help/starting-a-return/{UNTRANSLATED}/").status_code == 404
