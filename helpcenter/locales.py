"""Wagtail locales by language code, cached: locales almost never change.

Below the models (it imports none of them), so pages, blocks and services
all use it."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from wagtail.models import Locale

LOCALE_KEY = "helpcenter:locale:{}"


def locale_for(language_code: str | None) -> Locale | None:
    """The Locale of a language code, cached."""
    if not language_code:
        return None
    key = LOCALE_KEY.format(language_code)
    locale = cache.get(key)
    if locale is None:
        locale = Locale.objects.filter(language_code=language_code).first()
        if locale is not None:
            cache.set(key, locale, 60 * 60)
    return locale


def locale_for_id(locale_id: int) -> Locale | None:
    for code, _name in settings.LANGUAGES:
        locale = locale_for(code)
        if locale is not None and locale.pk == locale_id:
            return locale
    return None


def default_locale() -> Locale:
    return locale_for(settings.LANGUAGE_CODE) or Locale.get_default()
