"""Help center search: query normalisation, Wagtail search in the reader's
language then the untranslated source-language articles, highlighted
snippets, as-you-type results, analytics and the contact form's suggestions.
Results are cached briefly under a generation that every help page publish
bumps (signals.py)."""

from __future__ import annotations

import difflib
import hashlib
import re
import time
import unicodedata
from dataclasses import dataclass, field, replace

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale, Page
from wagtail.search.query import And, Or, PlainText

from .listing import fallback_url
from .locales import default_locale, locale_for, locale_for_id
from .models import HelpArticlePage, SearchQueryLog, SearchSynonym, SuggestionOpen
from .search_backend import full_text_plan, search_language

MAX_TERMS = 12
WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)


def normalise_query(raw: str | None) -> str:
    """NFKC, no control characters, single spaces, lower case, capped."""
    text = unicodedata.normalize("NFKC", (raw or "")[: SearchQueryLog.MAX_LENGTH * 4])
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split()).lower()[: SearchQueryLog.MAX_LENGTH].strip()


def search_terms(query: str) -> list[str]:
    """The words of a query (no operators or markup reach the search backend)."""
    return WORD.findall(query)[:MAX_TERMS]


def highlight(text: str, terms: list[str]) -> SafeString:
    """Escape everything, then wrap the matched words in <mark>."""
    stems = sorted({t[: max(3, len(t) - 2)] for t in terms if len(t) >= 2}, key=len, reverse=True)
    if not stems:
        return escape(text)
    pattern = re.compile(
        r"(?<![^\W_])(" + "|".join(re.escape(s) for s in stems) + r")[^\W_]*", re.IGNORECASE
    )
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped above


def snippet(text: str, terms: list[str], width: int = 180) -> SafeString:
    """About `width` characters around the first match, highlighted."""
    text = " ".join(text.split())
    lowered = text.lower()
    positions = [lowered.find(t[: max(3, len(t) - 2)].lower()) for t in terms]
    positions = [p for p in positions if p >= 0]
    start = max(0, min(positions) - width // 3) if positions else 0
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    piece = text[start:end]
    prefix = "… " if start else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + highlight(piece, terms) + suffix)  # noqa: S308


def article_text(article: HelpArticlePage) -> str:
    content = article.body.stream_block.get_searchable_content(article.body)
    return " ".join([article.summary, *(strip_tags(str(part)) for part in content)])


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


SEARCH_GENERATION_KEY = "helpcenter:search-generation"
SEARCH_TTL = 5 * 60


def search_generation() -> int:
    # Seeded from the clock, so a flushed cache never reuses an old generation.
    return cache.get_or_set(SEARCH_GENERATION_KEY, time.time_ns, None)


def bump_search_cache() -> None:
    """Publishing or unpublishing a help page makes every cached result stale."""
    try:
        cache.incr(SEARCH_GENERATION_KEY)
    except ValueError:
        cache.set(SEARCH_GENERATION_KEY, time.time_ns(), None)


def _live_in(locale):
    return HelpArticlePage.objects.live().filter(locale=locale)


def _untranslated_in(locale):
    """Live source-language articles without a live translation in `locale`.

    An anti-join (NOT EXISTS on the translation key and locale, which Wagtail
    indexes uniquely) rather than NOT IN, which PostgreSQL always takes to keep
    half the pages. Wagtail search takes only field lookups, hence the `__in`
    around it; the planner still misjudges that semi-join, so the search runs
    under `full_text_plan()` (see WithoutNestedLoops)."""
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


class ChainedResults:
    """Result sets read one after the other as one sequence: what a Paginator
    needs (count() and slices). Each set is counted once, and only the sets a
    slice reaches into are fetched."""

    def __init__(self, parts):
        self.parts = list(parts)
        self._counts = None

    def counts(self) -> list[int]:
        if self._counts is None:
            self._counts = [part.count() for part in self.parts]
        return self._counts

    def count(self) -> int:
        return sum(self.counts())

    def __len__(self):
        return self.count()

    def __iter__(self):
        return iter(self[:])

    def __getitem__(self, index):
        if not isinstance(index, slice):
            items = self[index : index + 1]
            if not items:
                raise IndexError(index)
            return items[0]
        if index.step not in (None, 1):
            raise ValueError("ChainedResults slices have no step")
        start = index.start or 0
        stop = self.count() if index.stop is None else index.stop
        items, offset = [], 0
        for part, size in zip(self.parts, self.counts(), strict=True):
            low, high = max(start - offset, 0), min(stop - offset, size)
            if low < high:
                items.extend(part[low:high])
            offset += size
        return items


class WithoutNestedLoops:
    """Search results counted and sliced under `full_text_plan()`: for the
    untranslated source-language articles, whose number PostgreSQL misjudges."""

    def __init__(self, results):
        self.results = results

    def count(self) -> int:
        with full_text_plan():
            return self.results.count()

    def __getitem__(self, index):
        with full_text_plan():
            return list(self.results[index])


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


# --- synonyms and "did you mean" --------------------------------------------------------


