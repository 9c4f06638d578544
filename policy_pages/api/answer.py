"""The answer to a policy query, and its cached rendering, shared by the JSON
API and the HTML embeds: both answer the same question from the same
parameters, and are invalidated together when a version is published.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from ..cache import policy_cache_generation
from ..http import apply_cors, etag_matches, make_etag, not_modified, set_public_cache
from ..presentation import one_line_summary
from ..prose import render_text
from ..read_check import VersionTampered, check_served
from ..rules import PolicyRules
from ..services import text_for
from ..timeline import policy_in_force
from ..versions import PolicyVersion, PolicyVersionMarket
from .query import POLICY_KIND, PolicyQuery

HTTP_MAX_AGE = 300  # what browsers and CDNs may keep without asking again
ANSWER_TTL = 3600  # the server cache; a publish makes entries unreachable sooner
NOT_FOUND_MAX_AGE = 60


# --- the answer ----------------------------------------------------------------


@dataclass(frozen=True)
class PolicyAnswer:
    """The version in force for a query, with what a page needs to link it."""

    version: PolicyVersion
    rules: PolicyRules
    title: str
    title_lang: str
    is_fallback: bool  # no text in the requested language: the source text's title
    permalink: str | None
    summary: str
    description: str | None = None  # the version's own summary, its rule values filled in


def find_answer(request: HttpRequest, query: PolicyQuery) -> PolicyAnswer | None:
    """The answer in `query.lang`; call with that language active."""
    at = query.at or timezone.now()
    version = policy_in_force(query.market, query.seller, query.category, at, kind=POLICY_KIND)
    if version is None:
        return None
    check_served(version)  # raises VersionTampered: never serve an altered version
    codes = _locale_codes()
    locale_id = next((pk for pk, code in codes.items() if code == query.lang), None)
    page = _page_in_locale(version.policy, locale_id)
    prefetch_related_objects([version], "texts")  # the title and the description read them
    title, title_locale_id, is_fallback = _title(version, locale_id)
    rules = version.rules
    return PolicyAnswer(
        version=version,
        rules=rules,
        title=title,
        title_lang=codes.get(title_locale_id, query.lang),
        is_fallback=is_fallback,
        permalink=_permalink(request, page, version.number),
        summary=one_line_summary(rules, query.category_path),
        description=_description(version, locale_id, rules),
    )


def _locale_codes() -> dict[int, str]:
    from wagtail.models import Locale

    return dict(Locale.objects.values_list("pk", "language_code"))


def _page_in_locale(source, locale_id: int | None):
    """The live translation of the policy page in that locale, else the source page."""
    from ..models import PolicyPage

    if locale_id is None or locale_id == source.locale_id:
        return source
    translated = (
        PolicyPage.objects.live()
        .filter(translation_key=source.translation_key, locale_id=locale_id)
        .first()
    )
    return translated or source


def _title(version: PolicyVersion, locale_id: int | None) -> tuple[str, int, bool]:
    """(title, its locale id, is_fallback): the version's own text, not the
    page's current title, since the page may have moved on since."""
    localized = text_for(version, locale_id) if locale_id is not None else None
    if localized is None or localized.text is None:
        return version.policy.title, version.policy.locale_id, True
    return localized.text.title, localized.text.locale_id, localized.is_fallback


def _description(version: PolicyVersion, locale_id: int | None, rules: PolicyRules) -> str | None:
    """The summary its editors wrote, in the title's language, with the version's
    rule values formatted in the requested language (prose.py)."""
    localized = text_for(version, locale_id) if locale_id is not None else None
    summary = localized.text.summary if localized and localized.text else ""
    return render_text(summary, rules) if summary else None


def _permalink(request: HttpRequest, page, number: int) -> str | None:
    url = page.get_url(request)
    if not url:  # the page is not under any site
        return None
    return request.build_absolute_uri(url + page.reverse_subpage("version", args=[number]))


