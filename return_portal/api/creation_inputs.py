"""The bodies of the API calls that create returns for the buyer: a return
(POST /returns) and a withdrawal notice received another way
(POST /orders/{reference}/withdrawal-notices)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from core.api.instant import Instant
from core.api.text import text
from marketplace.fields import CODE_PATTERN, MAX_LINES, Quantity
from policy_pages.rules import Resolution, ShippingMethod

from ..models import ItemCondition
from ..withdrawal import NOTICE_CHANNELS
from .returns_inputs import ActionIn, Body, LineReference
from .returns_schemas import OrderReference


class ReturnLineIn(Body):
    line: LineReference
    quantity: Quantity


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
    exchange_variant: text(200, description="Required for an exchange.") = ""
    shipping_method: ShippingMethod

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
                }
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
