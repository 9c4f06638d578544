"""The value types of the intake payloads (marketplace/*_schemas.py): references,
codes, amounts, dates, names, with the messages intake has always answered.

Some values depend on others: an amount on the currency's decimals, a date on
placed_at, a line on the lines before it. Validators record and read those in
`seen(info)`, the running state of one order's validation, kept in the
validation context (see schemas.OrderIn).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any

from babel import Locale
from babel.numbers import get_currency_precision, list_currencies
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    WrapValidator,
)

from core.api.constraints import constraint_error, validation_code
from core.api.errors import ErrorCode
from core.api.fields import field_error, format_lazy_percent
from core.api.instant import Instant
from core.api.lang import lang_error_message, languages
from core.api.messages import errors_by_path
from core.api.text import control_message, has_control_characters, text

from .markets import MARKET_PATTERN, normalize_market

MAX_LINES = 500
MAX_QUANTITY = 100_000
MAX_AMOUNT = Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)
MAX_CATEGORY_DEPTH = 8
MAX_NAME_LENGTH = 100
# Clocks differ: a date up to this far ahead of ours is not "in the future".
CLOCK_SKEW = timedelta(minutes=5)
FLAGS = ("custom_made", "perishable", "sealed_hygiene", "sealed_media")

# Order and line references travel in URLs and comma-separated lists.
REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
PAYMENT_METHOD_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
# White space as str.strip and pydantic's trimming see it, written out so that
# JSON Schema (ECMA 262's \s differs from Python's) and Python agree.
_SPACE = r"\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
VISIBLE_CHARACTER = rf"[^\x00-\x20\x7f{_SPACE}]"
_ALLOWED = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
# Seller references match policy_pages' seller scope: opaque, no spaces or controls.
SELLER_REFERENCE_PATTERN = rf"^{VISIBLE_CHARACTER}{{1,64}}$"
# Policy slugs (Wagtail's, possibly Unicode) as a storefront sends them back.
POLICY_SLUG_PATTERN = rf"^{VISIBLE_CHARACTER}{{1,255}}$"
# Free text that is not blank: one visible character at least.
NONBLANK_PATTERN = rf"^{_ALLOWED}*{VISIBLE_CHARACTER}{_ALLOWED}*$"
_AMOUNT_RE = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,20})?")
# Documents the amounts accepted (at most MAX_AMOUNT, at most two decimals).
AMOUNT_PATTERN = r"^[0-9]{1,10}(?:\.[0-9]{1,2})?$"
# Postal codes of every country: letters, digits, inner spaces and hyphens ("69003", "SW1A 1AA").
POSTAL_CODE_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9 -]{0,14}[A-Za-z0-9])?$"
STATE_KEY = "marketplace.intake"  # the key of the running state in the context


@lru_cache(maxsize=1)
def currencies() -> frozenset[str]:
    """ISO 4217 codes (Babel's list), without the testing and "no currency" codes."""
    return frozenset(list_currencies()) - {"XTS", "XXX"}


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, from Babel's territory names."""
    reserved = {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}
    return frozenset(
        code
        for code in Locale.parse("en").territories
        if len(code) == 2 and code.isalpha() and code not in reserved
    )


def payload_hash(data) -> str:
    """SHA-256 of the canonical JSON of a payload: key order and spacing do not count."""
    text_ = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()


class Errors(dict):
    """Messages per field path, e.g. {"lines[1].quantity": ["…"]}, and the
    API's code for them: "invalid" unless every message is a domain refusal
    the schema cannot foresee, "unknown" (names what the database does not
    know) or "constraint" (breaks a rule between fields or stored data)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Messages given at construction (a schema's) are "invalid".
        self._codes = {ErrorCode.INVALID} if self else set()

    def add(self, path: str, message, *, code: ErrorCode = ErrorCode.INVALID) -> None:
        self._codes.add(code)
        self.setdefault(path or "body", []).append(str(message))

    @property
    def code(self) -> ErrorCode:
        for code in (ErrorCode.INVALID, ErrorCode.CONSTRAINT):
            if code in self._codes:
                return code
        return ErrorCode.UNKNOWN if self._codes else ErrorCode.INVALID


@dataclass(frozen=True)
class CategorySpec:
    code: str
    names: dict[str, str] | None  # None: only named (by code, as a parent), not described
    parent: str | None = None


@dataclass
class Seen:
    """What the validation of one order has seen so far."""

    places: int = 2  # decimals of the currency (2 until a valid currency says otherwise)
    placed_at: datetime | None = None
    line_references: set[str] = field(default_factory=set)
    sellers: dict[str, Any] = field(default_factory=dict)  # reference -> SellerIn
    categories: dict[str, CategorySpec] = field(default_factory=dict)
    depth: int = 0  # of the category being validated
    # The line whose variants are being validated: its SKU and its variants' so far.
    line_sku: str | None = None
    variant_skus: set[str] = field(default_factory=set)


def now_of(info: ValidationInfo) -> datetime:
    return (info.context or {}).get("now") or timezone.now()


def seen(info: ValidationInfo) -> Seen:
    if info.context is None:
        raise TypeError("Validate orders with validate_order() or through the API.")
    return info.context.setdefault(STATE_KEY, Seen())


# --- values ------------------------------------------------------------------------------


def _reference_message():
    return _(
        "Use at most 64 letters, digits, dots, colons, underscores and hyphens, starting with "
        "a letter or a digit."
    )


def code_message():
    return _(
        "Use a category code such as apparel: lowercase letters, digits, hyphens and underscores."
    )


Reference = text(
    64,
    min_length=1,
    pattern=REFERENCE_PATTERN,
    pattern_message=_reference_message(),
    examples=["ORD-1001"],
)
NonBlank = {n: text(n, min_length=1, pattern=NONBLANK_PATTERN) for n in (64, 100, 200, 255)}


def _email(value: str) -> str:
    try:
        validate_email(value)
    except DjangoValidationError:
        raise field_error(_("Enter a valid email address.")) from None
    return value.lower()


def _market(value: str) -> str:
    return normalize_market(value)  # the pattern let only markets through


def _currency(value: str, info: ValidationInfo) -> str:
    value = value.upper()
    if value not in currencies():
        raise field_error(_("Unknown currency: use an ISO 4217 code such as EUR."))
    seen(info).places = min(2, get_currency_precision(value))
    return value


def _country(value: str) -> str:
    value = value.upper()
    if value not in countries():
        raise field_error(_("Use an ISO 3166-1 country code such as FR."))
    return value


def _amount(value: Any, info: ValidationInfo) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str):
        raise field_error(_('Send amounts as decimal strings, such as "39.90", not as numbers.'))
    value = value.strip()
    if not _AMOUNT_RE.fullmatch(value):
        raise field_error(_('Use a decimal amount such as "39.90".'))
    amount = Decimal(value)
    if amount < 0:
        raise field_error(_("An amount cannot be negative."))
    if amount > MAX_AMOUNT:
        raise field_error(_("This amount is too large."))
    places = seen(info).places
    if -amount.as_tuple().exponent > places:
        raise constraint_error(
            format_lazy_percent(
                _("At most %(places)d decimal places are allowed in this currency."),
                {"places": places},
            )
        )
    return amount


def _quantity(value: Any) -> int:
    # JSON Schema counts 2.0 as an integer, and JSON does not tell it from 2:
    # a whole float is taken, booleans and fractions are not.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise field_error(_("Expected a whole number, such as 1."))
    if value <= 0:
        raise field_error(_("The quantity must be at least 1."))
    if value > MAX_QUANTITY:
        raise field_error(
            format_lazy_percent(_("The quantity must be at most %(max)d."), {"max": MAX_QUANTITY})
        )
    return value


def not_future(value: datetime, info: ValidationInfo) -> datetime:
    if value > now_of(info) + CLOCK_SKEW:
        raise constraint_error(_("This date is in the future."))
    return value


def _placed_at(value: datetime, info: ValidationInfo) -> datetime:
    seen(info).placed_at = value
    return value


def _not_before_placing(value: datetime, info: ValidationInfo) -> datetime:
    placed_at = seen(info).placed_at
    if placed_at is not None and value < placed_at:
        raise constraint_error(
            format_lazy_percent(_("This date is before %(field)s."), {"field": "placed_at"})
        )
    return value


def told_late(value: datetime, info: ValidationInfo) -> datetime:
    if info.data.get("withdrawal_info_given") is True:
        raise constraint_error(
            _("Give this date only when the information was not given before the purchase.")
        )
    return value


Email = Annotated[
    text(254, min_length=1), AfterValidator(_email), Field(json_schema_extra={"format": "email"})
]
Market = Annotated[
    text(
        8,
        min_length=1,
        pattern=MARKET_PATTERN,
        pattern_message=_(
            "Unknown market: use the ISO 3166-1 code of an EU country or the United "
            "Kingdom, such as FR, DE or GB."
        ),
        description="ISO 3166-1 code of an EU country or the United Kingdom (UK and EL "
        "accepted), any letter case.",
        examples=["FR"],
    ),
    AfterValidator(_market),
]
Currency = Annotated[
    text(3, min_length=1, description="ISO 4217, any letter case.", examples=["EUR"]),
    AfterValidator(_currency),
    Field(json_schema_extra={"enum": sorted(currencies())}),
]
Country = Annotated[
    text(2, min_length=1, description="ISO 3166-1 alpha-2, any letter case.", examples=["FR"]),
    AfterValidator(_country),
    Field(json_schema_extra={"enum": sorted(countries())}),
]
Amount = Annotated[
    Decimal,
    PlainValidator(_amount),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": AMOUNT_PATTERN,
            "description": "A decimal string in the order's currency, never a JSON number; "
            f"at most {MAX_AMOUNT}, with no more decimals than the currency has (2 for EUR, "
            "0 for JPY).",
            "examples": ["39.90"],
        }
    ),
]
Quantity = Annotated[
    int,
    PlainValidator(_quantity),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY}),
]
Placed = Annotated[Instant, AfterValidator(not_future), AfterValidator(_placed_at)]
# A later date of the order: not in the future, not before placed_at.
Later = Annotated[Instant, AfterValidator(not_future), AfterValidator(_not_before_placing)]


def _names(value: Any, handler) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise field_error(_('Give the name per language, such as {"en": "Shirts"}.'))
    # Each entry sees its language, so an error lands at name.<language>.
    return handler({language: (language, name) for language, name in value.items()})


def _name_entry(entry: tuple[str, Any]) -> str:
    language, name = entry
    if language not in languages():
        raise field_error(lang_error_message())
    if isinstance(name, str) and has_control_characters(name):
        raise field_error(control_message())
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
        raise field_error(_("Give a name of 1 to 100 characters."))
    return name.strip()


Names = Annotated[
    dict[str, Annotated[str, PlainValidator(_name_entry)]],
    WrapValidator(_names),
    WithJsonSchema(
        {
            "type": "object",
            "description": "The name per language.",
            "minProperties": 1,
            "propertyNames": {"enum": list(languages())},
            "additionalProperties": {
                "type": "string",
                "maxLength": MAX_NAME_LENGTH,
                "pattern": NONBLANK_PATTERN,
            },
            "examples": [{"en": "Shirts", "fr": "Chemises", "de": "Hemden"}],
        }
    ),
]
CategoryCode = text(64, min_length=1, pattern=CODE_PATTERN, pattern_message=code_message())
CODE_RE = re.compile(CODE_PATTERN)


def validate(schema: type[BaseModel], data: Any, now: datetime | None = None):
    """(instance, {}) or (None, errors) for decoded JSON, outside the API (the
    import, the seed) with the API's paths, messages and codes."""
    try:
        return schema.model_validate(data, context={"now": now}), Errors()
    except ValidationError as error:
        errors = Errors()
        for item in error.errors():
            for path, messages in errors_by_path([item]).items():
                errors.add(path, messages[0], code=validation_code([item]))
        return None, errors
