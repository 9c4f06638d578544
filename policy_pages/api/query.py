"""The question the policy API and the embeds answer: a market, maybe a
seller and a category, an instant and a language. One schema validates it
for both (the API through ninja, the embeds through `parse_policy_query`), so
they refuse exactly the same input with the same messages.

What needs the database stays out of the schema: a well-formed category
code the catalogue does not know is refused afterwards, with code "unknown".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import pydantic
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from core.api.errors import ApiError, ErrorCode
from core.api.fields import field_error
from core.api.instant import Instant
from core.api.lang import DEFAULT_LANG, Lang, parse_lang
from core.api.messages import errors_by_path
from core.api.text import has_control_characters, text
from marketplace.fields import VISIBLE_CHARACTER
from marketplace.markets import MARKET_PATTERN, normalize_market
from marketplace.services import category_path

POLICY_KIND = "return"  # product and checkout pages link the return policy

# A seller reference is opaque: no spaces or control characters. Empty means none.
SELLER_PATTERN = rf"^{VISIBLE_CHARACTER}{{0,64}}$"  # the same characters as at intake
CATEGORY_PATTERN = r"^(?:[a-z0-9][a-z0-9_-]{0,63})?$"


def _market(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PydanticCustomError("missing", "Field required")
    if has_control_characters(value) or len(value) > 2 or not value.isascii():
        market = None  # e.g. a dotless i ("\u0131t") would upper-case to "IT"
    else:
        market = normalize_market(value)
    if market is None:
        raise field_error(
            _(
                "Unknown market: use the ISO 3166-1 code of an EU country or the United "
                "Kingdom, such as FR, DE or GB."
            )
        )
    return market


Market = Annotated[
    str,
    BeforeValidator(_market),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": MARKET_PATTERN,
            "maxLength": 2,
            "description": "ISO 3166-1 alpha-2 code of the buyer's market (EU-27 or GB), any "
            "case; UK is accepted for GB and EL for GR.",
            "examples": ["FR"],
        }
    ),
]

Seller = text(
    64,
    pattern=SELLER_PATTERN,
    pattern_message=_("Use the seller's reference: at most 64 characters, without spaces."),
    description="Seller reference. A seller's own policy overrides the marketplace-wide "
    "one. Empty: none.",
    examples=["atelier-lumiere"],
)
Category = text(
    64,
    pattern=CATEGORY_PATTERN,
    pattern_message=_(
        "Use a category code such as apparel: lowercase letters, digits, hyphens and underscores."
    ),
    description="Marketplace category code; the policy's overrides for it or its parent "
    "categories apply. Empty: none. A code the catalogue does not know is a 400 (unknown).",
    examples=["apparel"],
)


def _no_default(schema: dict) -> None:
    schema.pop("default", None)  # "default: null" means nothing in a query string


class PolicyParams(Schema):
    market: Market
    seller: Seller = ""
    category: Category = ""
    at: Instant = Field(
        None,
        description="The instant judged (e.g. the order time). Default: now. Not empty.",
        json_schema_extra=_no_default,
    )
    lang: Lang = DEFAULT_LANG


@dataclass(frozen=True)
class PolicyQuery:
    market: str
    seller: str = ""
    category: str = ""
    category_path: tuple[str, ...] = ()
    at: datetime | None = None  # aware, UTC; None means "now"
    lang: str = DEFAULT_LANG

    def cache_parts(self) -> tuple[str, ...]:
        at = self.at.isoformat() if self.at else ""
        return (self.market, self.seller, "/".join(self.category_path), at, self.lang)

    def echo(self) -> dict:
        return {
            "market": self.market,
            "seller": self.seller or None,
            "category": self.category or None,
            "at": self.at.isoformat() if self.at else None,
            "lang": self.lang,
        }


def resolve_category(code: str) -> tuple[str, ...]:
    """The category's codes from the root (a parent's override applies to its
    children), or ApiError (400, unknown) when the catalogue has no such code."""
    path = category_path(code)
    if not path:
        raise ApiError(400, code=ErrorCode.UNKNOWN, errors={"category": [_("Unknown category.")]})
    return tuple(path)


def policy_query(params: PolicyParams) -> PolicyQuery:
    """The query for validated parameters; ApiError for an unknown category."""
    path = resolve_category(params.category) if params.category else ()
    return PolicyQuery(
        market=params.market,
        seller=params.seller,
        category=params.category,
        category_path=path,
        at=params.at,
        lang=params.lang,
    )


def parse_policy_query(
    params: Mapping[str, str],
) -> tuple[PolicyQuery | None, dict[str, list[str]], str]:
    """Validate raw query parameters (the embeds' entry; the API lets ninja
    validate the same schema). Returns (query, errors, lang): errors maps each
    bad parameter to its messages in `lang` (the requested language when it
    is valid, else the default); query is None when there are errors."""
    lang = parse_lang(params.get("lang")) or DEFAULT_LANG
    data = {name: params.get(name) for name in PolicyParams.model_fields}
    with translation.override(lang):
        try:
            validated = PolicyParams.model_validate(
                {k: v for k, v in data.items() if v is not None}
            )
            return policy_query(validated), {}, lang
        except pydantic.ValidationError as error:
            return None, errors_by_path(error.errors(include_url=False), source="query"), lang
        except ApiError as error:
            return None, {p: [str(m) for m in ms] for p, ms in error.errors.items()}, lang