def next_change(query: PolicyQuery) -> datetime | None:
    """When the answer for "now" changes by itself: the next scheduled version
    for the market and seller. No publish happens then, so no cache bump."""
    sellers = [query.seller, ""] if query.seller else [""]
    return (
        PolicyVersionMarket.objects.filter(
            market=query.market,
            kind=POLICY_KIND,
            seller_ref__in=sellers,
            effective_from__gt=timezone.now(),
            superseded_by__isnull=True,
        )
        .order_by("effective_from")
        .values_list("effective_from", flat=True)
        .first()
    )


# --- cached rendering, shared with the embeds -----------------------------------


@dataclass(frozen=True)
class Rendered:
    """A rendered answer as it is cached: body and validators, no per-request headers."""

    status: int
    body: str
    content_type: str
    lang: str
    etag: str | None = None
    expires_at: float | None = None  # epoch seconds; None: only a publish changes it

    def max_age(self, ceiling: int) -> int:
        if self.expires_at is None:
            return ceiling
        return max(0, min(ceiling, int(self.expires_at - time.time())))


Renderer = Callable[[HttpRequest, PolicyQuery, "PolicyAnswer | None"], tuple[int, str]]


def render_cached(
    request: HttpRequest, query: PolicyQuery, variant: str, render: Renderer, content_type: str
) -> Rendered:
    """The rendered answer from the cache, or rendered now and cached.

    The key carries the policy cache generation, which every publish bumps:
    a warm request reads the generation and the entry, and touches no table.
    """
    key = _cache_key(request, query, variant, policy_cache_generation())
    hit = cache.get(key)
    if hit is not None and (hit.expires_at is None or hit.expires_at > time.time()):
        return hit
    with translation.override(query.lang):
        try:
            answer = find_answer(request, query)
        except VersionTampered:
            return _refused(query, content_type)  # never cached: the next run may differ
        status, body = render(request, query, answer)
    changes_at = next_change(query) if query.at is None else None
    rendered = Rendered(
        status=status,
        body=body,
        content_type=content_type,
        lang=query.lang,
        etag=make_etag(key, answer.version.hash) if answer else None,
        expires_at=changes_at.timestamp() if changes_at else None,
    )
    timeout = ANSWER_TTL if changes_at is None else rendered.max_age(ANSWER_TTL)
    if timeout > 0:
        cache.set(key, rendered, timeout)
    return rendered


def _refused(query: PolicyQuery, content_type: str) -> Rendered:
    """503 in the API's error envelope, or the embed's message fragment."""
    from django.template.loader import render_to_string

    from core.api.errors import ErrorCode, error_body

    message = translation.gettext(
        "This policy version cannot be shown: it failed its integrity check."
    )
    if content_type == "application/json":
        body = json.dumps(
            error_body(503, ErrorCode.INTEGRITY, message, query=query.echo()), ensure_ascii=False
        )
    else:
        context = {"lang": query.lang, "message": message, "errors": {}, "stylesheet": ""}
        body = render_to_string("policy_pages/embed/message.html", context)
    return Rendered(status=503, body=body, content_type=content_type, lang=query.lang)


def _cache_key(request: HttpRequest, query: PolicyQuery, variant: str, generation: int) -> str:
    # Absolute permalinks depend on the host the request came to.
    parts = (variant, request.scheme, request.get_host(), *query.cache_parts())
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"policy_pages:answer:{generation}:{digest}"


def respond(request: HttpRequest, rendered: Rendered) -> HttpResponse:
    """The HTTP response for a rendered answer: cache headers, ETag, 304, CORS."""
    response = HttpResponse(
        rendered.body, status=rendered.status, content_type=rendered.content_type
    )
    response["Content-Language"] = rendered.lang
    if rendered.status == 503:
        response["Cache-Control"] = "no-store"
        return apply_cors(request, response)
    if rendered.etag:
        response["ETag"] = rendered.etag
        set_public_cache(response, rendered.max_age(HTTP_MAX_AGE))
    else:
        set_public_cache(response, rendered.max_age(NOT_FOUND_MAX_AGE))
    apply_cors(request, response)
    if rendered.etag and etag_matches(request, rendered.etag):
        return apply_cors(request, not_modified(response))
    return response


def not_found_message() -> str:
    return translation.gettext("No return policy applies to this market and seller at this date.")
