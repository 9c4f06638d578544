"""The site chrome's links (header nav, footer policies), cached per language.

The cache is versioned: publishing or unpublishing any page bumps the version
(see signals.py), so links never outlive the pages they point to.
"""

from django.apps import apps
from django.core.cache import cache
from django.urls import NoReverseMatch, reverse
from wagtail.models import Locale, Page

NAV_VERSION_KEY = "core:nav-version"
NAV_TIMEOUT = 60 * 60


def bump_nav_version() -> None:
    try:
        cache.incr(NAV_VERSION_KEY)
    except ValueError:
        cache.set(NAV_VERSION_KEY, 2, None)


def _first_live_url(model_label: str, locale: Locale) -> str | None:
    try:
        model = apps.get_model(model_label)
    except LookupError:
        return None
    page = model.objects.live().filter(locale=locale).first()
    return page.get_url() if page else None


def _policy_links(locale: Locale) -> list[dict]:
    try:
        model = apps.get_model("policy_pages.PolicyPage")
    except LookupError:
        return []
    pages = model.objects.live().filter(locale=locale).order_by("path")
    return [{"title": page.title, "url": page.get_url()} for page in pages]


def _safe_reverse(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def build_navigation(language_code: str) -> dict:
    locale = Locale.objects.filter(language_code=language_code).first()
    if locale is None:
        return {"home": "/", "help": None, "policies": None, "returns": None, "footer": []}
    home = Page.objects.live().filter(depth=2, locale=locale).first()
    return {
        "home": home.get_url() if home else "/",
        "help": _first_live_url("helpcenter.HelpCenterPage", locale),
        "policies": _first_live_url("policy_pages.PolicyIndexPage", locale),
        "returns": _safe_reverse("return_portal:orders"),
        "footer": _policy_links(locale),
    }


def navigation(language_code: str) -> dict:
    version = cache.get_or_set(NAV_VERSION_KEY, 1, None)
    key = f"core:nav:{version}:{language_code}"
    nav = cache.get(key)
    if nav is None:
        nav = build_navigation(language_code)
        cache.set(key, nav, NAV_TIMEOUT)
    return nav
