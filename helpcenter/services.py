"""Help center operations: listings with language fallback, search with
highlighted snippets and analytics, votes, view counts, clause citations,
and the contact desk. Views, the admin, tasks and the seeder call these."""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
import time
import unicodedata
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale, Page

from policy_pages.services import latest_version, source_policy_page, text_for, version_in_force

from .models import (
    ArticleDailyViews,
    ArticleFeedback,
    HelpArticlePage,
    HelpArticleRelated,
    HelpCategoryPage,
    ReferenceCounter,
    SearchQueryLog,
    SuggestionOpen,
    SupportAttachment,
    SupportReply,
    SupportRequest,
    SupportStatus,
)
from .search_backend import full_text_plan, search_language

logger = logging.getLogger(__name__)
STEPLEN = Page.steplen


LOCALE_KEY = "helpcenter:locale:{}"


def locale_for(language_code: str | None) -> Locale | None:
    """The Locale of a language code, cached: locales almost never change."""
    if not language_code:
        return None
    key = LOCALE_KEY.format(language_code)
    locale = cache.get(key)
    if locale is None:
        locale = Locale.objects.filter(language_code=language_code).first()
        if locale is not None:
            cache.set(key, locale, 60 * 60)
    return locale


def locale_for_id(locale_id: int) -> Locale | None:
    for code, _name in settings.LANGUAGES:
        locale = locale_for(code)
        if locale is not None and locale.pk == locale_id:
            return locale
    return None


def default_locale() -> Locale:
    return locale_for(settings.LANGUAGE_CODE) or Locale.get_default()


# --- listings with fallback to the source language ------------------------------------


@dataclass(frozen=True)
class ArticleEntry:
    page: HelpArticlePage
    url: str
    is_fallback: bool  # shown in the source language: not translated yet

    @property
    def title(self):
        return self.page.title

    @property
    def summary(self):
        return self.page.summary

    @property
    def language(self):
        return self.page.locale.language_code


def fallback_url(article: HelpArticlePage, language_code: str | None = None) -> str:
    """The article in the site of `language_code` (default: the active
    language): /de/support/articles/<key>/ shows the source text with a
    notice until a translation is published."""
    with translation.override(language_code or translation.get_language()):
        return reverse("helpcenter:article", args=[article.translation_key])


def _children_of(parents) -> Q:
    return reduce(
        or_, (Q(path__startswith=p.path, depth=p.depth + 1) for p in parents), Q(pk__in=[])
    )


def articles_by_category(categories: list[HelpCategoryPage], locale: Locale) -> dict[int, list]:
    """Live articles of each category in `locale`, then the source-language
    articles that have no live translation in it (flagged). Three queries."""
    result: dict[int, list[ArticleEntry]] = {c.pk: [] for c in categories}
    if not categories:
        return result
    by_path = {c.path: c for c in categories}
    local = (
        HelpArticlePage.objects.live()
        .filter(_children_of(categories))
        .defer_streamfields()
        .select_related("locale")
        .order_by("path")
    )
    for article in local:
        parent = by_path.get(article.path[:-STEPLEN])
        if parent is not None:
            result[parent.pk].append(ArticleEntry(article, article.url, False))
    source_locale = default_locale()
    if locale.pk == source_locale.pk:
        return result
    local_by_key = {c.translation_key: c for c in categories}
    source_categories = HelpCategoryPage.objects.live().filter(
        locale=source_locale, translation_key__in=local_by_key
    )
    source_by_path = {s.path: local_by_key[s.translation_key] for s in source_categories}
    if not source_by_path:
        return result
    translated = HelpArticlePage.objects.live().filter(locale=locale).values("translation_key")
    fallbacks = (
        HelpArticlePage.objects.live()
        .filter(_children_of(list(source_categories)))
        .exclude(translation_key__in=translated)
        .defer_streamfields()
        .select_related("locale")
        .order_by("path")
    )
    for article in fallbacks:
        parent = source_by_path.get(article.path[:-STEPLEN])
        if parent is not None:
            result[parent.pk].append(ArticleEntry(article, fallback_url(article), True))
    return result


def articles_of_category(category: HelpCategoryPage) -> list[ArticleEntry]:
    return articles_by_category([category], category.locale)[category.pk]


def categories_with_articles(help_center) -> list[dict]:
    categories = list(HelpCategoryPage.objects.child_of(help_center).live().order_by("path"))
    articles = articles_by_category(categories, help_center.locale)
    return [{"page": c, "articles": articles[c.pk]} for c in categories]


