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
from core.api.fields import field_error, format_lazy_percent
from core.api.text import control_message, has_control_characters, text

from .fields import (
    CODE_PATTERN,
    CODE_RE,
    FLAGS,
    MAX_CATEGORY_DEPTH,
    NONBLANK_PATTERN,
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
from .image_urls import ImageUrl


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


# --- exchange variants --------------------------------------------------------------------

MAX_VARIANTS = 50  # per line
MAX_ATTRIBUTES = 10  # per variant
MAX_ATTRIBUTE_NAME = 40
MAX_ATTRIBUTE_VALUE = 100


def _variants(value: Any, handler, info: ValidationInfo) -> list:
    if not isinstance(value, list):
        raise field_error(_("Expected a list of variants."))
    if len(value) > MAX_VARIANTS:
        raise field_error(
            format_lazy_percent(_("At most %(max)d variants per line."), {"max": MAX_VARIANTS})
        )
    state = seen(info)
    state.line_sku, state.variant_skus = info.data.get("sku"), set()
    return handler(value)


def _variant_sku(value: str, info: ValidationInfo) -> str:
    state = seen(info)
    if value == state.line_sku:
        raise constraint_error(_("A variant is another article than the line's: use another SKU."))
    if value in state.variant_skus:
        raise constraint_error(_("Another variant of this line has this SKU."))
    state.variant_skus.add(value)
    return value


def _attributes(value: Any, handler) -> dict[str, str]:
    if not isinstance(value, dict):
        raise field_error(_('Give the attributes as names and values, such as {"size": "L"}.'))
    if len(value) > MAX_ATTRIBUTES:
        raise field_error(
            format_lazy_percent(
                _("At most %(max)d attributes per variant."), {"max": MAX_ATTRIBUTES}
            )
        )
    # Each entry sees its name, so an error lands at attributes.<name>; names are
    # trimmed like every string.
    entries = {str(name).strip(): (name, text_) for name, text_ in value.items()}
    if len(entries) < len(value):
        raise constraint_error(_("Two attributes have the same name."))
    return handler(entries)


def _attribute(entry: tuple[str, Any]) -> str:
    name, value = entry
    for part, limit in ((name, MAX_ATTRIBUTE_NAME), (value, MAX_ATTRIBUTE_VALUE)):
        if isinstance(part, str) and has_control_characters(part):
            raise field_error(control_message())
        if not isinstance(part, str) or not part.strip() or len(part) > limit:
            raise field_error(
                format_lazy_percent(
                    _(
                        "Give attribute names of 1 to %(name)d characters and values of 1 to "
                        "%(value)d characters."
                    ),
                    {"name": MAX_ATTRIBUTE_NAME, "value": MAX_ATTRIBUTE_VALUE},
                )
            )
    return value.strip()


Attributes = Annotated[
    dict[str, Annotated[str, PlainValidator(_attribute)]],
    WrapValidator(_attributes),
    WithJsonSchema(
        {
            "type": "object",
            "description": "What tells the variant apart, by name: size, colour, model...",
            "maxProperties": MAX_ATTRIBUTES,
            "propertyNames": {"maxLength": MAX_ATTRIBUTE_NAME, "pattern": NONBLANK_PATTERN},
            "additionalProperties": {
                "type": "string",
                "maxLength": MAX_ATTRIBUTE_VALUE,
                "pattern": NONBLANK_PATTERN,
            },
            "examples": [{"size": "L", "colour": "navy"}],
        }
    ),
]


class VariantIn(Payload):
    """An article the buyer may exchange the line to, as the platform offers it."""

    sku: Annotated[NonBlank[64], AfterValidator(_variant_sku)] = Field(
        description="Not the line's own SKU; once per line."
    )
    title: NonBlank[255]
    attributes: Attributes = Field(default_factory=dict)
    unit_price: Amount
    in_stock: StrictBool = True


Variants = Annotated[
    list[VariantIn],
    WrapValidator(_variants),
    Field(
        max_length=MAX_VARIANTS,
        description="What the buyer may exchange this line to (another size, colour or "
        "model), in the order shown; absent: none.",
        examples=[
            [
                {
                    "sku": "MD-OXF-43",
                    "title": "Oxford shirt, blue, 43",
                    "attributes": {"size": "43"},
                    "unit_price": "49.90",
                    "in_stock": True,
                }
            ]
        ],
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
    image_url: ImageUrl | None = None
    displayed_policy: DisplayedPolicy = Field(
        None, description="Proof of display for this line; overrides the order's."
    )
    # After sku: its validator compares the variants' SKUs with the line's.
    variants: Variants = Field(default_factory=list)

    @property
    def flags(self) -> dict[str, bool]:
        return {flag: bool(getattr(self, flag)) for flag in FLAGS}
