"""The site chrome's links (header nav, footer policies), cached per language.

The cache is versioned: publishing or unpublishing any page bumps the version
(see signals.py), so links never outlive the pages they point to.
"""

import time

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.urls import NoReverseMatch, reverse
from wagtail.models import Page

NAV_VERSION_KEY = "core:nav-version"
# Raised when the links the chrome carries change (2: "My returns"), so a nav cached
# by the previous code (Redis, file cache) is not served after a deploy.
NAV_SCHEMA = 2
NAV_TIMEOUT = 60 * 60


def bump_nav_version() -> None:
    try:
        cache.incr(NAV_VERSION_KEY)
    except ValueError:
        cache.set(NAV_VERSION_KEY, time.time_ns(), None)


def _safe_reverse(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _content_type_ids(*labels: str) -> dict[str, int]:
    ids = {}
    for label in labels:
        try:
            ids[label] = ContentType.objects.get_for_model(apps.get_model(label)).pk
        except LookupError:  # that section's app is not installed
            continue
    return ids


def build_navigation(language_code: str) -> dict:
    """One query for every page the chrome links to in this language."""
    types = _content_type_ids(
        "core.HomePage",
        "helpcenter.HelpCenterPage",
        "policy_pages.PolicyIndexPage",
        "policy_pages.PolicyPage",
    )
    pages = (
        Page.objects.live()
        .filter(locale__language_code=language_code, content_type_id__in=types.values())
        .order_by("path")
    )
    first: dict[int, Page] = {}
    footer = []
    for page in pages:
        first.setdefault(page.content_type_id, page)
        if page.content_type_id == types.get("policy_pages.PolicyPage"):
            footer.append({"title": page.title, "url": page.get_url()})

    def url_of(label):
        page = first.get(types.get(label))
        return page.get_url() if page else None

    return {
        "home": url_of("core.HomePage") or "/",
        "help": url_of("helpcenter.HelpCenterPage"),
        "policies": url_of("policy_pages.PolicyIndexPage"),
        "returns": _safe_reverse("return_portal:orders"),
        "footer": footer,
    }


def navigation(language_code: str) -> dict:
    # Seeded from the clock so a flushed cache never reuses an old version.
    version = cache.get_or_set(NAV_VERSION_KEY, time.time_ns, None)
    key = f"core:nav:{NAV_SCHEMA}:{version}:{language_code}"
    nav = cache.get(key)
    if nav is None:
        nav = build_navigation(language_code)
        cache.set(key, nav, NAV_TIMEOUT)
    return nav
