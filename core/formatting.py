"""Money, percentages, numbers and statute names as the reader's language
writes them: "€3.90" / "3,90 €", "10%" / "10 %", "Directive 2011/83/EU" /
"Richtlinie 2011/83/EU".

Pages, emails and the back office format through here (and the template
filters of core/templatetags/formatting.py); APIs, webhooks, exports and
stored data do not: they keep decimal strings, ISO currency codes and the
canonical English statute citation, which are machine formats.

The active Django language picks the Babel locale. English is en_IE: the
English of a euro country, so "€3.90" with day-month-year dates and no US
conventions (Django's English date formats are switched to en_IE's too, in
core/formats/en/formats.py), where Babel's bare "en" is the United States'.
French and German are those of France and Germany (the markets), not of
Belgium or Switzerland ("3,90 €", not "EUR 3.90")."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal
from babel.numbers import format_percent as babel_format_percent
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import get_language, override, pgettext_lazy, to_locale

# The active language → the Babel locale its readers format with.
BABEL_LOCALES = {"en": "en_IE", "fr": "fr_FR", "de": "de_DE"}
HUNDRED = Decimal(100)


@lru_cache(maxsize=32)
def _locale_for(language: str) -> Locale:
    code = BABEL_LOCALES.get(language.lower()) or BABEL_LOCALES.get(language[:2].lower())
    try:
        return Locale.parse(code or to_locale(language))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(BABEL_LOCALES.get(settings.LANGUAGE_CODE, "en_IE"))


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale of `language` (a Django language code), or of the
    active language."""
    return _locale_for(language or get_language() or settings.LANGUAGE_CODE)


def _decimal(value) -> Decimal | None:
    # Any number a template or a model gives (Decimal, int, float, "3.90");
    # None for what is not a finite number, so a page shows nothing, never fails.
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def format_money(amount, currency: str, language: str | None = None) -> str:
    """ "€3.90" (en), "3,90 €" (fr, de); with the currency's own decimals
    (none for JPY). "" for an amount that is not a number or no currency."""
    value = _decimal(amount)
    code = str(currency or "").strip().upper()
    if value is None or not re.fullmatch(r"[A-Z]{3}", code):
        return ""
    return format_currency(value, code, locale=babel_locale(language))


def format_percent(value, language: str | None = None) -> str:
    """A percentage given in percent, as the rules store it (Decimal("10.00")):
    "10%" (en), "10 %" (fr, de), "2.5%" / "2,5 %"; no trailing zeros."""
    number = _decimal(value)
    if number is None:
        return ""
    return babel_format_percent(
        number.normalize() / HUNDRED, locale=babel_locale(language), decimal_quantization=False
    )


def format_number(value, language: str | None = None) -> str:
    """A plain number, "2.5" / "2,5", "1,200" / "1 200" / "1.200"; no trailing
    zeros ("10", not "10.00"). For a number a translated sentence puts its
    own unit or sign around."""
    number = _decimal(value)
    if number is None:
        return ""
    return format_decimal(number.normalize(), locale=babel_locale(language))


# --- statutes -----------------------------------------------------------------------
# Citations are built, stored and served by the API in one canonical (English)
# form, "Directive 2011/83/EU Art. 9; C. consom. L221-18"; readers see the names
# in their language. Longest names first, so "Directive (EU) 2019/771" is not
# read as "Directive" followed by something else.
STATUTE_NAMES: tuple[tuple[str, Promise], ...] = (
    (
        "Consumer Contracts Regulations 2013",
        pgettext_lazy("statute", "Consumer Contracts Regulations 2013"),
    ),
    ("Consumer Rights Act 2015", pgettext_lazy("statute", "Consumer Rights Act 2015")),
    ("Directive (EU) 2019/2161", pgettext_lazy("statute", "Directive (EU) 2019/2161")),
    ("Directive (EU) 2019/771", pgettext_lazy("statute", "Directive (EU) 2019/771")),
    ("Directive (EU) 2023/2673", pgettext_lazy("statute", "Directive (EU) 2023/2673")),
    ("Directive 2011/83/EU", pgettext_lazy("statute", "Directive 2011/83/EU")),
    ("C. consom.", pgettext_lazy("statute", "C. consom.")),
    ("BGB", pgettext_lazy("statute", "BGB")),
    ("Art.", pgettext_lazy("statute: article", "Art.")),
    ("reg.", pgettext_lazy("statute: regulation", "reg.")),
    ("ff.", pgettext_lazy("statute: and following", "ff.")),
)
_STATUTE_WORDS = dict(STATUTE_NAMES)
_STATUTE_PATTERN = re.compile(
    # A name on its own: "Art." but not "Part.", "BGB" but not "BGBl".
    r"(?<![\w.])(" + "|".join(re.escape(name) for name, _ in STATUTE_NAMES) + r")(?![\w/])"
)


def statute_text(statute, language: str | None = None) -> str:
    """A canonical citation in the reader's language: "Directive 2011/83/EU
    Art. 9; C. consom. L221-18" reads "directive 2011/83/UE art. 9 ; C. consom.
    L221-18" in French and "Richtlinie 2011/83/EU Art. 9; Code de la
    consommation L221-18" in German. Article numbers are kept as written."""
    text = str(statute or "")
    if not text:
        return ""

    def name(match: re.Match) -> str:
        return str(_STATUTE_WORDS[match.group(1)])

    def localize() -> str:
        localized = _STATUTE_PATTERN.sub(name, text)
        # French puts a (narrow) no-break space before a semicolon.
        if babel_locale().language == "fr":
            localized = localized.replace("; ", "\u202f; ")
        return localized

    if language:
        with override(language):
            return localize()
    return localize()
