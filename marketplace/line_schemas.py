"""What an order line of an intake payload describes, as pydantic schemas: its
seller, its category (by code or inline, nested), the policy version its buyer
was shown, and the line itself. `Payload` is the base of every part of an order.
How they are validated together is told in marketplace.order_schemas.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.utils.translation import gettext_lazy as _
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    ValidationInfo,
    WithJsonSchema,
    WrapValidator,
    field_validator,
    model_validator,
)

from core.api.constraints import constraint_error
from core.api.fields import field_error
from core.api.text import text

from .fields import (
    CODE_PATTERN,
    CODE_RE,
    FLAGS,
    MAX_CATEGORY_DEPTH,
    POLICY_SLUG_PATTERN,
    SELLER_REFERENCE_PATTERN,
    Amount,
    CategoryCode,
    CategorySpec,
    Country,
    Later,
    Names,
    NonBlank,
    Quantity,
    Reference,
    code_message,
    seen,
)


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        # A null field is an absent one: required, or its default. An unknown
        # field stays, to be refused whatever its value.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None or k not in cls.model_fields}
        return data


class SellerIn(Payload):
    reference: text(
        64,
        min_length=1,
        pattern=SELLER_REFERENCE_PATTERN,
        pattern_message=_("Use the seller's reference: at most 64 characters, without spaces."),
        examples=["atelier-lumiere"],
    )
    name: NonBlank[200]
    is_trader: StrictBool = Field(
        description="False for a private seller: no statutory right of withdrawal."
    )
    country: Country
    returns_address: text(1000) | None = Field(None, description="Absent: keep the known one.")

    @model_validator(mode="after")
    def _described_once(self, info: ValidationInfo) -> SellerIn:
        if seen(info).sellers.setdefault(self.reference, self) != self:
            raise constraint_error(_("This seller is described differently on another line."))
        return self

    def values(self) -> dict:
        values = {"name": self.name, "is_trader": self.is_trader, "country": self.country}
        if self.returns_address is not None:
            values["returns_address"] = self.returns_address
        return values


def _code_or_category(value: Any, handler, info: ValidationInfo):
    """A parent is the code of a known category, or described inline (one level
    deeper: counted here, as pydantic may apply a model's own wrap validator twice)."""
    state = seen(info)
    if isinstance(value, str):
        code = value.strip()
        if not CODE_RE.fullmatch(code):
            raise field_error(code_message())
        state.categories.setdefault(code, CategorySpec(code, None))
        return code
    if state.depth + 1 >= MAX_CATEGORY_DEPTH:
        raise constraint_error(_("Categories are nested too deeply."))
    state.depth += 1
    try:
        return handler(value)
    finally:
        state.depth -= 1


def _parent_schema(schema: dict) -> None:
    schema["anyOf"].insert(0, {"type": "string", "pattern": CODE_PATTERN, "maxLength": 64})


class CategoryIn(Payload):
    code: CategoryCode
    name: Names
    # The code (a str) of a known category, or a CategoryIn.
    parent: Annotated[
        CategoryIn | None,
        WrapValidator(_code_or_category),
        Field(
            description="The parent: the code of a known category, or described inline.",
            json_schema_extra=_parent_schema,
        ),
    ] = None

    @field_validator("parent")
    @classmethod
    def _not_itself(cls, parent, info: ValidationInfo):
        if parent is not None and _code(parent) == info.data.get("code"):
            raise constraint_error(_("A category cannot be its own parent."))
        return parent

    @model_validator(mode="after")
    def _described_once(self, info: ValidationInfo) -> CategoryIn:
        spec = self.spec()
        categories = seen(info).categories
        known = categories.get(spec.code)
        if known is None or known.names is None:
            categories[spec.code] = spec
        elif known != spec:
            raise constraint_error(_("This category is described differently on another line."))
        return self

    def spec(self) -> CategorySpec:
        return CategorySpec(self.code, dict(self.name), _code(self.parent))


def _code(category: CategoryIn | str | None) -> str | None:
    return category.code if isinstance(category, CategoryIn) else category


def _unique_reference(value: str, info: ValidationInfo) -> str:
    references = seen(info).line_references
    if value in references:
        raise constraint_error(_("Another line of this order has this reference."))
    references.add(value)
    return value


# Proof of display: which policy version the storefront showed the buyer. Only
# its shape is the marketplace's; which versions exist is policy_pages' to say.
HASH_PATTERN = r"^[0-9a-f]{64}$"
MAX_VERSION_NUMBER = 2_147_483_647  # PositiveIntegerField


def _version_number(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise field_error(_("Expected a whole number, such as 1."))
    if not 1 <= value <= MAX_VERSION_NUMBER:
        raise field_error(_("Give the version number as shown, from 1."))
    return value


class DisplayedPolicyIn(Payload):
    """The policy version the buyer was shown at checkout, as the embed or the
    in-force API gave it (its slug, version and hash)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"slug": "return-policy", "version": 2, "hash": "0" * 64}],
        }
    )

    slug: text(
        255,
        min_length=1,
        pattern=POLICY_SLUG_PATTERN,
        pattern_message=_("Use the policy's slug, as the embed or the policy API gives it."),
        description="The policy's slug (data-policy in the embed, policy in the API).",
        examples=["return-policy"],
    )
    version: Annotated[
        int,
        PlainValidator(_version_number),
        WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_VERSION_NUMBER}),
        Field(description="The version number shown (data-version, version)."),
    ]
    hash: text(
        64,
        min_length=64,
        pattern=HASH_PATTERN,
        pattern_message=_("Give the version's hash: 64 lowercase hexadecimal characters."),
        description="The version's SHA-256 hash (data-policy-hash in the embed, hash in the API).",
    )


DisplayedPolicy = Annotated[
    DisplayedPolicyIn | None,
    Field(
        None,
        description="Proof of display: the policy version shown to the buyer at checkout. "
        "It must name a known version (else 400 `unknown`); one that is not the version in "
        "force at placed_at is accepted and flagged as a mismatch.",
    ),
]


class OrderLineIn(Payload):
    reference: Annotated[Reference, AfterValidator(_unique_reference)]
    seller: SellerIn
    sku: NonBlank[64]
    title: NonBlank[255]
    category: CategoryIn
    quantity: Quantity
    unit_price: Amount
    delivered_at: Later | None = None
    custom_made: StrictBool | None = False
    perishable: StrictBool | None = False
    sealed_hygiene: StrictBool | None = False
    sealed_media: StrictBool | None = False
    displayed_policy: DisplayedPolicy = Field(
        None, description="Proof of display for this line; overrides the order's."
    )

    @property
    def flags(self) -> dict[str, bool]:
        return {flag: bool(getattr(self, flag)) for flag in FLAGS}
