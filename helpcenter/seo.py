"""Search-engine metadata of help pages: hreflang alternates, JSON-LD."""

from __future__ import annotations

from django.conf import settings

from policy_pages.jsonld import ld_json_script


def alternates(page, request=None) -> list[dict]:
    """Every live translation of the page: [{"lang", "url"}], in LANGUAGES order."""
    order = [code for code, _ in settings.LANGUAGES]
    links = []
    for translated in page.get_translations(inclusive=True).live().select_related("locale"):
        url = translated.get_full_url(request)
        if url:
            links.append({"lang": translated.locale.language_code, "url": url})
    return sorted(
        links, key=lambda link: order.index(link["lang"]) if link["lang"] in order else 99
    )


def article_jsonld(article, request=None):
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.title[:110],
        "description": article.search_description or article.summary,
        "inLanguage": article.locale.language_code,
        "url": article.get_full_url(request),
        "mainEntityOfPage": article.get_full_url(request),
        "publisher": {"@type": "Organization", "name": settings.WAGTAIL_SITE_NAME},
    }
    if article.first_published_at:
        data["datePublished"] = article.first_published_at.isoformat()
    if article.last_published_at:
        data["dateModified"] = article.last_published_at.isoformat()
    return ld_json_script(data)
