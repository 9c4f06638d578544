"""The policy API: which policy version governs a market, seller and category
at a date, for product and checkout pages.

The query parsing, the lookup and the cached rendering here are shared with
the HTML embeds (embed.py): both answer the same question from the same
parameters, and are invalidated together when a version is published.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .cache import policy_cache_generation
from .http import (
    SAFE_METHODS,
    apply_cors,
    etag_matches,
    make_etag,
    not_modified,
    preflight,
    set_public_cache,
)
from .markets import normalize_market
from .presentation import one_line_summary
from .rules import PolicyRules
from .services import text_for
from .versions import PolicyVersion, PolicyVersionMarket, policy_in_force

DEFAULT_LANG = "en"
POLICY_KIND = "return"  # product and checkout pages link the return policy
CATEGORY_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# A seller reference is an opaque identifier: no spaces or control characters.
SELLER_RE = re.compile(r"[^\s\x00-\x1f\x7f]{1,64}")
MAX_AT_LENGTH = 64
HTTP_MAX_AGE = 300  # what browsers and CDNs may keep without asking again
ANSWER_TTL = 3600  # the server cache; a publish makes entries unreachable sooner
NOT_FOUND_MAX_AGE = 60


def languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


# --- categories ----------------------------------------------------------------

# policy_pages must not import the marketplace. By default any well-formed
# code is accepted and stands alone; the shell (core) can plug in the
# marketplace's category tree with `set_category_resolver`, which turns
# unknown codes into 400s and lets a parent category's override apply.
CategoryResolver = Callable[[str], "tuple[str, ...] | None"]


def _code_alone(code: str) -> tuple[str, ...] | None:
    return (code,)


_category_resolver: CategoryResolver = _code_alone


def set_category_resolver(resolver: CategoryResolver | None) -> None:
    """Install a function mapping a category code to its path, root first
    (e.g. "shirts" -> ("apparel", "shirts")), or to None when unknown."""
    global _category_resolver  # one process-wide hook, set once at start-up
    _category_resolver = resolver or _code_alone


# --- parsing -------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyQuery:
    market: str
    seller: str = ""
    category: str = ""
    category_path: tuple[str, ...] = ()
    at: datetime | None = None  # aware, UTC; None means "now"
    lang: str = DEFAULT_LANG

    def cache_parts(self) -> tuple[str, ...]:
        at = self.at.isoformat() if self.at else ""
        return (self.market, self.seller, "/".join(self.category_path), at, self.lang)

    def echo(self) -> dict:
        return {
            "market": self.market,
            "seller": self.seller or None,
            "category": self.category or None,
            "at": self.at.isoformat() if self.at else None,
            "lang": self.lang,
        }


def parse_policy_query(
    params: Mapping[str, str],
) -> tuple[PolicyQuery | None, dict[str, list[str]], str]:
    """Validate the query parameters of the API and the embeds.

    Returns (query, errors, lang): errors maps each bad parameter to its
    messages, already translated into `lang` (the requested language when it
    is valid, else the default), and query is None when there are errors.
    """
    lang, lang_ok = _parse_lang(params.get("lang"))
    with translation.override(lang):
        lang_error = None if lang_ok else lang_error_message()
        market, market_error = _parse_market(params.get("market"))
        seller, seller_error = _parse_seller(params.get("seller"))
        category_path, category_error = _parse_category(params.get("category"))
        at, at_error = _parse_at(params.get("at"))
        errors = {
            field: [str(message)]
            for field, message in (
                ("market", market_error),
                ("seller", seller_error),
                ("category", category_error),
                ("at", at_error),
                ("lang", lang_error),
            )
            if message
        }
    if errors:
        return None, errors, lang
    query = PolicyQuery(
        market=market,
        seller=seller,
        category=category_path[-1] if category_path else "",
        category_path=category_path,
        at=at,
        lang=lang,
    )
    return query, {}, lang


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _parse_lang(raw: str | None) -> tuple[str, bool]:
    """The language to answer in, and whether the parameter was valid (an
    invalid one is reported in the default language)."""
    if _blank(raw):
        return DEFAULT_LANG, True
    # Accept "fr", "FR", "fr-FR" and "fr_BE": the primary subtag decides.
    code = raw.strip().lower().replace("_", "-").split("-")[0]
    if code in languages():
        return code, True
    return DEFAULT_LANG, False


def lang_error_message() -> str:
    return _("Use one of these language codes: %(codes)s.") % {"codes": ", ".join(languages())}


def _parse_market(raw: str | None) -> tuple[str, str | None]:
    if _blank(raw):
        return "", _("This parameter is required.")
    market = normalize_market(raw[:8])
    if market is None:
        return "", _(
            "Unknown market: use the ISO 3166-1 code of an EU country or the United Kingdom, "
            "such as FR, DE or GB."
        )
    return market, None


def _parse_seller(raw: str | None) -> tuple[str, str | None]:
    if _blank(raw):
        return "", None
    seller = raw.strip()
    if not SELLER_RE.fullmatch(seller):
        return "", _("Use the seller's reference: at most 64 characters, without spaces.")
    return seller, None


def _parse_category(raw: str | None) -> tuple[tuple[str, ...], str | None]:
    if _blank(raw):
        return (), None
    code = raw.strip()
    if not CATEGORY_RE.fullmatch(code):
        return (), _(
            "Use a category code such as apparel: lowercase letters, digits, hyphens and "
            "underscores."
        )
    path = _category_resolver(code)
    if not path:
        return (), _("Unknown category.")
    return tuple(path), None


def _parse_at(raw: str | None) -> tuple[datetime | None, str | None]:
    if _blank(raw):
        return None, None
    malformed = _("Use an ISO 8601 date and time with a time zone, such as 2026-05-01T10:00:00Z.")
    text = raw.strip()
    if len(text) > MAX_AT_LENGTH:
        return None, malformed
    parsed = _fromisoformat(text)
    if parsed is None:
        return None, malformed
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None, _("Include a time zone, such as Z or +02:00.")
    try:
        return parsed.astimezone(UTC), None
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00
        return None, _("This date is out of range.")


def _fromisoformat(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    # An unencoded "+02:00" arrives as " 02:00" (a "+" in a query string is a space).
    head, _sep, offset = text.rpartition(" ")
    if head and re.fullmatch(r"\d{2}(:?\d{2})?", offset):
        try:
            return datetime.fromisoformat(f"{head}+{offset}")
        except ValueError:
            return None
    return None


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


def find_answer(request: HttpRequest, query: PolicyQuery) -> PolicyAnswer | None:
    """The answer in `query.lang`; call with that language active."""
    at = query.at or timezone.now()
    version = policy_in_force(query.market, query.seller, query.category, at, kind=POLICY_KIND)
    if version is None:
        return None
    codes = _locale_codes()
    locale_id = next((pk for pk, code in codes.items() if code == query.lang), None)
    page = _page_in_locale(version.policy, locale_id)
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
    )


def _locale_codes() -> dict[int, str]:
    from wagtail.models import Locale

    return dict(Locale.objects.values_list("pk", "language_code"))


def _page_in_locale(source, locale_id: int | None):
    """The live translation of the policy page in that locale, else the source page."""
    from .models import PolicyPage

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
        answer = find_answer(request, query)
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
    if rendered.etag:
        response["ETag"] = rendered.etag
        set_public_cache(response, rendered.max_age(HTTP_MAX_AGE))
    else:
        set_public_cache(response, rendered.max_age(NOT_FOUND_MAX_AGE))
    apply_cors(request, response)
    if rendered.etag and etag_matches(request, rendered.etag):
        return apply_cors(request, not_modified(response))
    return response


# --- the JSON API ---------------------------------------------------------------


def answer_data(query: PolicyQuery, answer: PolicyAnswer) -> dict:
    version = answer.version
    return {
        "policy": version.policy.slug,
        "kind": version.kind,
        "version": version.number,
        "effective_from": version.effective_from.astimezone(UTC).isoformat(),
        "hash": version.hash,
        "lang": query.lang,
        "title": answer.title,
        "title_lang": answer.title_lang,
        "fallback": answer.is_fallback,
        "summary": answer.summary,
        "permalink": answer.permalink,
        "seller": version.seller_ref or None,
        "markets": list(answer.rules.markets),
        "rules": json.loads(version.rules_json),
        "query": query.echo(),
    }


def not_found_message() -> str:
    return _("No return policy applies to this market and seller at this date.")


def _render_json(request, query, answer) -> tuple[int, str]:
    if answer is None:
        return 404, _json({"detail": not_found_message(), "query": query.echo()})
    return 200, _json(answer_data(query, answer))


def _json(data: dict) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)


# GET only: nothing here changes state, so there is no CSRF to protect, and
# exempting lets other methods get an honest 405 rather than a CSRF 403.
@csrf_exempt
@require_http_methods(SAFE_METHODS)
def in_force(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return preflight(request)
    query, errors, lang = parse_policy_query(request.GET)
    if errors:
        response = JsonResponse(
            {"errors": errors},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
        response["Content-Language"] = lang
        response["Cache-Control"] = "no-cache"
        return apply_cors(request, response)
    rendered = render_cached(request, query, "api", _render_json, "application/json")
    return respond(request, rendered)


# --- OpenAPI -------------------------------------------------------------------

# Other endpoints join the document by adding to PATHS (keyed by the path
# under /api/v1) and to COMPONENTS; openapi_document() assembles a copy.
OPENAPI_INFO = {
    "title": "Returns Hub API",
    "version": "1.0.0",
    "description": (
        "Machine endpoints of the returns hub. Answers are cached (ETag, "
        "Cache-Control: public, max-age=300) and invalidated when a policy version is "
        "published. Cross-origin calls are allowed only from the configured storefront "
        "origins."
    ),
}

COMPONENTS: dict = {
    "parameters": {
        "market": {
            "name": "market",
            "in": "query",
            "required": True,
            "description": "ISO 3166-1 alpha-2 code of the buyer's market (EU-27 or GB; UK is "
            "accepted for GB).",
            "schema": {"type": "string", "examples": ["FR"]},
        },
        "seller": {
            "name": "seller",
            "in": "query",
            "required": False,
            "description": "Seller reference. A seller's own policy overrides the "
            "marketplace-wide one.",
            "schema": {"type": "string", "maxLength": 64, "examples": ["atelier-lumiere"]},
        },
        "category": {
            "name": "category",
            "in": "query",
            "required": False,
            "description": "Marketplace category code; the policy's category overrides "
            "apply to it.",
            "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$", "maxLength": 64},
        },
        "at": {
            "name": "at",
            "in": "query",
            "required": False,
            "description": "ISO 8601 date and time with a time zone (e.g. the order time). "
            "Default: now.",
            "schema": {"type": "string", "format": "date-time"},
        },
        "lang": {
            "name": "lang",
            "in": "query",
            "required": False,
            "description": "Language of the title, summary and messages.",
            "schema": {"type": "string", "enum": ["en", "fr", "de"], "default": "en"},
        },
    },
    "headers": {
        "ETag": {"schema": {"type": "string"}, "description": "Validator for If-None-Match."},
        "Cache-Control": {"schema": {"type": "string", "examples": ["public, max-age=300"]}},
    },
    "schemas": {
        "PolicyInForce": {
            "type": "object",
            "required": [
                "policy",
                "version",
                "effective_from",
                "hash",
                "title",
                "fallback",
                "summary",
                "permalink",
                "markets",
                "rules",
            ],
            "properties": {
                "policy": {"type": "string", "description": "Slug of the policy."},
                "kind": {"type": "string", "enum": ["return"]},
                "version": {"type": "integer", "minimum": 1},
                "effective_from": {"type": "string", "format": "date-time"},
                "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "lang": {"type": "string"},
                "title": {"type": "string"},
                "title_lang": {"type": "string", "description": "Language of the title."},
                "fallback": {
                    "type": "boolean",
                    "description": "True when the version has no text in the requested "
                    "language and the source title is given.",
                },
                "summary": {"type": "string", "examples": ["30-day returns · free drop-off"]},
                "permalink": {"type": ["string", "null"], "format": "uri"},
                "seller": {"type": ["string", "null"]},
                "markets": {"type": "array", "items": {"type": "string"}},
                "rules": {
                    "type": "object",
                    "description": "The version's structured rules (canonical JSON).",
                },
                "query": {"$ref": "#/components/schemas/PolicyQuery"},
            },
        },
        "PolicyQuery": {
            "type": "object",
            "properties": {
                "market": {"type": "string"},
                "seller": {"type": ["string", "null"]},
                "category": {"type": ["string", "null"]},
                "at": {"type": ["string", "null"], "format": "date-time"},
                "lang": {"type": "string"},
            },
        },
        "ValidationErrors": {
            "type": "object",
            "required": ["errors"],
            "properties": {
                "errors": {
                    "type": "object",
                    "description": "Messages per parameter.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "examples": [{"market": ["This parameter is required."]}],
                }
            },
        },
        "NotFound": {
            "type": "object",
            "required": ["detail"],
            "properties": {
                "detail": {"type": "string"},
                "query": {"$ref": "#/components/schemas/PolicyQuery"},
            },
        },
    },
}

_POLICY_PARAMETERS = [
    {"$ref": f"#/components/parameters/{name}"}
    for name in ("market", "seller", "category", "at", "lang")
]

PATHS: dict = {
    "/policies/in-force": {
        "get": {
            "operationId": "policyInForce",
            "summary": "The return policy version in force",
            "description": "The version governing a market (and seller and category) at a "
            "date, with its permalink and a one-line summary.",
            "tags": ["policies"],
            "parameters": _POLICY_PARAMETERS,
            "responses": {
                "200": {
                    "description": "The version in force.",
                    "headers": {
                        "ETag": {"$ref": "#/components/headers/ETag"},
                        "Cache-Control": {"$ref": "#/components/headers/Cache-Control"},
                    },
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/PolicyInForce"}
                        }
                    },
                },
                "304": {"description": "Not modified (If-None-Match matched the ETag)."},
                "400": {
                    "description": "Invalid parameters.",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ValidationErrors"}
                        }
                    },
                },
                "404": {
                    "description": "No policy applies.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/NotFound"}}
                    },
                },
            },
        }
    },
    # Not under /api/v1: the server is overridden for this path.
    "/policies/embed/": {
        "servers": [{"url": "/"}],
        "get": {
            "operationId": "policyEmbed",
            "summary": "HTML summary of the policy in force, with schema.org JSON-LD",
            "description": "A small HTML fragment for product and checkout pages, holding a "
            'schema.org MerchantReturnPolicy in <script type="application/ld+json">. '
            "/policies/embed/frame/ serves the same as a full document for an iframe.",
            "tags": ["policies"],
            "parameters": _POLICY_PARAMETERS,
            "responses": {
                "200": {"description": "The fragment.", "content": {"text/html": {}}},
                "304": {"description": "Not modified."},
                "400": {"description": "Invalid parameters.", "content": {"text/html": {}}},
                "404": {"description": "No policy applies.", "content": {"text/html": {}}},
            },
        },
    },
}


def openapi_document(request: HttpRequest) -> dict:
    origin = request.build_absolute_uri("/").rstrip("/")
    paths = copy.deepcopy(PATHS)
    for item in paths.values():
        # A path outside /api/v1 names the site root as "/"; make it absolute,
        # since clients join server URL and path by plain concatenation.
        for server in item.get("servers", ()):
            if server["url"] == "/":
                server["url"] = origin
    components = copy.deepcopy(COMPONENTS)
    components["parameters"]["lang"]["schema"]["enum"] = list(languages())
    return {
        "openapi": "3.1.0",
        "info": OPENAPI_INFO,
        "servers": [{"url": f"{origin}/api/v1"}],
        "paths": paths,
        "components": components,
    }


@require_http_methods(["GET", "HEAD"])
def openapi(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(openapi_document(request), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=3600"
    return apply_cors(request, response)
