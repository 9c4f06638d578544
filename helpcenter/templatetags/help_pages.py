"""What the help pages list, for their templates: the page models stay free
of service imports (listing → models, never back)."""

from django import template
from django.core.cache import cache
from django.utils.translation import get_language

from ..feedback import popular_articles
from ..forms import FeedbackForm
from ..listing import (
    articles_of_category,
    breadcrumb,
    categories_with_articles,
    related_entries,
)
from ..locales import locale_for
from ..search import search_generation

register = template.Library()


@register.simple_tag
def help_categories(help_center):
    """The categories of a help home, each with its articles (fallbacks flagged)."""
    return categories_with_articles(help_center)


@register.simple_tag
def category_articles(category):
    return articles_of_category(category)


@register.simple_tag
def popular_help_articles(page, category=None):
    """The most viewed articles in the page's language (of one category if given)."""
    return popular_articles(page.locale, category=category)


@register.simple_tag(takes_context=True)
def related_articles(context, article):
    """Related articles in the reader's language, else their source text."""
    request = context.get("request")
    language = getattr(request, "LANGUAGE_CODE", "") or get_language()
    return related_entries(article, locale_for(language) or article.locale)


@register.simple_tag
def feedback_form():
    return FeedbackForm()


@register.simple_tag(takes_context=True)
def help_breadcrumb(context, page):
    """Every level above a help page (help home, category), in the reader's
    language where translated: [{"title", "url"}], the page itself last (no url)."""
    request = context.get("request")
    language = getattr(request, "LANGUAGE_CODE", "") or get_language()
    locale = locale_for(language) or page.locale
    # Cached until a help page is published (the search generation).
    key = f"helpcenter:breadcrumb:{search_generation()}:{page.pk}:{locale.pk}"
    crumbs = cache.get(key)
    if crumbs is None:
        crumbs = breadcrumb(page, locale, request)
        cache.set(key, crumbs, 60 * 60)
    return crumbs
