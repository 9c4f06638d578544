"""Help center search: query normalisation, Wagtail search in the reader's
language then the untranslated source-language articles, highlighted
snippets, as-you-type results, analytics and the contact form's suggestions.
Results are cached briefly under a generation that every help page publish
bumps (signals.py).

The words of a query (stemming-lite, synonyms, closest words) are in
search_terms, snippets and the index's text in search_snippets, what is
PostgreSQL's own (language configurations, trigrams) in search_backend."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils.safestring import SafeString
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale, Page
from wagtail.search.query import And, Or, PlainText

from .listing import fallback_url
from .locales import default_locale, locale_for, locale_for_id
from .models import HelpArticlePage, SearchQueryLog, SuggestionOpen
from .search_backend import (
    ChainedResults,
    WithoutNestedLoops,
    search_language,
    trigram_candidates,
)
from .search_snippets import body_texts, entries_of, highlight, index_vocabulary, snippet
from .search_terms import (
    MAX_TERMS,
    SEARCH_TTL,
    best_candidate,
    bump_search_cache,
    closest,
    display_query,
    exact_query,
    find_synonyms,
    forms,
    is_exact,
    normalise_query,
    root,
    search_generation,
    search_terms,
)

# Used by signals.py and the tests through this module.
__all__ = [
    "ChainedResults",
    "bump_search_cache",
    "display_query",
    "highlight",
    "normalise_query",
    "snippet",
]


# How a result in another language than the reader's is marked.
IN_LANGUAGE = {"en": _("In English"), "fr": _("In French"), "de": _("In German")}


@dataclass(frozen=True)
class SearchHit:
    page_id: int
    title: SafeString
    snippet: SafeString
    url: str
    language: str = ""  # set when the article is not in the reader's language

    @property
    def language_label(self):
        if not self.language:
            return ""
        return IN_LANGUAGE.get(self.language) or get_language_info(self.language)["name_translated"]


@dataclass(frozen=True)
class PageInfo:
    """What the results template needs of a paginator page (cacheable)."""

    number: int
    num_pages: int
    start_index: int

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.num_pages

    @property
    def has_other_pages(self):
        return self.num_pages > 1

    @property
    def previous_page_number(self):
        return self.number - 1

    @property
    def next_page_number(self):
        return self.number + 1


@dataclass
class SearchOutcome:
    query: str
    total: int = 0
    page_obj: PageInfo | None = None
    hits: list[SearchHit] = field(default_factory=list)
    suggestion: str = ""  # the corrected query shown ("did you mean"), if any

    @property
    def typed_query(self) -> str:
        """The query in quotes: searched as typed, uncorrected ("Search instead for")."""
        return exact_query(self.query)


def _live_in(locale):
    return HelpArticlePage.objects.live().filter(locale=locale)


def _untranslated_in(locale):
    """Live source-language articles without a live translation in `locale`.

    An anti-join (NOT EXISTS on the translation key and locale, which Wagtail
    indexes uniquely) rather than NOT IN, which PostgreSQL always takes to keep
    half the pages. Wagtail search takes only field lookups, hence the `__in`
    around it; the planner still misjudges that semi-join, so the search runs
    under `full_text_plan()` (see search_backend.WithoutNestedLoops)."""
    source = default_locale()
    translated = Page.objects.filter(
        translation_key=OuterRef("translation_key"), locale=locale, live=True
    )
    untranslated = Page.objects.filter(locale=source, live=True).filter(~Exists(translated))
    return _live_in(source).filter(translation_key__in=untranslated.values("translation_key"))


def _search_sources(locale) -> list[tuple[Locale, object]]:
    """What a reader of `locale` searches: the articles in their language,
    then those of the source language not translated into it yet."""
    sources = [(locale, _live_in(locale))]
    source = default_locale()
    if locale.pk != source.pk:
        sources.append((source, _untranslated_in(locale)))
    return sources


def _run(sources, query, method: str, operator: str = "and"):
    """One search (full text or prefix) over the reader's sources, chained."""
    parts = []
    for part_locale, queryset in sources:
        with search_language(part_locale.language_code):
            # Ranked on ids alone: sorting a thousand matches carries no page
            # bodies along; the page shown is then loaded whole (_search_page).
            base = queryset.only("id")
            if method == "autocomplete":
                parts.append(base.autocomplete(query))
            else:
                parts.append(base.search(query, operator=operator))
    if len(parts) == 1:
        return parts[0]
    return ChainedResults([parts[0], *(WithoutNestedLoops(part) for part in parts[1:])])


# --- the query: word forms, synonyms, "did you mean" --------------------------------------


