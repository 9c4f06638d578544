"""Search stems each language with its own rules (PostgreSQL full-text search).

helpcenter.search_backend indexes each page with its locale's text-search
configuration and stems each query in the language searched. SQLite's FTS5
has no stemming: these tests need PostgreSQL (CI runs them there).
"""

import pytest
from django.db import connection
from wagtail.models import Locale

from helpcenter.models import HelpArticlePage, HelpCategoryPage
from helpcenter.search import run_search

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="stemming per language is PostgreSQL full-text search; SQLite FTS5 has none",
    ),
]

# One article per language whose words appear only in one form.
TEXTS = {
    "en": ("Money back", "When we send the refund.", "The refund is returning to your card."),
    "fr": (
        "Argent rendu",
        "Quand le remboursement arrive.",
        "Le remboursement est versé sur votre carte.",
    ),
    "de": ("Geld zurück", "Wann die Erstattung kommt.", "Die Erstattung geht auf Ihre Karte."),
}


@pytest.fixture
def articles(help_center):
    """An article in each language's help center (not translations of each other)."""
    pages = {}
    for code, (title, summary, text) in TEXTS.items():
        locale = Locale.objects.get(language_code=code)
        center = help_center.get_translation(locale)
        category = HelpCategoryPage(title="Money", slug="money-words", locale=locale)
        center.add_child(instance=category)
        article = HelpArticlePage(
            title=title,
            slug="money-back",
            summary=summary,
            body=[{"type": "text", "value": f"<p>{text}</p>"}],
            locale=locale,
        )
        category.add_child(instance=article)
        article.save_revision().publish()
        pages[code] = article
    return pages


def _found(query, language, article):
    # The demo articles speak of refunds too: look past the first page.
    return article.pk in {hit.page_id for hit in run_search(query, language, per_page=100).hits}


@pytest.mark.parametrize("query", ["remboursements", "remboursées", "rembourser"])
def test_french_queries_are_stemmed_as_french(articles, query):
    # "remboursées" → "rembours" in French; English rules leave "remboursé".
    assert _found(query, "fr", articles["fr"])


@pytest.mark.parametrize("query", ["Erstattungen", "erstatten"])
def test_german_queries_are_stemmed_as_german(articles, query):
    # English rules leave "erstattungen" whole; German ones give "erstatt".
    assert _found(query, "de", articles["de"])


@pytest.mark.parametrize("query", ["refunds", "returned"])
def test_english_queries_are_stemmed_as_english(articles, query):
    assert _found(query, "en", articles["en"])


def test_each_article_is_indexed_with_its_languages_rules(articles):
    from django.contrib.contenttypes.models import ContentType
    from wagtail.search.models import IndexEntry

    def vector(article):
        return IndexEntry.objects.get(
            content_type=ContentType.objects.get_for_model(article),
            object_id=str(article.pk),
        ).body

    assert "'erstatt'" in vector(articles["de"])
    assert "'rembours'" in vector(articles["fr"])
    assert "'refund'" in vector(articles["en"])
