"""The intake order as pydantic schemas (POST /api/v1/orders, `import_orders`,
the demo seed); the parts of its lines are in line_schemas, the delivery report
in delivery_schemas.

Every rule a payload can be judged by alone lives in these schemas (the values in
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
from decimal import Decimal
from typing import Annotated, Any

from django.utils.translation import gettext_lazy as _
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    ValidationInfo,
    WrapValidator,
    field_validator,
    model_validator,
)

from core.api.constraints import constraint_error
from core.api.fields import field_error, format_lazy_percent
from core.api.text import text

from .fields import (
    MAX_LINES,
    PAYMENT_METHOD_PATTERN,
    POSTAL_CODE_PATTERN,
    STATE_KEY,
    Amount,
    CategorySpec,
    Country,
    Currency,
    Email,
    Errors,
    Later,
    Market,
    NonBlank,
    Placed,
    Reference,
    Seen,
    payload_hash,
    told_late,
    validate,
)
from .line_schemas import DisplayedPolicy, OrderLineIn, Payload


class ShippingIn(Payload):
    standard: Amount
    express_surcharge: Amount | None = None


class ShippingAddressIn(Payload):
    """Where the order was shipped: the buyer's postal address, the sender of a
    return label."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Camille Martin",
                    "line1": "4 rue Oberkampf",
                    "line2": "Bâtiment B",
                    "postal_code": "75011",
                    "city": "Paris",
                    "country": "FR",
                }
            ]
        }
    )

    name: NonBlank[200]
    line1: NonBlank[200]
    line2: NonBlank[200] | None = None
    postal_code: text(
        16,
        min_length=1,
        pattern=POSTAL_CODE_PATTERN,
        pattern_message=_(
            "Use a postal code of letters, digits, spaces and hyphens, such as 69003."
        ),
        examples=["69003"],
    )
    city: NonBlank[100]
    country: Country


class PaymentIn(Payload):
    method: text(
        32,
        min_length=1,
        pattern=PAYMENT_METHOD_PATTERN,
        pattern_message=_("Use a payment method code such as card or paypal."),
        examples=["card"],
    )
    reference: text(128) | None = None
    amount: Amount


MAX_PAYMENTS = 10


def _payments(value: Any, handler) -> list:
    if not isinstance(value, list):
        raise field_error(_("Expected a list of payments."))
    if not value:
        raise field_error(_("Give at least one payment, or leave the list out."))
    if len(value) > MAX_PAYMENTS:
        raise field_error(
            format_lazy_percent(_("At most %(max)d payments per order."), {"max": MAX_PAYMENTS})
        )
    return handler(value)


Payments = Annotated[
    list[PaymentIn],
    WrapValidator(_payments),
    Field(
        min_length=1,
        max_length=MAX_PAYMENTS,
        description="The means the order was paid with (card, voucher, store credit...), in "
        "the order refunds go back to them; their amounts add up to payment.amount. Absent: "
        "one payment, the payment itself.",
        examples=[
            [
                {"method": "card", "reference": "pi_123", "amount": "44.80"},
                {"method": "voucher", "reference": "GIFT-9", "amount": "10.00"},
            ]
        ],
    ),
]


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
    "shipping_address": {
        "name": "Camille Martin",
        "line1": "4 rue Oberkampf",
        "postal_code": "75011",
        "city": "Paris",
        "country": "FR",
    },
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
            "variants": [
                {
                    "sku": "MD-OXF-43",
                    "title": "Oxford shirt, blue, 43",
                    "attributes": {"size": "43"},
                    "unit_price": "49.90",
                    "in_stock": True,
                }
            ],
        }
    ],
}


class OrderIn(Payload):
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
    shipping_address: ShippingAddressIn | None = Field(
        None, description="The buyer's postal address: the sender on a return label."
    )
    payment: PaymentIn
    payments: Payments | None = None
    lines: Lines
    displayed_policy: DisplayedPolicy = Field(
        None,
        description="Proof of display for every line (a line's own displayed_policy "
        "overrides it): the policy version the buyer was shown at checkout.",
    )

    @field_validator("payments")
    @classmethod
    def _add_up(cls, payments, info: ValidationInfo):
        paid = info.data.get("payment")
        if payments is None or paid is None:
            return payments
        total = sum((payment.amount for payment in payments), Decimal("0"))
        if total != paid.amount:
            raise constraint_error(
                format_lazy_percent(
                    _("The payments add up to %(total)s, not to the amount paid (%(amount)s)."),
                    {"total": total, "amount": paid.amount},
                )
            )
        return payments

    def payment_rows(self) -> list[tuple[str, str, Decimal]]:
        """(method, reference, amount) of each means of payment, in refund order."""
        if self.payments is None:
            return [(self.payment.method, self.payment.reference or "", self.payment.amount)]
        return [(p.method, p.reference or "", p.amount) for p in self.payments]

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


def validate_order(data: Any, now: datetime | None = None) -> tuple[OrderIn | None, Errors]:
    """Check one decoded JSON order, as the API does: (order, {}) or (None, errors).
    Pure but for the clock (`now`, default the current time)."""
    return validate(OrderIn, data, now)
