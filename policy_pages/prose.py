"""Prose bound to the rules: placeholders in clause text and the summary, and
numbers typed by hand that contradict the rules.

A clause writes "within {window_days} days" or "a label costs
{fee:prepaid_label}". The version text keeps the placeholder (its hash covers
the wording, the version's rules cover the value), and every reader sees the
value of that version's rules, formatted in the reader's language ("€4.90",
"4,90 €"). A number typed by hand that no rule has ("4.90 EUR" when the label
costs 3.90) is flagged at save and cannot go to Legal review unless a legal
approver overrides it with a reason.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache

from babel import Locale
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_symbol
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext, override
from django.utils.translation import gettext_lazy as _

from core.formatting import babel_locale

from .compliance import floor_for
from .rules import ItemFlag, OverrideKind, PolicyRules

TOKEN = re.compile(r"\{([a-z_]+)(?::([a-z0-9][a-z0-9_-]*))?\}")
BRACED = re.compile(r"\{([^{}]{0,80})\}")  # anything an editor may mean as a placeholder


class Kind(StrEnum):
    DAYS = "days"
    BUSINESS_DAYS = "business_days"
    MONEY = "money"
    PERCENT = "percent"
    LIST = "list"
    MONTHS = "months"


# Noun phrases without commas, so that a list of them reads unambiguously.
EXCLUDED_ITEM_WORDS = {
    ItemFlag.CUSTOM_MADE: _("custom-made items"),
    ItemFlag.PERISHABLE: _("perishable goods"),
    ItemFlag.SEALED_HYGIENE: _("sealed hygiene products unsealed after delivery"),
    ItemFlag.SEALED_MEDIA: _("sealed recordings or software unsealed after delivery"),
}


def _fee(rules: PolicyRules, method: str):
    option = next((o for o in rules.shipping_options if o.method == method), None)
    return option.fee if option else None


def _category_days(rules: PolicyRules, code: str):
    override_ = next((o for o in rules.category_overrides if o.category == code), None)
    return override_.days if override_ and override_.kind == OverrideKind.DAYS else None


def _keep_it_value(rules: PolicyRules, _argument: str):
    """The value below which the first keep-it rule with one lets the buyer keep the items."""
    return next((rule.max_value for rule in rules.keep_it if rule.max_value is not None), None)


@dataclass(frozen=True)
class Spec:
    kind: Kind
    value: Callable[[PolicyRules, str], object]
    argument: str = ""  # what follows the colon ("method", "category"), or nothing


SPECS: dict[str, Spec] = {
    "window_days": Spec(Kind.DAYS, lambda rules, _a: rules.window_days),
    "ship_back_days": Spec(Kind.DAYS, lambda rules, _a: rules.ship_back_days),
    "refund_days": Spec(Kind.DAYS, lambda rules, _a: rules.refund_days),
    "approval_business_days": Spec(
        Kind.BUSINESS_DAYS, lambda rules, _a: rules.approval_business_days
    ),
    "restocking_fee": Spec(Kind.PERCENT, lambda rules, _a: rules.restocking_fee_percent),
    "store_credit_bonus": Spec(Kind.PERCENT, lambda rules, _a: rules.store_credit_bonus_percent),
    "fee": Spec(Kind.MONEY, _fee, argument="method"),
    "category_days": Spec(Kind.DAYS, _category_days, argument="category"),
    "excluded_items": Spec(
        Kind.LIST, lambda rules, _a: tuple(item.flag for item in rules.item_exceptions) or None
    ),
    "keep_it_value": Spec(Kind.MONEY, _keep_it_value),
    "store_credit_months": Spec(Kind.MONTHS, lambda rules, _a: rules.store_credit_validity_months),
}
# Placeholders that only some policies give a value to, and the problem when one does not.
OPTIONAL = {
    "excluded_items": _("this policy excludes no items."),
    "keep_it_value": _("this policy has no keep-it rule with a value."),
    "store_credit_months": _("this policy gives store credit no validity."),
}


def available_placeholders(rules: PolicyRules) -> list[str]:
    """Every placeholder this policy's rules give a value to, e.g. "{fee:drop_off}"."""
    tokens = [f"{{{name}}}" for name, spec in SPECS.items() if not spec.argument]
    tokens += [f"{{fee:{option.method}}}" for option in rules.shipping_options]
    tokens += [
        f"{{category_days:{o.category}}}"
        for o in rules.category_overrides
        if o.kind == OverrideKind.DAYS
    ]
    return [
        token
        for token in tokens
        if token.strip("{}") not in OPTIONAL or _value_of(TOKEN.fullmatch(token), rules)
    ]


# --- formatting ------------------------------------------------------------------


def _babel_locale(language: str) -> Locale:
    # The one mapping of a language to its readers' locale (en → en_IE).
    return babel_locale(language)


