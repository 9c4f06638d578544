"""Policy embeds for storefronts: a small HTML summary of the policy in force
("30-day returns · free drop-off · read the policy") with its schema.org
JSON-LD, as a fragment to include or fetch, or as a document for an iframe.

Same parameters, validation, cache and headers as the JSON API (api/query.py,
api/answer.py).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .api.answer import PolicyAnswer, Rendered, not_found_message, render_cached, respond
from .api.query import PolicyQuery, parse_policy_query
from .http import SAFE_METHODS, allow_framing_by_storefronts, apply_cors, preflight
from .jsonld import ld_json_script, merchant_return_policy
from .labels import WINDOW_START
from .rules import OverrideKind

HTML = "text/html; charset=utf-8"
STYLESHEET = "css/embed.css"


def render_embed(request: HttpRequest, query: PolicyQuery, *, frame: bool = False) -> Rendered:
    """The embed for a valid query, from the cache when warm. The demo store
    calls this too, to include the fragment server-side."""
    render = _render_frame if frame else _render_fragment
    return render_cached(request, query, "frame" if frame else "embed", render, HTML)


def embed_html(request: HttpRequest, query: PolicyQuery) -> SafeString:
    # The body is our own template output, escaped when it was rendered.
    return mark_safe(render_embed(request, query).body)  # noqa: S308


def _render_fragment(request, query: PolicyQuery, answer: PolicyAnswer | None) -> tuple[int, str]:
    if answer is None:
        return 404, _message_fragment(request, query.lang, not_found_message())
    context = {
        "lang": query.lang,
        "answer": answer,
        "version": answer.version,
        "stylesheet": _stylesheet(request),
        "returnable": _returnable(answer, query),
        "window_start": _window_start(answer),
        "jsonld": ld_json_script(_with_identifier(answer, query)),
    }
    return 200, render_to_string("policy_pages/embed/fragment.html", context)


def _with_identifier(answer: PolicyAnswer, query: PolicyQuery) -> dict:
    """The JSON-LD, identified by the version's hash: what a checkout sends back
    as proof of the version shown (as does the root's data-policy-hash)."""
    data = merchant_return_policy(
        answer.rules,
        market=query.market,
        category_path=query.category_path,
        permalink=answer.permalink,
        name=answer.title,
    )
    version = answer.version
    data["identifier"] = [
        {"@type": "PropertyValue", "propertyID": "policy", "value": version.policy.slug},
        {"@type": "PropertyValue", "propertyID": "version", "value": version.number},
        {"@type": "PropertyValue", "propertyID": "sha256", "value": version.hash},
    ]
    return data


def _render_frame(request, query: PolicyQuery, answer: PolicyAnswer | None) -> tuple[int, str]:
    status, fragment = _render_fragment(request, query, answer)
    return status, _frame_document(request, query.lang, fragment)


def _returnable(answer: PolicyAnswer, query: PolicyQuery) -> bool:
    override = answer.rules.override_for(query.category_path)
    return not (override and override.kind == OverrideKind.NOT_RETURNABLE)


def _window_start(answer: PolicyAnswer) -> str:
    return str(WINDOW_START[answer.rules.window_start])


def _stylesheet(request: HttpRequest) -> str:
    # Absolute: a fetched fragment lands on the storefront's own origin.
    return request.build_absolute_uri(static(STYLESHEET))


def _message_fragment(request, lang: str, message: str, errors: dict | None = None) -> str:
    context = {
        "lang": lang,
        "message": message,
        "errors": errors or {},
        "stylesheet": _stylesheet(request),
    }
    return render_to_string("policy_pages/embed/message.html", context)


def _frame_document(request, lang: str, fragment: str) -> str:
    context = {"lang": lang, "fragment": mark_safe(fragment), "stylesheet": _stylesheet(request)}  # noqa: S308
    return render_to_string("policy_pages/embed/frame.html", context)


def _invalid(request: HttpRequest, errors: dict, lang: str, frame: bool) -> HttpResponse:
    with translation.override(lang):
        body = _message_fragment(
            request, lang, translation.gettext("The return policy cannot be shown."), errors
        )
        if frame:
            body = _frame_document(request, lang, body)
    response = HttpResponse(body, status=400, content_type=HTML)
    response["Content-Language"] = lang
    response["Cache-Control"] = "no-cache"
    return response


def _embed(request: HttpRequest, *, frame: bool) -> HttpResponse:
    if request.method == "OPTIONS":
        return preflight(request)
    query, errors, lang = parse_policy_query(request.GET)
    if errors:
        response = apply_cors(request, _invalid(request, errors, lang, frame))
    else:
        response = respond(request, render_embed(request, query, frame=frame))
    allow_framing_by_storefronts(response)
    return response


# GET only, nothing changes state: exempt from CSRF so that other methods get
# a 405. Exempt from X-Frame-Options: framing is governed by the CSP
# frame-ancestors list of storefront origins instead.
@csrf_exempt
@xframe_options_exempt
@require_http_methods(SAFE_METHODS)
def fragment(request: HttpRequest) -> HttpResponse:
    return _embed(request, frame=False)


@csrf_exempt
@xframe_options_exempt
@require_http_methods(SAFE_METHODS)
def frame(request: HttpRequest) -> HttpResponse:
    return _embed(request, frame=True)
