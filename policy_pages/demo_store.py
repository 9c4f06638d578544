"""A demo storefront: how a marketplace links its policies from a product
page and a checkout page, with the embed (server-side, and in an iframe) and
its schema.org JSON-LD. On in development and tests, off in production.

The products are fixed demo data; the policies are the real ones, looked up
through the same function the embed endpoint uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from marketplace.markets import MARKETS, normalize_market

from .api.query import PolicyQuery, parse_policy_query
from .embed import embed_html

DEFAULT_MARKET = "FR"


@dataclass(frozen=True)
class DemoItem:
    name: Promise
    seller_name: str
    seller_ref: str
    category: str
    price: Decimal
    quantity: int = 1


SHIRT = DemoItem(
    _("Linen shirt"), "Atelier Lumière", "atelier-lumiere", "apparel", Decimal("59.00")
)
# This seller has no policy of its own: the marketplace-wide one applies.
MUGS = DemoItem(
    _("Set of two stoneware mugs"), "Nordlicht Home", "nordlicht-home", "home", Decimal("24.50")
)
CART = (SHIRT, MUGS)


def demo_store_enabled(view):
    """404 unless settings.DEMO_STORE_ENABLED (read per request, off by default)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not getattr(settings, "DEMO_STORE_ENABLED", False):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _market(request: HttpRequest) -> str:
    # A demo page never fails on its own form: an odd value shows the default.
    return normalize_market(request.GET.get("market", "")) or DEFAULT_MARKET


def _lang(request: HttpRequest) -> str:
    """The language of the URL (/demo-store/, /fr/demo-store/, /de/demo-store/)."""
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _market_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(name)) for code, name in MARKETS.items()), key=lambda c: c[1])


def _params(item: DemoItem, market: str, lang: str) -> dict[str, str]:
    return {"market": market, "seller": item.seller_ref, "category": item.category, "lang": lang}


def _query(item: DemoItem, market: str, lang: str) -> PolicyQuery:
    params = _params(item, market, lang)
    query, errors, _lang = parse_policy_query(params)
    if "category" in errors:
        # The catalogue has no such category (e.g. the marketplace demo data
        # was not seeded): the seller's policy still applies, without it.
        query, errors, _lang = parse_policy_query({**params, "category": ""})
    if errors:  # the demo data is valid; this would be a programming error
        raise ValueError(errors)
    return query


def _urls(request: HttpRequest, item: DemoItem, market: str, lang: str) -> dict[str, str]:
    """Absolute, as a storefront on another origin would write them."""
    qs = urlencode(_params(item, market, lang))
    return {
        name: request.build_absolute_uri(f"{reverse(route)}?{qs}")
        for name, route in (
            ("embed", "policy_embed:fragment"),
            ("frame", "policy_embed:frame"),
            ("api", "api_v1:policies_in_force"),
        )
    }


def _line(request: HttpRequest, item: DemoItem, market: str, lang: str) -> dict:
    return {
        "item": item,
        "total": item.price * item.quantity,
        "policy": embed_html(request, _query(item, market, lang)),
        "urls": _urls(request, item, market, lang),
    }


def _page(request: HttpRequest, template: str, build) -> HttpResponse:
    """Render a demo page in its language: `build(market, lang)` gives the
    page's own context; the links keep the chosen market."""
    market, lang = _market(request), _lang(request)
    # render() evaluates the template now, inside the override.
    with translation.override(lang):
        context = {
            "market": market,
            "nav_query": urlencode({"market": market}),
            "market_choices": _market_choices(),
            "openapi_url": reverse("api_v1:openapi-json"),
            **build(request, market, lang),
        }
        response = render(request, template, context)
    response["Content-Language"] = lang
    return response


def _product_context(request: HttpRequest, market: str, lang: str) -> dict:
    return {"line": _line(request, SHIRT, market, lang)}


def _checkout_context(request: HttpRequest, market: str, lang: str) -> dict:
    lines = [_line(request, item, market, lang) for item in CART]
    return {
        "lines": lines,
        "total": sum((line["total"] for line in lines), Decimal("0")),
        "currency": "EUR",
    }


@demo_store_enabled  # first: when off, every method gets the same 404
@require_safe
def product(request: HttpRequest) -> HttpResponse:
    return _page(request, "policy_pages/demo_store/product.html", _product_context)


@demo_store_enabled  # first: when off, every method gets the same 404
@require_safe
def checkout(request: HttpRequest) -> HttpResponse:
    return _page(request, "policy_pages/demo_store/checkout.html", _checkout_context)
