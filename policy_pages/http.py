"""HTTP plumbing shared by the policy API and the embeds: CORS for the
configured storefront origins, ETags and conditional GETs, cache headers and
the framing policy of embeds.

Origins are read from settings on every request (not at import), so a
deployment or a test can change STOREFRONT_ORIGINS without a restart.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import parse_etags, patch_vary_headers

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Headers a storefront script may send and read back across origins.
ALLOWED_REQUEST_HEADERS = "Accept, Accept-Language, If-None-Match"
EXPOSED_RESPONSE_HEADERS = "ETag, Content-Language"
PREFLIGHT_MAX_AGE = 600


def storefront_origins() -> list[str]:
    return list(getattr(settings, "STOREFRONT_ORIGINS", ()) or ())


def allowed_origin(request: HttpRequest) -> str | None:
    """The request's Origin when it is one of the storefront origins (exact
    match: no wildcard, no prefix, so "https://shop.example.evil" never
    passes for "https://shop.example")."""
    origin = request.headers.get("Origin")
    if origin and origin in storefront_origins():
        return origin
    return None


def apply_cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    # Vary even when the origin is refused: a shared cache must not hand an
    # answer without the header to an allowed storefront, or the reverse.
    patch_vary_headers(response, ("Origin",))
    origin = allowed_origin(request)
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Expose-Headers"] = EXPOSED_RESPONSE_HEADERS
    return response


def preflight(request: HttpRequest) -> HttpResponse:
    """Answer an OPTIONS request: 204, with CORS grants only for an allowed origin."""
    response = HttpResponse(status=204)
    response["Allow"] = ", ".join(SAFE_METHODS)
    if allowed_origin(request):
        response["Access-Control-Allow-Methods"] = ", ".join(SAFE_METHODS)
        response["Access-Control-Allow-Headers"] = ALLOWED_REQUEST_HEADERS
        response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return apply_cors(request, response)


def make_etag(*parts: object) -> str:
    """A strong, quoted ETag over the given parts."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()
    return f'"{digest[:32]}"'


def etag_matches(request: HttpRequest, etag: str) -> bool:
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    candidates = parse_etags(header)
    # If-None-Match uses the weak comparison: W/"x" matches "x".
    return "*" in candidates or any(c.removeprefix("W/") == etag for c in candidates)


def not_modified(response: HttpResponse) -> HttpResponse:
    """A 304 carrying the validators and caching headers of the full answer."""
    reply = HttpResponseNotModified()
    for header in ("Cache-Control", "ETag", "Vary", "Content-Language"):
        if header in response:
            reply[header] = response[header]
    return reply


def set_public_cache(response: HttpResponse, max_age: int) -> None:
    response["Cache-Control"] = f"public, max-age={max(int(max_age), 0)}"


def allow_framing_by_storefronts(response: HttpResponse) -> None:
    """Let the storefronts (and this site) put the response in an iframe.

    The view must also be exempt from XFrameOptionsMiddleware: browsers that
    see both X-Frame-Options: DENY and frame-ancestors obey frame-ancestors,
    but older ones would obey DENY alone.
    """
    sources = ["'self'", *(origin for origin in storefront_origins() if _is_origin(origin))]
    response["Content-Security-Policy"] = "frame-ancestors " + " ".join(sources)


def _is_origin(value: str) -> bool:
    # A stray ";" or space in the setting would inject another CSP directive.
    return value.startswith(("https://", "http://")) and not any(c in value for c in " ;,'\"")