def related_entries(article: HelpArticlePage, locale: Locale) -> list[ArticleEntry]:
    """Related articles in the reader's locale, else their source text. Two queries."""
    keys = list(
        HelpArticleRelated.objects.filter(page=article)
        .order_by("sort_order")
        .values_list("article__translation_key", flat=True)
    )
    if not keys:
        return []
    pages = (
        HelpArticlePage.objects.live()
        .filter(translation_key__in=keys, locale__in=[locale, default_locale()])
        .defer_streamfields()
        .select_related("locale")
    )
    found: dict = {}
    for page in pages:
        if page.locale_id == locale.pk or page.translation_key not in found:
            found[page.translation_key] = page
    entries = []
    for key in keys:
        page = found.get(key)
        if page is None:
            continue
        own = page.locale_id == locale.pk
        entries.append(ArticleEntry(page, page.url if own else fallback_url(page), not own))
    return entries


def article_context(article: HelpArticlePage, request) -> dict:
    from .seo import alternates, article_jsonld

    reader_locale = locale_for(getattr(request, "LANGUAGE_CODE", "")) or article.locale
    from policy_pages.cache import policy_cache_generation

    links = alternates(article, request)
    return {
        "policy_generation": policy_cache_generation(),
        "is_fallback": False,
        "related": related_entries(article, reader_locale),
        "alternates": links,
        "canonical_url": article.get_full_url(request),
        "jsonld": article_jsonld(article, request),
        "content_language": (locale_for_id(article.locale_id) or reader_locale).language_code,
    }


# --- policy clause citations -----------------------------------------------------------


def clause_exists(policy, anchor: str) -> bool:
    source = source_policy_page(policy)
    if anchor in source.clause_anchors():
        return True
    version = latest_version(source)
    if version is None:
        return False
    text = text_for(version, source.locale_id)
    return bool(text and text.text.clause(anchor))


@dataclass(frozen=True)
class Citation:
    anchor: str
    heading: str
    html: SafeString
    policy_title: str
    version_number: int
    effective_from: datetime.datetime
    url: str
    is_fallback: bool
    language: str


def cited_clause(policy, anchor: str, language_code: str) -> Citation | None:
    """The cited clause as the version in force states it, in the reader's
    language (or the source text, flagged). None if the policy has no version
    in force or the clause no longer exists."""
    if policy is None:
        return None
    source = source_policy_page(policy.specific)
    version = version_in_force(source)
    if version is None:
        return None
    locale = locale_for(language_code) or source.locale
    localized = text_for(version, locale.pk)
    clause = localized.text.clause(anchor) if localized else None
    if clause is None:
        return None
    page = source.get_translation_or_none(locale) or source
    url = page.url or ""
    return Citation(
        anchor=anchor,
        heading=clause["heading"],
        html=mark_safe(clause["html"]),  # noqa: S308 - stored from the policy's rich text
        policy_title=localized.text.title,
        version_number=version.number,
        effective_from=version.effective_from,
        url=f"{url}#clause-{anchor}" if url else "",
        is_fallback=localized.is_fallback,
        language=localized.text.locale.language_code,
    )


CHANGE_LABELS = {"changed": _("Changed"), "removed": _("Removed")}


@dataclass
class ChangedCitation:
    article: HelpArticlePage
    policy_title: str
    anchor: str
    cited_version: int | None
    changed_in: int
    change: str  # "changed" or "removed"
    effective_from: datetime.datetime

    @property
    def language(self):
        return self.article.locale.language_code

    @property
    def in_force(self) -> bool:
        return self.effective_from <= timezone.now()

    @property
    def pk(self) -> int:  # admin tables link rows by pk: the article's
        return self.article.pk

    @property
    def change_label(self):
        return CHANGE_LABELS[self.change]


def _source_clause(version, source, anchor, memo):
    key = (version.pk, anchor)
    if key not in memo:
        text = text_for(version, source.locale_id)
        memo[key] = text.text.clause(anchor) if text else None
    return memo[key]


def changed_citations() -> list[ChangedCitation]:
    """Articles whose cited clause was changed or removed by a version newer
    than the one in force when the article was last published: the version
    in force now, and the latest (possibly scheduled) one."""
    rows = []
    memo: dict = {}
    sources: dict = {}
    articles = HelpArticlePage.objects.live().select_related("locale").order_by("path")
    for article in articles:
        for block in article.body:
            if block.block_type != "policy_clause" or block.value["policy"] is None:
                continue
            policy, anchor = block.value["policy"], block.value["anchor"]
            if policy.pk not in sources:
                source = source_policy_page(policy.specific)
                sources[policy.pk] = (source, version_in_force(source), latest_version(source))
            source, current, newest = sources[policy.pk]
            cited = version_in_force(source, at=article.last_published_at)
            baseline = _source_clause(cited, source, anchor, memo) if cited else None
            seen = set()
            # The version in force, then the latest (maybe scheduled): each is
            # compared with what the reader was last told.
            for target in (current, newest):
                if target is None or target.pk in seen:
                    continue
                seen.add(target.pk)
                if cited is not None and target.number <= cited.number:
                    continue
                now_clause = _source_clause(target, source, anchor, memo)
                if now_clause is None:
                    change = "removed"
                elif baseline is None or (
                    (now_clause["heading"], now_clause["html"])
                    != (baseline["heading"], baseline["html"])
                ):
                    change = "changed"
                else:
                    continue
                baseline = now_clause
                rows.append(
                    ChangedCitation(
                        article=article,
                        policy_title=source.title,
                        anchor=anchor,
                        cited_version=cited.number if cited else None,
                        changed_in=target.number,
                        change=change,
                        effective_from=target.effective_from,
                    )
                )
    return rows


