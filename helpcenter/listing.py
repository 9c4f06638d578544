"""What the help pages list: the articles of each category, related articles
and their addresses, in the reader's language with a fallback to the source
language (flagged "not translated yet"). The pages' templates read them
through helpcenter/templatetags/help_pages.py."""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from wagtail.models import Locale, Page

from .locales import default_locale
from .models import HelpArticlePage, HelpArticleRelated, HelpCategoryPage, HelpCenterPage

STEPLEN = Page.steplen


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


def breadcrumb(page, locale: Locale, request=None) -> list[dict]:
    """The help home and categories above `page`, then `page` (without url).
    An article shown in its source language inside another language's site
    (not translated yet) gets that site's home and category where they exist."""
    ancestors = list(
        Page.objects.ancestor_of(page)
        .type(HelpCenterPage, HelpCategoryPage)
        .order_by("depth")
        .only("pk", "translation_key", "locale_id", "title", "url_path")
    )
    translated = {}
    if ancestors and locale.pk != page.locale_id:
        translated = {
            p.translation_key: p
            for p in Page.objects.live()
            .filter(translation_key__in=[a.translation_key for a in ancestors], locale=locale)
            .only("pk", "translation_key", "locale_id", "title", "url_path")
        }
    items = []
    for ancestor in ancestors:
        shown = translated.get(ancestor.translation_key, ancestor)
        items.append({"title": shown.title, "url": shown.get_url(request)})
    return [*items, {"title": page.title, "url": ""}]
