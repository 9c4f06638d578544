"""The site's one public base URL (`settings.SITE_URL`): what links in buyer emails
start with, and what Wagtail's default site answers as (its hostname and port),
so canonical and hreflang links, the sitemap and JSON-LD name the same address."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443}


def public_url(path: str) -> str:
    """`path` (from reverse or a page's URL) under the public base URL."""
    return settings.SITE_URL.rstrip("/") + path


def site_address() -> tuple[str, int]:
    """(hostname, port) of SITE_URL, as Wagtail's Site stores them."""
    parts = urlsplit(settings.SITE_URL)
    return parts.hostname or "localhost", parts.port or DEFAULT_PORTS.get(parts.scheme, 80)
