"""The request bodies of the returns API's actions. Each is read after its target
is found (a body sent to another seller's return answers 404), and every field
names its own errors (`lines[0].received`, `occurred_at`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.utils.translation import gettext_lazy as _
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    WithJsonSchema,
    field_validator,
)

from core.api.constraints import constraint_error
from core.api.fields import field_error, format_lazy_percent
from core.api.instant import Instant
from core.api.text import text
from marketplace.fields import (
    CODE_PATTERN,
    MAX_LINES,
    MAX_QUANTITY,
    NONBLANK_PATTERN,
    REFERENCE_PATTERN,
    Amount,
    Currency,
)

from ..models import InspectionOutcome, RefusedDisposition
from ..models.inspection import CHECK_NOTE_MAX_LENGTH, JUSTIFICATION_MAX_LENGTH

NOTE_MAX_LENGTH = 2000

LineReference = text(
    64,
    min_length=1,
    pattern=REFERENCE_PATTERN,
    description="The order line's reference.",
    examples=["1"],
)


def _count(value: Any) -> int:
    # As intake reads quantities: a whole 2.0 is 2 (JSON does not tell them
    # apart), booleans and fractions are refused.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise field_error(_("Expected a whole number, such as 1."))
    if not 0 <= value <= MAX_QUANTITY:
        raise field_error(
            format_lazy_percent(_("Give a number from 0 to %(max)d."), {"max": MAX_QUANTITY})
        )
    return value


Count = Annotated[
    int,
    PlainValidator(_count),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_QUANTITY}),
]
Note = text(NOTE_MAX_LENGTH, description="Shown in the return's history.")
NonBlankReason = text(500, min_length=1, pattern=NONBLANK_PATTERN, examples=["Late delivery"])


class Body(BaseModel):
    # Exactly what the schema says: unknown fields are refused, and so is a null
    # where the schema does not allow one.
    model_config = ConfigDict(extra="forbid")


class ActionIn(Body):
    occurred_at: Instant | None = Field(
        None,
        description="When it happened, if earlier than now: not in the future (5 minutes "
        "of clock difference are taken as now), not before the return's last event. "
        "Default: now.",
    )


class ApproveIn(ActionIn):
    note: Note = ""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"occurred_at": "2026-05-04T09:30:00Z"}]}
    )


class RejectIn(ActionIn):
    code: text(
        64,
        min_length=1,
        pattern=CODE_PATTERN,
        description="The rejection reason's code (Admin → Snippets → Rejection reasons).",
        examples=["outside_window"],
    )
    note: Note = Field(
        "", description="Your own words, shown to the buyer; required with the code other."
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"code": "other", "note": "The item was bought in a shop, not online."}]
        }
    )


class LineReceiptIn(Body):
    """The units of one line this receipt accounts for."""

    line: LineReference
    received: Count = Field(0, description="Units that arrived.")
    lost: Count = Field(0, description="Units the carrier lost.")
    wrong_item: Count = Field(0, description="Units that arrived as another item.")
    short: Count = Field(0, description="Units the buyer did not send.")


class ReceiveIn(ActionIn):
    lines: list[LineReceiptIn] = Field(min_length=1, max_length=MAX_LINES)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "lines": [{"line": "1", "received": 2, "lost": 1}],
                    "occurred_at": "2026-05-10T14:00:00+02:00",
                }
            ]
        }
    )


class ResolveIn(ActionIn):
    pass


class CloseIn(ActionIn):
    pass


# --- inspection ------------------------------------------------------------------------------


class CheckIn(Body):
    passed: StrictBool
    note: text(CHECK_NOTE_MAX_LENGTH, description="Required when the check failed.") = ""


class ChecksIn(Body):
    """The checklist: every check, passed or failed (a failure says why)."""

    visual: CheckIn = Field(description="Visual state.")
    packaging: CheckIn
    accessories: CheckIn
    functional: CheckIn = Field(description="Functional test.")
    as_described: CheckIn = Field(description="Matches the description.")


class UnitIn(Body):
    line: LineReference
    unit: int = Field(ge=1, le=MAX_QUANTITY, description="1 to the units received of the line.")
    checks: ChecksIn
    outcome: InspectionOutcome
    deduction: Amount = Field(
        Decimal("0"),
        description="Only with partial_refund, with its reason: the loss of value from "
        "handling (Art. 14(2)). Never more than the unit earns (its price less the "
        "restocking fee); beyond, a 400 at units[i].deduction.",
    )
    deduction_reason: text(255) = ""
    justification: text(JUSTIFICATION_MAX_LENGTH, description="Required when refused.") = ""
    disposition: RefusedDisposition | None = Field(
        None, description="Required when refused: where the goods go."
    )


PASS = {"passed": True, "note": ""}


class InspectIn(ActionIn):
    units: list[UnitIn] = Field(min_length=1, max_length=MAX_LINES)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "units": [
                        {
                            "line": "1",
                            "unit": 1,
                            "checks": {
                                "visual": {"passed": False, "note": "Stain on the collar"},
                                "packaging": PASS,
                                "accessories": PASS,
                                "functional": PASS,
                                "as_described": PASS,
                            },
                            "outcome": "partial_refund",
                            "deduction": "12.50",
                            "deduction_reason": "Worn: stain on the collar",
                        }
                    ]
                }
            ]
        }
    )


# --- money -------------------------------------------------------------------------------------


class MoneyIn(Body):
    # The currency first: the amount's decimals are checked against it.
    currency: Currency = Field(description="The order's currency.")
    amount: Amount
    reason: NonBlankReason = Field(description="The buyer reads it.")

    @field_validator("amount")
    @classmethod
    def _positive(cls, amount: Decimal) -> Decimal:
        if amount <= 0:
            raise constraint_error(_("The amount must be more than 0."))
        return amount


class RefundIn(MoneyIn):
    occurred_at: Instant | None = Field(
        None,
        description="When it was decided, if earlier than now: not in the future (5 minutes "
        "of clock difference are taken as now), not before the return's last event. The "
        "refund's and its event's instant. Default: now.",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "amount": "12.50",
                    "currency": "EUR",
                    "reason": "Deduction given back",
                    "occurred_at": "2026-05-21T10:00:00Z",
                }
            ]
        }
    )


class ExternalRefundIn(MoneyIn):
    paid_at: Instant = Field(
        description="When your own system paid it: not in the future (5 minutes of clock "
        "difference are taken as now), not before the return's last event (nor, before any, "
        "its request)."
    )
    reference: text(128, description="Your payment system's reference.") = ""
    reason: text(500, description="The buyer reads it.") = ""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "amount": "49.90",
                    "currency": "EUR",
                    "paid_at": "2026-05-20T08:15:00Z",
                    "reference": "PSP-778812",
                }
            ]
        }
    )


class GoodwillIn(MoneyIn):
    rma: text(16, min_length=1, description="The return it is about, if any (of this order).") = (
        None
    )
    occurred_at: Instant | None = Field(
        None,
        description="When it was decided, if earlier than now: not in the future (5 minutes "
        "of clock difference are taken as now); with a return, not before its last event; "
        "without one, not before the order's last recorded instant (placed, delivered, or "
        "its latest refund booked or paid). The refund's instant. Default: now.",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "amount": "10.00",
                    "currency": "EUR",
                    "reason": "Late delivery, sorry",
                    "occurred_at": "2026-05-21T10:00:00Z",
                }
            ]
        }
    )
