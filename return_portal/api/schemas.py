"""Parameters and responses of the eligibility API."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field

from core.api.instant import Instant
from core.api.lang import DEFAULT_LANG, Lang
from core.api.text import text
from policy_pages.api.schemas import PinnedPolicy

# A line reference, as the intake accepts it; `opened` lists them.
LINE_REFERENCE = r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}"
OPENED_PATTERN = rf"^(?: *{LINE_REFERENCE} *(?:, *{LINE_REFERENCE} *)*)?$"
MAX_OPENED_LENGTH = 32_768
DEADLINE = {
    "format": "date-time",
    "description": "The end of the last day in the market's time zone (after moving off "
    "weekends and public holidays).",
}

OrderReference = text(64, description="The order's reference.", examples=["DEMO-1001"])


def _no_default(schema: dict) -> None:
    schema.pop("default", None)


class EligibilityParams(Schema):
    at: Instant = Field(
        None,
        description="The instant judged. Default: now. Not empty.",
        json_schema_extra=_no_default,
    )
    opened: text(
        MAX_OPENED_LENGTH,
        pattern=OPENED_PATTERN,
        description="Comma-separated references of lines of this order whose sealed goods the "
        "buyer unsealed after delivery. A reference the order does not have is a 400 "
        "(unknown).",
        examples=["1,2"],
    ) = ""
    lang: Lang = DEFAULT_LANG

    def opened_lines(self) -> set[str]:
        return {ref.strip() for ref in self.opened.split(",") if ref.strip()}


class ReasonOut(Schema):
    code: str = Field(examples=["within_policy_window", "item_exception"])
    message: str = Field(description="In the requested language.")
    clause: str | None = Field(description="Policy clause anchor.")
    statute: str | None = Field(examples=["Directive 2011/83/EU Art. 9"])


class LineEligibilityOut(Schema):
    reference: str
    sku: str
    title: str
    quantity: int
    eligible: bool
    returnable_quantity: int = Field(description="0 when not eligible.")
    remaining_quantity: int = Field(description="Units not yet returned nor in an open return.")
    policy_deadline: str | None = Field(json_schema_extra=DEADLINE)
    statutory_deadline: str | None = Field(json_schema_extra=DEADLINE)
    deadline: str | None = Field(
        json_schema_extra={**DEADLINE, "description": "The later of the two."}
    )
    statutory_right: bool
    conditions_apply: bool
    policy: PinnedPolicy
    reasons: list[ReasonOut]


class OrderEligibilityOut(Schema):
    order: str
    market: str
    at: str = Field(json_schema_extra={"format": "date-time"})
    lang: str
    opened: list[str]
    lines: list[LineEligibilityOut]
