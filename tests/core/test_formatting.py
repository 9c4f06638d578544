"""Money, percentages, numbers, statute names and dates in the reader's language
(core/formatting.py, its template filters, core/formats)."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import formats, translation

from core import formatting
from core.formatting import (
    babel_locale,
    format_money,
    format_number,
    format_percent,
    statute_text,
)

NBSP = "\u00a0"  # Babel's space before "€" and "%" in French and German
NNBSP = "\u202f"  # French digit grouping


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("en", Decimal("3.90"), "EUR", "€3.90"),
        ("fr", Decimal("3.90"), "EUR", f"3,90{NBSP}€"),
        ("de", Decimal("3.90"), "EUR", f"3,90{NBSP}€"),
        ("en", Decimal("-3.90"), "EUR", "-€3.90"),
        ("fr", Decimal("-3.90"), "EUR", f"-3,90{NBSP}€"),
        ("de", "-3.9", "EUR", f"-3,90{NBSP}€"),
        ("en", 0, "EUR", "€0.00"),
        ("fr", Decimal("0"), "EUR", f"0,00{NBSP}€"),
        ("en", Decimal("1234567.5"), "EUR", "€1,234,567.50"),
        ("fr", Decimal("1234567.5"), "EUR", f"1{NNBSP}234{NNBSP}567,50{NBSP}€"),
        ("de", Decimal("1234567.5"), "EUR", f"1.234.567,50{NBSP}€"),
        ("en", Decimal("49.90"), "CHF", "CHF49.90"),
        ("de", Decimal("49.90"), "CHF", f"49,90{NBSP}CHF"),
        ("fr", Decimal("499"), "SEK", f"499,00{NBSP}SEK"),
        ("en", Decimal("3.90"), "GBP", "£3.90"),
        ("de", Decimal("1200"), "JPY", f"1.200{NBSP}¥"),  # no decimals in yen
        ("en", Decimal("3.90"), "eur", "€3.90"),  # any letter case, as intake reads it
    ],
)
def test_money_in_each_language(language, amount, currency, expected):
    assert format_money(amount, currency, language) == expected


def test_money_follows_the_active_language():
    with translation.override("de"):
        assert format_money(Decimal("3.90"), "EUR") == f"3,90{NBSP}€"
    with translation.override("en"):
        assert format_money(Decimal("3.90"), "EUR") == "€3.90"


@pytest.mark.parametrize(
    "amount", [None, "", "abc", "3.90\x00", float("nan"), Decimal("Infinity"), True, object()]
)
def test_what_is_not_an_amount_shows_nothing_and_never_fails(amount):
    assert format_money(amount, "EUR", "fr") == ""


@pytest.mark.parametrize("currency", ["", None, "EURO", "€", "E1R", "\x00EU"])
def test_a_currency_that_is_not_an_iso_code_shows_nothing(currency):
    assert format_money(Decimal("3.90"), currency, "en") == ""


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("en", Decimal("10.00"), "10%"),
        ("fr", Decimal("10.00"), f"10{NBSP}%"),
        ("de", Decimal("10.00"), f"10{NBSP}%"),
        ("en", Decimal("0.00"), "0%"),
        ("fr", Decimal("0.00"), f"0{NBSP}%"),
        ("de", Decimal("0"), f"0{NBSP}%"),
        ("en", Decimal("12.5"), "12.5%"),
        ("de", Decimal("12.50"), f"12,5{NBSP}%"),
        ("en", Decimal("-2.5"), "-2.5%"),
        ("fr", "1500", f"1{NNBSP}500{NBSP}%"),
    ],
)
def test_percentages_in_each_language_without_trailing_zeros(language, value, expected):
    assert format_percent(value, language) == expected


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("en", Decimal("10.00"), "10"),
        ("fr", Decimal("2.50"), "2,5"),
        ("de", Decimal("1200"), "1.200"),
        ("en", Decimal("1E+1"), "10"),
        ("de", "junk", ""),
    ],
)
def test_plain_numbers_in_each_language(language, value, expected):
    assert format_number(value, language) == expected


def test_each_language_maps_to_the_locale_of_its_readers():
    assert str(babel_locale("en")) == "en_IE"
    assert str(babel_locale("fr")) == "fr_FR"
    assert str(babel_locale("de")) == "de_DE"
    # A regional code falls back to its language; an unknown one to the site's.
    assert str(babel_locale("de-at")) == "de_DE"
    assert str(babel_locale("xx-nope")) == "en_IE"


def test_the_template_filters_format_in_the_active_language():
    template = Template(
        "{% load formatting %}{{ fee|money:'EUR' }} | {{ bonus|percent }} | {{ rate|number }}"
    )
    context = Context({"fee": Decimal("3.90"), "bonus": Decimal("10.00"), "rate": "2.50"})
    with translation.override("fr"):
        assert template.render(context) == f"3,90{NBSP}€ | 10{NBSP}% | 2,5"
    with translation.override("en"):
        assert template.render(context) == "€3.90 | 10% | 2.5"


def test_the_portal_money_filter_is_the_same_formatting():
    template = Template("{% load portal_format %}{{ fee|money:'EUR' }} {{ fee|money_abs:'EUR' }}")
    with translation.override("de"):
        assert template.render(Context({"fee": Decimal("-3.90")})) == (f"-3,90{NBSP}€ 3,90{NBSP}€")


# --- statutes ------------------------------------------------------------------------


def test_each_statute_name_is_a_translatable_string():
    for canonical, name in formatting.STATUTE_NAMES:
        with translation.override("en"):
            assert str(name) == canonical  # the English text is the canonical form


@pytest.fixture
def statute_translations(monkeypatch):
    """Stand-in translations of the statute names (the catalogues' are added
    from the report), so the test shows each name is looked up by its msgid."""
    words = {
        "fr": {"Directive 2011/83/EU": "directive 2011/83/UE", "Art.": "art."},
        "de": {
            "Directive 2011/83/EU": "Richtlinie 2011/83/EU",
            "C. consom.": "Code de la consommation",
        },
    }
    real = translation._trans.pgettext

    def pgettext(context, message):
        return words.get(translation.get_language(), {}).get(message) or real(context, message)

    monkeypatch.setattr(translation._trans, "pgettext", pgettext)
    return words


def test_statute_names_read_in_the_readers_language(statute_translations):
    canonical = "Directive 2011/83/EU Art. 9; C. consom. L221-18"

    assert statute_text(canonical, "de") == (
        "Richtlinie 2011/83/EU Art. 9; Code de la consommation L221-18"
    )
    # French also puts its no-break space before the semicolon.
    assert (
        statute_text(canonical, "fr") == f"directive 2011/83/UE art. 9{NNBSP}; C. consom. L221-18"
    )
    assert statute_text(canonical, "en") == canonical


def test_only_whole_statute_names_are_translated(statute_translations):
    # Article numbers and look-alike words are kept as written.
    assert statute_text("Part. 2, Art.16(c), Directive 2011/83/EUX", "fr") == (
        "Part. 2, Art.16(c), Directive 2011/83/EUX"
    )
    assert statute_text("", "de") == "" and statute_text(None, "de") == ""


def test_the_statute_filter_uses_the_active_language(statute_translations):
    template = Template("{% load formatting %}{{ statute|statute }}")
    with translation.override("de"):
        html = template.render(Context({"statute": "Directive 2011/83/EU Art. 13"}))
    assert html == "Richtlinie 2011/83/EU Art. 13"


# --- dates ---------------------------------------------------------------------------

DECEMBER_7 = datetime(2026, 12, 7, 14, 5, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.mark.parametrize(
    ("language", "format_name", "expected"),
    [
        ("en", "DATE_FORMAT", "7 December 2026"),
        ("en", "SHORT_DATE_FORMAT", "07/12/2026"),
        ("en", "SHORT_DATETIME_FORMAT", "07/12/2026 14:05"),
        ("en", "DATETIME_FORMAT", "7 December 2026, 14:05"),
        ("fr", "DATE_FORMAT", "7 décembre 2026"),
        ("fr", "SHORT_DATE_FORMAT", "07/12/2026"),
        ("de", "DATE_FORMAT", "7. Dezember 2026"),
        ("de", "SHORT_DATETIME_FORMAT", "07.12.2026 14:05"),
    ],
)
def test_dates_are_day_first_in_every_language(language, format_name, expected):
    with translation.override(language):
        assert formats.date_format(DECEMBER_7, format_name) == expected


def test_english_still_reads_iso_dates_typed_in_forms():
    with translation.override("en"):
        assert "%Y-%m-%d" in formats.get_format("DATE_INPUT_FORMATS")
