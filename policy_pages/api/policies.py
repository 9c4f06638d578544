"""GET /api/v1/policies/in-force: which policy version governs a market,
seller and category at a date, for product and checkout pages.

Answers are cached (answer.py) with an ETag and Cache-Control: public, and
are open to the configured storefront origins (CORS, preflight included).
"""

from __future__ import annotations

import json
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from core.api.errors import ErrorCode, ErrorOut, error_body

from ..http import apply_cors, preflight
from .answer import PolicyAnswer, not_found_message, render_cached, respond
from .query import PolicyParams, PolicyQuery, policy_query
from .schemas import PolicyInForceOut, PolicyNotFoundOut

router = Router(tags=["policies"])

_HEADERS = {
    "ETag": {"schema": {"type": "string"}, "description": "Validator for If-None-Match."},
    "Cache-Control": {"schema": {"type": "string", "examples": ["public, max-age=300"]}},
}


def _storefront_cors(run):
    """Every answer of this router, errors included, carries the CORS grant of
    an allowed storefront origin; a 400 may be revalidated but not reused."""

    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = run(request, *args, **kwargs)
        if response.status_code == 400:
            response["Cache-Control"] = "no-cache"
        return apply_cors(request, response)

    return wrapper


router.add_decorator(_storefront_cors, mode="view")


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
        "description": answer.description,
        "permalink": answer.permalink,
        "seller": version.seller_ref or None,
        "markets": list(answer.rules.markets),
        "rules": json.loads(version.rules_json),
        "query": query.echo(),
    }


def _render_json(request, query: PolicyQuery, answer: PolicyAnswer | None) -> tuple[int, str]:
    if answer is None:
        body = error_body(404, ErrorCode.NOT_FOUND, not_found_message(), query=query.echo())
        return 404, _json(body)
    return 200, _json(answer_data(query, answer))


def _json(data: dict) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)


def _answer(request: HttpRequest, params: PolicyParams) -> HttpResponse:
    query = policy_query(params)  # an unknown category is a 400 (unknown)
    return respond(request, render_cached(request, query, "api", _render_json, "application/json"))


@router.get(
    "/policies/in-force",
    response={200: PolicyInForceOut, 400: ErrorOut, 404: PolicyNotFoundOut, 503: ErrorOut},
    operation_id="policyInForce",
    summary="The return policy version in force",
    description="The version governing a market (and seller and category) at a date, with "
    "its permalink, a one-line summary and its hash (send it back with the order as "
    "displayed_policy, the proof of display). Cached: ETag, Cache-Control: public, max-age=300, "
    "invalidated when a version is published.",
    url_name="policies_in_force",
    openapi_extra={
        "responses": {
            200: {"headers": _HEADERS},
            304: {"description": "Not modified (If-None-Match matched the ETag)."},
        }
    },
)
def in_force(request: HttpRequest, params: Query[PolicyParams]) -> HttpResponse:
    return _answer(request, params)


@router.api_operation(["HEAD"], "/policies/in-force", include_in_schema=False)
def in_force_head(request: HttpRequest, params: Query[PolicyParams]) -> HttpResponse:
    return _answer(request, params)


@router.api_operation(["OPTIONS"], "/policies/in-force", include_in_schema=False)
def in_force_preflight(request: HttpRequest) -> HttpResponse:
    return preflight(request)


# --- the embeds in the document -------------------------------------------------------


def document_embeds(document: dict, request: HttpRequest) -> None:
    """Describe /policies/embed/ (HTML, outside /api/v1) in the API document, with
    a server override: the site root, absolute since clients join server and path."""
    operation = document["paths"]["/policies/in-force"]["get"]
    parameters = [p for p in operation["parameters"] if p["in"] == "query"]
    html = {"text/html": {"schema": {"type": "string"}}}
    document["paths"]["/policies/embed/"] = {
        "servers": [{"url": request.build_absolute_uri("/").rstrip("/")}],
        "get": {
            "operationId": "policyEmbed",
            "summary": "HTML summary of the policy in force, with schema.org JSON-LD",
            "description": "A small HTML fragment for product and checkout pages, holding a "
            'schema.org MerchantReturnPolicy in <script type="application/ld+json">. '
            "/policies/embed/frame/ serves the same as a full document for an iframe. Same "
            "parameters, validation and caching as /policies/in-force. The root element "
            "carries data-policy, data-version and data-policy-hash (also the JSON-LD "
            "identifier): a checkout showing it sends them back with the order as "
            "displayed_policy, the proof of display.",
            "tags": ["policies"],
            "parameters": parameters,
            "responses": {
                "200": {"description": "The fragment.", "content": html},
                "304": {"description": "Not modified."},
                "400": {"description": "Invalid parameters.", "content": html},
                "404": {"description": "No policy applies.", "content": html},
            },
        },
    }


__all__ = ["document_embeds", "router"]