def synonym_groups(language_code: str) -> list[list[str]]:
    """The editors' synonyms of a language (SearchSynonym), cached per generation."""
    key = f"helpcenter:synonyms:{search_generation()}:{language_code}"
    groups = cache.get(key)
    if groups is None:
        rows = SearchSynonym.objects.filter(language=language_code)
        groups = [phrases for phrases in (row.phrases() for row in rows) if len(phrases) > 1]
        cache.set(key, groups, SEARCH_TTL)
    return groups


def expand_synonyms(terms: list[str], language_code: str):
    """The query with each phrase an editor listed replaced by "any of its
    synonyms": And(the other words, Or(phrase, synonym...)). None when no
    synonym applies. Also returns the synonyms' words (for highlighting)."""
    words = [t.lower() for t in terms]
    alternatives, extra = [], []
    for group in synonym_groups(language_code):
        for phrase in group:
            size = len(phrase.split())
            found = next(
                (
                    i
                    for i in range(len(words) - size + 1)
                    if " ".join(words[i : i + size]) == phrase
                ),
                None,
            )
            if found is not None:
                del words[found : found + size]
                alternatives.append(Or([PlainText(p, operator="and") for p in group]))
                extra += [w for p in group for w in p.split()]
                break
    if not alternatives:
        return None, []
    parts = ([PlainText(" ".join(words), operator="and")] if words else []) + alternatives
    return (parts[0] if len(parts) == 1 else And(parts)), extra


def vocabulary(locale: Locale) -> frozenset[str]:
    """Every word of the live articles a reader of `locale` searches (titles,
    summaries, bodies), lower case: what "did you mean" picks from. Cached
    per generation: every help page publish rebuilds it."""
    key = f"helpcenter:vocabulary:{search_generation()}:{locale.pk}"
    words = cache.get(key)
    if words is None:
        found: set[str] = set()
        for _locale, queryset in _search_sources(locale):
            for article in queryset:
                found.update(
                    w.lower() for w in WORD.findall(f"{article.title} {article_text(article)}")
                )
        words = frozenset(w for w in found if len(w) >= 3)
        cache.set(key, words, SEARCH_TTL)
    return words


def did_you_mean(terms: list[str], locale: Locale) -> str:
    """The query with each unknown word replaced by the closest word of the
    index vocabulary, or "" when nothing changes."""
    words = vocabulary(locale)
    fixed, changed = [], False
    for term in terms:
        lowered = term.lower()
        if len(lowered) >= 4 and lowered not in words:
            close = difflib.get_close_matches(lowered, words, n=1, cutoff=0.8)
            if close:
                fixed.append(close[0])
                changed = True
                continue
        fixed.append(term)
    return " ".join(fixed) if changed else ""


def search_articles(query: str, locale: Locale):
    """The search that both the instant results and the results page run, so
    they agree: one query, one ranking, one count.

    1. full text, every word, with the editors' synonyms expanded;
    2. else prefixes ("rembours" finds "remboursement"): Wagtail's autocomplete
       on titles, summaries and bodies, the last word a prefix;
    3. else any word;
    4. else "did you mean": each unknown word replaced by the closest word of
       the articles' vocabulary, and steps 1-3 again for that query.

    Returns (results, terms, suggestion): `terms` are what to highlight,
    `suggestion` the corrected query when step 4 ran ("" otherwise).

    Results are the live articles of the reader's locale, then the live
    source-language (English) articles that have no translation in it yet:
    a reader finds them marked as such (never both an article and its
    translation).

    Stemming: on PostgreSQL each part is searched with its own language's
    text-search configuration (helpcenter.search_backend: articles are indexed
    with their locale's configuration, "french" for fr...), so "remboursées"
    finds "remboursement" and "Erstattungen" finds "Erstattung". On SQLite
    (FTS5) words match whole, in any language, without stemming; prefixes
    (step 2) and "did you mean" work on both."""
    terms = search_terms(query)
    if not terms or locale is None:
        return HelpArticlePage.objects.none(), terms, ""
    sources = _search_sources(locale)

    def attempt(words):
        text = " ".join(words)
        expanded, extra = expand_synonyms(words, locale.language_code)
        results = _run(sources, expanded if expanded is not None else text, "search")
        if results.count():
            return results, [*words, *extra]
        results = _run(sources, text, "autocomplete")
        if results.count() or len(words) == 1:
            return results, words
        return _run(sources, text, "search", operator="or"), words

    results, highlighted = attempt(terms)
    if results.count():
        return results, highlighted, ""
    suggestion = did_you_mean(terms, locale)
    if suggestion:
        corrected, highlighted = attempt(search_terms(suggestion))
        if corrected.count():
            return corrected, highlighted, suggestion
    return results, terms, ""


def display_query(raw: str | None) -> str:
    """The query as the reader typed it (case kept), cleaned like normalise_query."""
    text = unicodedata.normalize("NFKC", (raw or "")[: SearchQueryLog.MAX_LENGTH * 4])
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split())[: SearchQueryLog.MAX_LENGTH].strip()


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
    outcome.hits = [
        _hit(
            article,
            locale,
            highlight(article.title, terms),
            snippet(article_text(article), terms),
        )
        for article in (articles[pk] for pk in ids if pk in articles)
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
