"""Response schemas of the policy API (they document; the answer itself is
rendered once and cached, see answer.py)."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from core.api.errors import ErrorOut

DATE_TIME = {"format": "date-time"}


class PolicyQueryOut(Schema):
    """The query as understood: market normalised, category and language codes."""

    market: str
    seller: str | None
    category: str | None
    at: str | None = Field(json_schema_extra=DATE_TIME)
    lang: str


class PolicyInForceOut(Schema):
    policy: str = Field(description="Slug of the policy.")
    kind: Literal["return"]
    version: int = Field(ge=1)
    effective_from: str = Field(json_schema_extra=DATE_TIME)
    hash: str = Field(
        pattern="^[0-9a-f]{64}$",
        description="The version's SHA-256 hash. A storefront that shows this policy at "
        "checkout sends it back with the order (displayed_policy) as proof of display.",
    )
    lang: str
    title: str
    title_lang: str = Field(description="Language of the title.")
    fallback: bool = Field(
        description="True when the version has no text in the requested language and the "
        "source title is given."
    )
    summary: str = Field(examples=["30-day returns · free drop-off"])
    description: str | None = Field(
        description="The version's own one-line summary, as its editors wrote it (in the "
        "language of the title), with the rule values it cites filled in and formatted in "
        "lang; null when it has none.",
        examples=["Returns within 45 days of delivery, free drop-off returns."],
    )
    permalink: str | None = Field(json_schema_extra={"format": "uri"})
    seller: str | None
    markets: list[str]
    rules: dict[str, Any] = Field(description="The version's structured rules (canonical JSON).")
    query: PolicyQueryOut


class PolicyNotFoundOut(ErrorOut):
    """No policy applies: the envelope, with the query echoed."""

    query: PolicyQueryOut


class PinnedPolicy(Schema):
    slug: str
    version: int = Field(ge=1)
    effective_from: str = Field(json_schema_extra=DATE_TIME)
    hash: str = Field(pattern="^[0-9a-f]{64}$")
    seller: str | None = Field(description="The seller of a seller's own policy.")


class DisplayedPolicy(Schema):
    """The version the buyer was shown at checkout, as the storefront sent it."""

    slug: str
    version: int = Field(ge=1)
    hash: str = Field(pattern="^[0-9a-f]{64}$")
    matches: bool = Field(
        description="True when it is the version in force at placed_at (the line's policy); "
        "false flags a mismatch."
    )
