"""The delivery report of an intake order, as a pydantic schema: which lines
were delivered, and when (POST /api/v1/orders/{reference}/deliveries)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.utils.translation import gettext_lazy as _
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WrapValidator,
    model_validator,
)

from core.api.fields import field_error, format_lazy_percent
from core.api.instant import Instant
from core.api.text import text

from .fields import (
    MAX_LINES,
    REFERENCE_PATTERN,
    Errors,
    not_future,
    validate,
)


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


def validate_deliveries(
    data: Any, now: datetime | None = None
) -> tuple[DeliveriesIn | None, Errors]:
    return validate(DeliveriesIn, data, now)
