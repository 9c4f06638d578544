"""The bodies of the API calls that create returns for the buyer: a return
(POST /returns) and a withdrawal notice received another way
(POST /orders/{reference}/withdrawal-notices)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from core.api.instant import Instant
from core.api.text import text
from marketplace.fields import CODE_PATTERN, MAX_LINES, NonBlank, Quantity
from policy_pages.rules import Resolution, ShippingMethod

from ..exchanges.offer import MEANS
from ..models import ItemCondition
from ..withdrawal import NOTICE_CHANNELS
from .returns_inputs import ActionIn, Body, LineReference
from .returns_schemas import OrderReference


class ReturnLineIn(Body):
    line: LineReference
    quantity: Quantity


class ExchangeLineIn(Body):
    line: LineReference = Field(description="A line of `lines`.")
    sku: NonBlank[64] = Field(
        description="The SKU of one of the line's variants (sent with the order at intake), "
        "in stock.",
        examples=["MD-JKT-XL"],
    )


DifferenceBy = Literal[MEANS]


class CreateReturnIn(ActionIn):
    """What the portal's steps ask the buyer, in one body."""

    order: OrderReference
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=MAX_LINES)
    opened: list[LineReference] = Field(
        default_factory=list,
        max_length=MAX_LINES,
        description="Lines whose sealed goods the buyer unsealed after delivery.",
    )
    reason: text(
        64,
        min_length=1,
        pattern=CODE_PATTERN,
        description="A return reason's code (a leaf of the reason taxonomy).",
        examples=["too-small"],
    )
    condition: ItemCondition
    comment: text(2000) = ""
    resolution: Resolution
    exchange: list[ExchangeLineIn] = Field(
        default_factory=list,
        max_length=MAX_LINES,
        description="An exchange (resolution exchange, and only then): the replacement of "
        "each line returned, one entry per line.",
    )
    difference_by: DifferenceBy | None = Field(
        None,
        description="An exchange that leaves an amount to settle (the replacements' price "
        "against the returned items', less the return shipping the buyer pays): on the "
        "buyer's means of payment (refunded or charged) or on their store credit (issued "
        "or spent). Required then; only for an exchange.",
    )
    shipping_method: ShippingMethod | None = Field(
        default=None,
        description="Required unless a keep-it rule of the pinned policy lets the buyer "
        "keep the items (then nothing is sent back and it is ignored).",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "order": "DEMO-1001",
                    "lines": [{"line": "1", "quantity": 1}],
                    "reason": "too-small",
                    "condition": "like_new",
                    "resolution": "refund",
                    "shipping_method": "drop_off",
                },
                {
                    "order": "DEMO-1001",
                    "lines": [{"line": "3", "quantity": 1}],
                    "reason": "too-small",
                    "condition": "like_new",
                    "resolution": "exchange",
                    "exchange": [{"line": "3", "sku": "MD-JKT-XL"}],
                    "difference_by": "payment",
                    "shipping_method": "drop_off",
                },
            ]
        }
    )


NoticeChannel = Literal[tuple(channel.value for channel in NOTICE_CHANNELS)]


class WithdrawalNoticeIn(Body):
    lines: list[LineReference] = Field(
        default_factory=list,
        max_length=MAX_LINES,
        description="The lines withdrawn from; empty: every line still inside its "
        "withdrawal period (a seller's token: every line of its own).",
    )
    notified_at: Instant = Field(
        description="When the notice reached you: the refund clock starts here. Not in the "
        "future, not before the order was placed."
    )
    channel: NoticeChannel = Field(description="How it reached you.", examples=["email"])

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"lines": ["1"], "notified_at": "2026-05-03T18:42:00+02:00", "channel": "email"}
            ]
        }
    )