def stale_articles(today: datetime.date | None = None):
    today = today or timezone.localdate()
    return (
        HelpArticlePage.objects.live()
        .filter(review_by__lt=today)
        .select_related("locale", "content_owner")
        .defer_streamfields()
        .order_by("review_by", "path")
    )


# --- search -------------------------------------------------------------------------------

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


def search_articles(query: str, locale: Locale):
    """Wagtail search: every word first; if nothing matches, any word.

    Results are the live articles of the reader's locale, then the live
    source-language (English) articles that have no translation in it yet:
    a reader finds them marked as such (never both an article and its
    translation).

    Stemming: on PostgreSQL each part is searched with its own language's
    text-search configuration (helpcenter.search_backend: articles are indexed
    with their locale's configuration, "french" for fr...), so "remboursées"
    finds "remboursement" and "Erstattungen" finds "Erstattung". On SQLite
    (FTS5) words match whole, in any language, without stemming."""
    terms = search_terms(query)
    if not terms or locale is None:
        return HelpArticlePage.objects.none(), terms
    text = " ".join(terms)
    sources = _search_sources(locale)

    def run(operator):
        parts = []
        for part_locale, queryset in sources:
            with search_language(part_locale.language_code):
                # Ranked on ids alone: sorting a thousand matches carries no page
                # bodies along; the page shown is then loaded whole (_search_page).
                parts.append(queryset.only("id").search(text, operator=operator))
        if len(parts) == 1:
            return parts[0]
        return ChainedResults([parts[0], *(WithoutNestedLoops(part) for part in parts[1:])])

    results = run("and")
    if len(terms) > 1 and results.count() == 0:
        results = run("or")
    return results, terms


def run_search(raw_query, language_code: str, page_number=1, per_page: int = 10) -> SearchOutcome:
    """A page of results, highlighted. Cached briefly per query, language and
    page under a generation that every help page publish bumps."""
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
    return outcome


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
    results, terms = search_articles(query, locale)
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


def instant_results(raw_query, language_code: str, limit: int = 5) -> SearchOutcome:
    """As-you-type results: prefix matching on titles and summaries, in the
    reader's language first, then untranslated source-language articles."""
    query = normalise_query(raw_query)
    outcome = SearchOutcome(query=query)
    terms = search_terms(query)
    locale = locale_for(language_code)
    if not terms or locale is None:
        return outcome
    pages: list[HelpArticlePage] = []
    for _locale, queryset in _search_sources(locale):
        if len(pages) >= limit:
            break
        pages += list(queryset.autocomplete(" ".join(terms))[: limit - len(pages)])
    outcome.total = len(pages)
    outcome.hits = [
        _hit(page, locale, highlight(page.title, terms), highlight(page.summary, terms))
        for page in pages
    ]
    return outcome


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


# --- feedback -------------------------------------------------------------------------------


def voter_of(request) -> dict:
    """Who votes: the user when signed in, else the session (created if need be)."""
    if request.user.is_authenticated:
        return {"user": request.user, "session_key": ""}
    if not request.session.session_key:
        request.session.save()
    return {"user": None, "session_key": request.session.session_key}


def record_vote(article, voter: dict, helpful: bool, reason: str = "", comment: str = ""):
    """One vote per voter per article: the first vote counts. A "No" vote may
    be completed once with a reason and a comment. Returns (vote, created)."""
    lookup = {"article": article, **voter}
    try:
        with transaction.atomic():
            vote, created = ArticleFeedback.objects.get_or_create(
                **lookup,
                defaults={"helpful": helpful, "reason": reason, "comment": comment.strip()},
            )
    except IntegrityError:  # a concurrent first vote won
        vote, created = ArticleFeedback.objects.get(**lookup), False
    completes = not created and not vote.helpful and not (vote.reason or vote.comment)
    if completes and (reason or comment.strip()):
        vote.reason, vote.comment = reason, comment.strip()
        vote.save(update_fields=["reason", "comment"])
    return vote, created