def format_value(kind: Kind, value, rules: PolicyRules, language: str | None = None) -> str:
    """A rule value as a reader of `language` writes it: "30", "€4.90" or
    "4,90 €", "10%" or "10 %", "a, b and c"."""
    language = language or get_language() or settings.LANGUAGE_CODE
    locale = _babel_locale(language)
    if kind == Kind.MONEY:
        return format_currency(value, rules.currency, locale=locale)
    if kind == Kind.PERCENT:
        return format_percent(Decimal(value) / 100, locale=locale, decimal_quantization=False)
    if kind == Kind.LIST:
        with override(language):
            return format_list([str(EXCLUDED_ITEM_WORDS[flag]) for flag in value], locale=locale)
    return format_decimal(value, locale=locale)


def _value_of(match: re.Match, rules: PolicyRules):
    """(spec, value) of a placeholder, or None when the rules give it no value."""
    name, argument = match.group(1), match.group(2) or ""
    spec = SPECS.get(name)
    if spec is None or bool(spec.argument) != bool(argument):
        return None
    value = spec.value(rules, argument)
    return None if value is None else (spec, value)


def _rendered(match: re.Match, rules: PolicyRules, language: str | None) -> str | None:
    found = _value_of(match, rules)
    return format_value(found[0].kind, found[1], rules, language) if found else None


def render_text(text: str, rules: PolicyRules, language: str | None = None) -> str:
    """Plain text (the summary) with its placeholders filled in. A placeholder
    the rules give no value stays as written (the editor refuses it at save)."""
    return TOKEN.sub(lambda m: _rendered(m, rules, language) or m.group(0), text or "")


def render_html(source: str, rules: PolicyRules, language: str | None = None) -> SafeString:
    """Clause HTML with its placeholders filled in, each value HTML-escaped."""

    def replace(match):
        value = _rendered(match, rules, language)
        return match.group(0) if value is None else html.escape(value)

    # The source is the policy's own rich text, stored as published.
    return mark_safe(TOKEN.sub(replace, source or ""))  # noqa: S308


# --- what the editor wrote -------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    field: str  # "clauses" or "summary"
    anchor: str  # the clause's number; "" for the summary
    source: str  # HTML for a clause, plain text for the summary
    text: str  # as read: tags removed, entities unescaped


@dataclass(frozen=True)
class Problem:
    field: str
    anchor: str
    message: str
    number: str = ""  # the hand-typed number, as written


def segments_of(page) -> list[Segment]:
    segments = [Segment("summary", "", page.summary or "", page.summary or "")]
    for child in page.clauses or ():
        if child.block_type == "clause":
            source = child.value["text"].source
            text = html.unescape(re.sub(r"<[^>]*>", " ", source))
            segments.append(Segment("clauses", child.value["anchor"], source, text))
    return segments


def _where(segment: Segment) -> str:
    if segment.field == "summary":
        return capfirst(gettext("summary"))
    return gettext("Clauses, §%(anchor)s") % {"anchor": segment.anchor}


def placeholder_problems(page, rules: PolicyRules) -> list[Problem]:
    """Placeholders the rules cannot fill: unknown, or naming what this policy lacks."""
    problems = []
    for segment in segments_of(page):
        whole = {m.group(0) for m in TOKEN.finditer(segment.source)}
        # Tags removed without a space, so that a half-bold placeholder still reads as one.
        joined = html.unescape(re.sub(r"<[^>]*>", "", segment.source))
        for braced in BRACED.finditer(joined):
            message = _placeholder_problem(braced, rules, whole)
            if message:
                full = gettext("%(where)s: %(problem)s") % {
                    "where": _where(segment),
                    "problem": message,
                }
                problems.append(Problem(segment.field, segment.anchor, full))
    return problems


def _placeholder_problem(braced: re.Match, rules: PolicyRules, whole: set[str]) -> str | None:
    token = braced.group(0)
    match = TOKEN.fullmatch(token)
    spec = SPECS.get(match.group(1)) if match else None
    if spec is None or bool(spec.argument) != bool(match.group(2)):
        return gettext("%(token)s is not a placeholder. This policy has: %(known)s.") % {
            "token": token,
            "known": ", ".join(available_placeholders(rules)),
        }
    if _value_of(match, rules) is None:
        argument = match.group(2)
        if match.group(1) in OPTIONAL:
            message = str(OPTIONAL[match.group(1)])
        elif spec.kind == Kind.MONEY:
            message = gettext("this policy has no shipping option “%(argument)s”.")
        else:
            message = gettext("this policy sets no number of days for category “%(argument)s”.")
        return f"{token}: " + message % {"argument": argument}
    if token not in whole:
        return gettext(
            "%(token)s is split by formatting: format the whole placeholder or none of it."
        ) % {"token": token}
    return None


# --- numbers typed by hand -------------------------------------------------------