def stems_in_full_text() -> bool:
    """PostgreSQL stems words with each language's rules (search_backend);
    elsewhere (SQLite's FTS5) words match whole, so the search adds the forms."""
    return connection.vendor == "postgresql"


def vocabulary(locale: Locale) -> tuple[str, ...]:
    """Every word of the indexed live articles a reader of `locale` searches
    (titles, summaries, bodies), lower case, sorted: what the word forms and
    "did you mean" pick from. Cached per generation: every help page publish
    rebuilds it."""
    key = f"helpcenter:vocabulary:{search_generation()}:{locale.pk}"
    words = cache.get(key)
    if words is None:
        words = index_vocabulary(queryset for _locale, queryset in _search_sources(locale))
        cache.set(key, words, SEARCH_TTL)
    return words


def word_forms(word: str, locale: Locale) -> list[str]:
    """What a word of the query matches: on PostgreSQL the word (stemmed by
    the language's configuration); elsewhere the words of the vocabulary that
    start with its root, so "refund" and "refunds" (root "refund") both find
    refund, refunds, refunded. Depends on the root only: one query for both."""
    if stems_in_full_text() or len(word) < 4:
        return [word]
    return forms(vocabulary(locale), root(word, locale.language_code)) or [word]


def build_query(terms: list[str], locale: Locale, operator: str = "and"):
    """The search query for `terms`, and the words to highlight.

    Each phrase an editor listed as a synonym becomes "any of its synonyms"
    (Or), each other word "any of its forms"; they are joined with `operator`."""
    words, groups = find_synonyms(terms, locale.language_code)
    parts, marked = [], []
    for group in groups:
        parts.append(Or([PlainText(phrase, operator="and") for phrase in group]))
        marked += [w for phrase in group for w in phrase.split()]
    for word in words:
        found = word_forms(word, locale) or [word]  # never an empty Or (modelsearch reduces it)
        marked += found
        parts.append(PlainText(found[0]) if len(found) == 1 else Or([PlainText(f) for f in found]))
    if not groups and all(isinstance(part, PlainText) for part in parts):
        # Plain words: one PlainText, as Wagtail ranks a typed query.
        return " ".join(part.query_string for part in parts), marked
    if len(parts) == 1:
        return parts[0], marked
    return (And(parts) if operator == "and" else Or(parts)), marked


def did_you_mean(terms: list[str], locale: Locale) -> str:
    """The query with each unknown word replaced by the closest word of the
    indexed articles, or "" when nothing changes.

    PostgreSQL: the trigram index on the index entries' text finds the words
    near each typed one (pg_trgm, search_backend.trigram_candidates), edits
    pick one. Elsewhere: the closest word of the cached vocabulary (difflib)."""
    lowered = [term.lower() for term in terms]
    if stems_in_full_text():
        querysets = [queryset for _locale, queryset in _search_sources(locale)]
        entries = entries_of(querysets[0])
        for queryset in querysets[1:]:
            entries = entries | entries_of(queryset)
        candidates = trigram_candidates([w for w in lowered if len(w) >= 4], entries)
        fixed = [
            word
            if word in dict(candidates.get(word, []))
            else best_candidate(word, candidates.get(word, [])) or word
            for word in lowered
        ]
    else:
        words = vocabulary(locale)
        fixed = [
            closest(word, words) or word if len(word) >= 4 and not forms(words, word) else word
            for word in lowered
        ]
    return " ".join(fixed) if fixed != lowered else ""


def search_articles(query: str, locale: Locale):
    """The search that both the instant results and the results page run, so
    they agree: one query, one ranking, one count.

    1. full text, every word in any of its forms, the editors' synonyms expanded;
    2. else prefixes ("rembours" finds "remboursement"): Wagtail's autocomplete
       on titles, summaries and bodies, the last word a prefix;
    3. else any word;
    4. else "did you mean": each unknown word replaced by the closest word of
       the indexed articles, and steps 1-3 again for that query (not for a
       query in double quotes: "search instead for" what was typed).

    Returns (results, terms, suggestion): `terms` are what to highlight,
    `suggestion` the corrected query when step 4 ran ("" otherwise).

    Results are the live articles of the reader's locale, then the live
    source-language (English) articles that have no translation in it yet:
    a reader finds them marked as such (never both an article and its
    translation).

    Word forms: on PostgreSQL each part is searched with its own language's
    text-search configuration (helpcenter.search_backend: articles are indexed
    with their locale's configuration, "french" for fr...), so "remboursées"
    finds "remboursement" and "Erstattungen" finds "Erstattung". On SQLite
    (FTS5, whole words) each word is cut to its root (search_terms.root: en,
    fr, de plural endings) and matches the vocabulary's words that start
    with it. Either way "refund" and "refunds" give the same results."""
    terms = search_terms(query)
    if not terms or locale is None:
        return HelpArticlePage.objects.none(), terms, ""
    sources = _search_sources(locale)

    def attempt(words):
        expanded, marked = build_query(words, locale)
        results = _run(sources, expanded, "search")
        if results.count():
            return results, marked
        text = " ".join(words)
        results = _run(sources, text, "autocomplete")
        if results.count() or len(words) == 1:
            return results, words
        expanded, marked = build_query(words, locale, operator="or")
        return _run(sources, expanded, "search", operator="or"), marked

    results, highlighted = attempt(terms)
    if results.count() or is_exact(query):
        return results, highlighted, ""
    suggestion = did_you_mean(terms, locale)
    if suggestion and search_terms(suggestion):
        corrected, highlighted = attempt(search_terms(suggestion))
        if corrected.count():
            return corrected, highlighted, suggestion
    return results, terms, ""


