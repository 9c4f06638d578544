"""The intake payloads as pydantic schemas: an order (POST /api/v1/orders,
`import_orders`, the demo seed) and a delivery report.

Every rule a payload can be judged by alone lives here (the values in
fields.py), with the messages and paths intake always answered
("lines[1].quantity", "shipping.standard", "body"). What needs the database
(known categories, loops in the tree, the policy in force) is the services'.

Rules across fields run while the fields are validated, in their declared
order (pydantic's documented order): `currency` and `placed_at` come before
the amounts and dates that depend on them, and each line sees what earlier
lines described. That running state lives in the validation context (ninja
passes one; `validate_order` makes one), so one answer reports every error at
its own path, as the hand-written validator did.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.utils.translation import gettext_lazy as _
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    StrictBool,
    ValidationInfo,
    WithJsonSchema,
    WrapValidator,
    field_validator,
    model_validator,
)

from core.api.constraints import constraint_error
from core.api.fields import field_error, format_lazy_percent
from core.api.instant import Instant
from core.api.text import text

from .fields import (
    CODE_PATTERN,
    CODE_RE,
    FLAGS,
    MAX_CATEGORY_DEPTH,
    MAX_LINES,
    PAYMENT_METHOD_PATTERN,
    POLICY_SLUG_PATTERN,
    REFERENCE_PATTERN,
    SELLER_REFERENCE_PATTERN,
    STATE_KEY,
    Amount,
    CategoryCode,
    CategorySpec,
    Country,
    Currency,
    Email,
    Errors,
    Later,
    Market,
    Names,
    NonBlank,
    Placed,
    Quantity,
    Reference,
    Seen,
    code_message,
    not_future,
    payload_hash,
    seen,
    told_late,
    validate,
)

# --- objects -----------------------------------------------------------------------------


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        # A null field is an absent one: required, or its default. An unknown
        # field stays, to be refused whatever its value.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None or k not in cls.model_fields}
        return data


class SellerIn(_Payload):
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


class CategoryIn(_Payload):
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


class DisplayedPolicyIn(_Payload):
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


class OrderLineIn(_Payload):
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


class ShippingIn(_Payload):
    standard: Amount
    express_surcharge: Amount | None = None


class PaymentIn(_Payload):
    method: text(
        32,
        min_length=1,
        pattern=PAYMENT_METHOD_PATTERN,
        pattern_message=_("Use a payment method code such as card or paypal."),
        examples=["card"],
    )
    reference: text(128) | None = None
    amount: Amount


def _lines(value: Any, handler) -> list:
    if not isinstance(value, list):
        raise field_error(_("Expected a list of order lines."))
    if not value:
        raise field_error(_("An order has at least one line."))
    if len(value) > MAX_LINES:
        raise field_error(
            format_lazy_percent(_("At most %(max)d lines per order."), {"max": MAX_LINES})
        )
    return handler(value)


Lines = Annotated[
    list[OrderLineIn], WrapValidator(_lines), Field(min_length=1, max_length=MAX_LINES)
]

ORDER_EXAMPLE = {
    "reference": "ORD-1001",
    "buyer_email": "buyer@example.com",
    "market": "FR",
    "currency": "EUR",
    "placed_at": "2026-05-01T10:00:00+02:00",
    "withdrawal_info_given": True,
    "shipping": {"standard": "4.90", "express_surcharge": "0.00"},
    "payment": {"method": "card", "reference": "pi_123", "amount": "54.80"},
    "lines": [
        {
            "reference": "1",
            "seller": {
                "reference": "maison-durand",
                "name": "Maison Durand",
                "is_trader": True,
                "country": "FR",
                "returns_address": "12 rue des Lilas, 69003 Lyon, France",
            },
            "sku": "MD-OXF-42",
            "title": "Oxford shirt, blue, 42",
            "category": {
                "code": "shirts",
                "name": {"en": "Shirts", "fr": "Chemises", "de": "Hemden"},
                "parent": {"code": "apparel", "name": {"en": "Apparel", "fr": "Vêtements"}},
            },
            "quantity": 1,
            "unit_price": "49.90",
            "delivered_at": "2026-05-04T15:00:00+02:00",
        }
    ],
}


class OrderIn(_Payload):
    model_config = ConfigDict(json_schema_extra={"examples": [ORDER_EXAMPLE]})

    # The order of the fields is the order of validation (see the module docstring).
    reference: Reference
    buyer_email: Email
    market: Market
    currency: Currency
    placed_at: Placed = Field(description="With a time zone; not in the future.")
    withdrawal_info_given: StrictBool = Field(
        description="The buyer was told of the right of withdrawal before buying."
    )
    withdrawal_info_given_at: Annotated[Later, AfterValidator(told_late)] | None = Field(
        None,
        description="When the information was given late (only with withdrawal_info_given "
        "false); not before placed_at.",
    )
    shipping: ShippingIn
    payment: PaymentIn
    lines: Lines
    displayed_policy: DisplayedPolicy = Field(
        None,
        description="Proof of display for every line (a line's own displayed_policy "
        "overrides it): the policy version the buyer was shown at checkout.",
    )

    _payload_hash: str = PrivateAttr("")
    _categories: dict[str, CategorySpec] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _one_order(cls, data: Any, handler, info: ValidationInfo) -> OrderIn:
        if not isinstance(data, dict):
            raise field_error(_("Send the order as a JSON object."))
        if info.context is None:
            raise TypeError("Validate orders with validate_order() or through the API.")
        if STATE_KEY in info.context:  # pydantic may apply this validator twice, nested
            return handler(data)
        state = info.context[STATE_KEY] = Seen()  # fresh for each order
        try:
            order = handler(data)
        finally:
            del info.context[STATE_KEY]
        order._payload_hash = payload_hash(data)  # of the JSON as sent
        order._categories = state.categories
        return order

    @property
    def payload_hash(self) -> str:
        return self._payload_hash

    @property
    def categories(self) -> dict[str, CategorySpec]:
        """Every category the order names: described (with names) or by code only."""
        return self._categories


# --- deliveries --------------------------------------------------------------------------


class DeliveryLineIn(BaseModel):
    # Not trimmed: a reference is matched exactly against the order's lines.
    model_config = ConfigDict(extra="forbid")

    reference: text(
        64,
        min_length=1,
        pattern=REFERENCE_PATTERN,
        pattern_message=_("This order has no line with this reference."),
    )
    delivered_at: Annotated[Instant, AfterValidator(not_future)] = Field(
        description="Not in the future, not before the order was placed; once recorded it "
        "cannot be moved."
    )

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any) -> Any:
        if not isinstance(data, dict) or set(data) != {"reference", "delivered_at"}:
            raise field_error(_('Give each line as {"reference": …, "delivered_at": …}.'))
        return data


def _delivered_lines(value: Any, handler) -> list:
    if not isinstance(value, list) or not value:
        raise field_error(_("Give at least one delivered line."))
    if len(value) > MAX_LINES:
        raise field_error(
            format_lazy_percent(_("At most %(max)d lines per order."), {"max": MAX_LINES})
        )
    return handler(value)


class DeliveriesIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"lines": [{"reference": "1", "delivered_at": "2026-05-04T15:00:00Z"}]}]
        },
    )

    lines: Annotated[
        list[DeliveryLineIn],
        WrapValidator(_delivered_lines),
        Field(min_length=1, max_length=MAX_LINES),
    ]

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any) -> Any:
        if not isinstance(data, dict) or set(data) != {"lines"}:
            raise field_error(_('Send {"lines": [{"reference": …, "delivered_at": …}]}.'))
        return data


def validate_order(data: Any, now: datetime | None = None) -> tuple[OrderIn | None, Errors]:
    """Check one decoded JSON order, as the API does: (order, {}) or (None, errors).
    Pure but for the clock (`now`, default the current time)."""
    return validate(OrderIn, data, now)


def validate_deliveries(
    data: Any, now: datetime | None = None
) -> tuple[DeliveriesIn | None, Errors]:
    return validate(DeliveriesIn, data, now)