_SPACE = r"[\s\u00a0\u202f]*"
_BUSINESS = (
    r"business[\s-]days?|working[\s-]days?|jours?\s+ouvr(?:é|e)s|jours?\s+ouvrables?"
    r"|werktag\w*|arbeitstag\w*|geschäftstag\w*"
)
_CALENDAR = r"days?|jours?|tag(?:e|en|es)?|tägig\w*"
DAYS_PATTERN = re.compile(
    rf"(?<![\w.,])(\d+){_SPACE}-?{_SPACE}(?:(?P<business>{_BUSINESS})|{_CALENDAR})\b",
    re.IGNORECASE,
)
PERCENT_PATTERN = re.compile(
    rf"(?<![\w.,])(\d+(?:[.,]\d+)?){_SPACE}(?:%|percent\b|per{_SPACE}cent\b|pour{_SPACE}cent\b"
    r"|prozent\b)",
    re.IGNORECASE,
)
_AMOUNT = r"\d+(?:[.,]\d{1,2})?"
# The currency's word where readers write it out ("4,90 euros").
CURRENCY_WORDS = {"EUR": ("euros", "euro"), "GBP": ("pounds", "pound")}


@lru_cache(maxsize=8)
def money_pattern(currency: str) -> re.Pattern:
    names = {currency, *CURRENCY_WORDS.get(currency, ())}
    names |= {get_currency_symbol(currency, locale=code) for code in ("en", "fr", "de")}
    unit = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(
        rf"(?:(?<![\w])(?:{unit}){_SPACE}(?P<before>{_AMOUNT})(?![\d])"
        rf"|(?<![\w.,])(?P<after>{_AMOUNT}){_SPACE}(?:{unit})(?![A-Za-z]))",
        re.IGNORECASE,
    )


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


def _day_values(rules: PolicyRules) -> set[int]:
    """The day counts a text may state: the policy's own and its markets' statutory ones."""
    values = {rules.window_days, rules.ship_back_days, rules.refund_days}
    values |= {rules.approval_business_days}
    values |= {o.days for o in rules.category_overrides if o.kind == OverrideKind.DAYS}
    for market in rules.markets:
        floor = floor_for(market)
        if floor:
            values |= {floor.withdrawal_days, floor.refund_days, floor.ship_back_days}
    return values


def _suggestions(kind: Kind, rules: PolicyRules) -> str:
    tokens = [
        token
        for token in available_placeholders(rules)
        if SPECS[TOKEN.fullmatch(token).group(1)].kind == kind
    ]
    shown = []
    for token in tokens:
        spec, value = _value_of(TOKEN.fullmatch(token), rules)
        shown.append(f"{token} ({format_value(spec.kind, value, rules)})")
    return ", ".join(shown) or "—"


CONTRADICTION = {
    Kind.DAYS: _(
        "“%(number)s” matches no number of days of this policy. Write a placeholder: %(use)s."
    ),
    Kind.BUSINESS_DAYS: _(
        "“%(number)s” is not the approval time of this policy. Write a placeholder: %(use)s."
    ),
    Kind.MONEY: _("“%(number)s” matches no fee of this policy. Write a placeholder: %(use)s."),
    Kind.PERCENT: _(
        "“%(number)s” matches no percentage of this policy. Write a placeholder: %(use)s."
    ),
}


def _contradictions(text: str, rules: PolicyRules):
    """(kind, number as written) for each rule-like number the rules do not have."""
    days = _day_values(rules)
    for match in DAYS_PATTERN.finditer(text):
        count = int(match.group(1))
        if match.group("business"):
            if count != rules.approval_business_days:
                yield Kind.BUSINESS_DAYS, match.group(0)
        elif count not in days:
            yield Kind.DAYS, match.group(0)
    fees = {option.fee for option in rules.shipping_options}
    fees |= {rule.max_value for rule in rules.keep_it if rule.max_value is not None}
    for match in money_pattern(rules.currency).finditer(text):
        if _decimal(match.group("before") or match.group("after")) not in fees:
            yield Kind.MONEY, match.group(0)
    percents = {rules.restocking_fee_percent, rules.store_credit_bonus_percent}
    for match in PERCENT_PATTERN.finditer(text):
        if _decimal(match.group(1)) not in percents:
            yield Kind.PERCENT, match.group(0)


def contradicting_numbers(page, rules: PolicyRules) -> list[Problem]:
    """Numbers typed in the clauses and the summary that state a rule value
    (days, a fee, a percentage) the rules do not have."""
    problems = []
    for segment in segments_of(page):
        seen = set()
        for kind, written in _contradictions(segment.text, rules):
            number = re.sub(r"[\s\u00a0\u202f]+", " ", written).strip()
            if (kind, number) in seen:
                continue
            seen.add((kind, number))
            problem = CONTRADICTION[kind] % {"number": number, "use": _suggestions(kind, rules)}
            message = gettext("%(where)s: %(problem)s") % {
                "where": _where(segment),
                "problem": problem,
            }
            problems.append(Problem(segment.field, segment.anchor, message, number))
    return problems