def run_search(raw_query, language_code: str, page_number=1, per_page: int = 10) -> SearchOutcome:
    """A page of results, highlighted; the instant results are its first five.
    Cached briefly per query, language and page under a generation that every
    help page publish bumps. The outcome's query is the one typed."""
    query = normalise_query(raw_query)
    if not query:
        return SearchOutcome(query=query)
    digest = hashlib.sha256(
        f"{language_code}|{per_page}|{page_number}|{query}".encode()
    ).hexdigest()
    key = f"helpcenter:search:{search_generation()}:{digest}"
    outcome = cache.get(key)
    if outcome is None:
        outcome = _search_page(query, language_code, page_number, per_page)
        cache.set(key, outcome, SEARCH_TTL)
    return replace(outcome, query=display_query(raw_query))


def _hit(article: HelpArticlePage, locale: Locale, title, text) -> SearchHit:
    """A result; an article in another language links to the fallback address
    in the reader's site (as the listings do) and says its language."""
    if article.locale_id == locale.pk:
        return SearchHit(article.pk, title, text, article.url)
    language = (locale_for_id(article.locale_id) or default_locale()).language_code
    return SearchHit(article.pk, title, text, fallback_url(article, locale.language_code), language)


def _search_page(query, language_code, page_number, per_page) -> SearchOutcome:
    outcome = SearchOutcome(query=query)
    locale = locale_for(language_code)
    results, terms, outcome.suggestion = search_articles(query, locale)
    paginator = Paginator(results, per_page)
    page = paginator.get_page(page_number)
    outcome.total = paginator.count
    outcome.page_obj = PageInfo(page.number, paginator.num_pages, page.start_index())
    ids = [article.pk for article in page.object_list]
    articles = HelpArticlePage.objects.in_bulk(ids)
    shown = [articles[pk] for pk in ids if pk in articles]
    # Snippets from the indexed text, around the first match (search_snippets).
    texts = body_texts(shown)
    outcome.hits = [
        _hit(
            article,
            locale,
            highlight(article.title, terms),
            snippet(texts[article.pk], terms),
        )
        for article in shown
    ]
    return outcome


INSTANT_LIMIT = 5


def instant_results(raw_query, language_code: str, limit: int = INSTANT_LIMIT) -> SearchOutcome:
    """As-you-type results: the first `limit` results of the full search,
    with its count (run_search: same query, ranking and total)."""
    return run_search(raw_query, language_code, 1, per_page=limit)


def log_search(query: str, language_code: str, results: int) -> None:
    """Analytics: the normalised query, its language and result count only."""
    query = normalise_query(query)
    if query:
        SearchQueryLog.objects.create(query=query, language=language_code[:8], results=results)


def suggest_articles(text: str, language_code: str, limit: int = 3) -> list[HelpArticlePage]:
    """Articles matching what a buyer writes to us (deflection)."""
    terms = [t for t in search_terms(normalise_query(text)) if len(t) >= 4][:MAX_TERMS]
    locale = locale_for(language_code)
    if not terms or locale is None:
        return []
    with search_language(locale.language_code):
        return list(_live_in(locale).search(" ".join(terms), operator="or")[:limit])


def record_suggestion_open(request, article: HelpArticlePage) -> None:
    SuggestionOpen.objects.create(article=article, language=article.locale.language_code)
    opened = request.session.get("helpcenter_suggestions_opened", [])
    if article.pk not in opened:
        request.session["helpcenter_suggestions_opened"] = [*opened, article.pk][-20:]