# --- views and popularity --------------------------------------------------------------

VIEW_KEY = "helpcenter:views:{}"
POPULAR_TTL = 10 * 60


def record_view(article_id: int) -> None:
    """Count a page view in the cache: no database write per view."""
    key = VIEW_KEY.format(article_id)
    try:
        cache.incr(key)
    except ValueError:
        if not cache.add(key, 1, None):
            cache.incr(key)


def flush_views(day: datetime.date | None = None) -> int:
    """Move the buffered counts into the daily table (Celery beat). The cached
    counter is decremented by what was written, so views counted meanwhile stay."""
    day = day or timezone.localdate()
    ids = list(HelpArticlePage.objects.values_list("pk", flat=True))
    counts = cache.get_many([VIEW_KEY.format(pk) for pk in ids])
    flushed = 0
    for key, views in counts.items():
        if not views:
            continue
        article_id = int(key.rsplit(":", 1)[1])
        with transaction.atomic():
            row, created = ArticleDailyViews.objects.get_or_create(
                article_id=article_id, day=day, defaults={"views": views}
            )
            if not created:
                ArticleDailyViews.objects.filter(pk=row.pk).update(views=F("views") + views)
        cache.decr(key, views)
        flushed += views
    return flushed


def popular_articles(locale: Locale, category=None, limit: int = 5, days: int = 30) -> list[dict]:
    """The most viewed live articles of the last `days` days, cached briefly."""
    today = timezone.localdate()
    key = f"helpcenter:popular:{locale.pk}:{category.pk if category else 0}:{limit}:{today}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    rows = ArticleDailyViews.objects.filter(
        day__gt=today - datetime.timedelta(days=days),
        article__locale=locale,
        article__live=True,
    )
    if category is not None:
        rows = rows.filter(article__path__startswith=category.path)
    top = list(
        rows.values("article").annotate(total=Sum("views")).order_by("-total", "article")[:limit]
    )
    pages = HelpArticlePage.objects.defer_streamfields().in_bulk([r["article"] for r in top])
    result = [
        {"title": pages[r["article"]].title, "url": pages[r["article"]].url, "views": r["total"]}
        for r in top
        if r["article"] in pages
    ]
    cache.set(key, result, POPULAR_TTL)
    return result


# --- contact desk -----------------------------------------------------------------------------


def next_reference(now: datetime.datetime | None = None) -> str:
    """SR-<year>-<6 digits>, from a per-year counter row locked for update."""
    year = timezone.localtime(now or timezone.now()).year
    with transaction.atomic():
        try:
            with transaction.atomic():
                ReferenceCounter.objects.get_or_create(year=year)
        except IntegrityError:
            pass
        counter = ReferenceCounter.objects.select_for_update().get(year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
    return f"SR-{year}-{counter.last:06d}"


def create_support_request(
    *,
    user,
    email: str,
    language: str,
    topic: str,
    order_reference: str,
    message: str,
    images=(),
    suggestions_opened=(),
) -> SupportRequest:
    """Save the request and its attachments as one unit, then (after commit)
    email the buyer an acknowledgement in their language."""
    from .tasks import send_acknowledgement

    written = []
    try:
        with transaction.atomic():
            support = SupportRequest.objects.create(
                reference=next_reference(),
                user=user if user is not None and user.is_authenticated else None,
                email=email,
                language=language,
                topic=topic,
                order_reference=order_reference,
                message=message,
                suggestions_opened=list(suggestions_opened),
            )
            for image in images:
                attachment = SupportAttachment(
                    request=support,
                    original_name=image.original_name,
                    content_type=image.content_type,
                    size=len(image.content),
                )
                attachment.file.save(image.stored_name, ContentFile(image.content), save=False)
                written.append(attachment.file)
                attachment.save()
            transaction.on_commit(lambda: send_acknowledgement.delay(support.pk))
    except Exception:
        for stored in written:  # nothing half-saved: no orphan files either
            stored.storage.delete(stored.name)
        raise
    logger.info("Support request %s received", support.reference)
    return support


def add_reply(
    support: SupportRequest, author, body: str, status: str | None = None
) -> SupportReply:
    """A staff reply, emailed to the buyer after commit."""
    from .tasks import send_reply

    with transaction.atomic():
        reply = SupportReply.objects.create(request=support, author=author, body=body.strip())
        new_status = status or SupportStatus.WAITING
        if status is None and support.status == SupportStatus.SOLVED:
            new_status = SupportStatus.SOLVED
        if support.status != new_status:
            support.status = new_status
            support.save(update_fields=["status", "updated_at"])
        transaction.on_commit(lambda: send_reply.delay(reply.pk))
    return reply
