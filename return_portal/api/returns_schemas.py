"""Parameters and responses of the returns API (the request bodies of its actions
are in returns_inputs.py). They document; returns_data.py builds the answers."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field, create_model

from core.api.errors import ErrorOut
from core.api.instant import Instant
from core.api.lang import DEFAULT_LANG, Lang
from core.api.text import text
from marketplace.fields import REFERENCE_PATTERN, SELLER_REFERENCE_PATTERN

from ..models import (
    ActorKind,
    DifferenceSettlement,
    ExchangeStatus,
    RefundKind,
    RefundStatus,
    ReturnKind,
    ReturnStatus,
)
from ..models.returns import RMA_ALPHABET
from .cursor import MAX_CURSOR_LENGTH

DATE_TIME = {"format": "date-time"}
MONEY = {"pattern": r"^-?[0-9]+(?:\.[0-9]+)?$", "examples": ["49.90"]}
MAX_PAGE = 100
DEFAULT_PAGE = 50

RMA_PATTERN = f"^RMA-[{RMA_ALPHABET}]{{8}}$"
Rma = text(16, min_length=1, pattern=RMA_PATTERN, description="The return's RMA number.",
           examples=["RMA-K7QZ2M4P"])  # fmt: skip
OrderReference = text(
    64, min_length=1, pattern=REFERENCE_PATTERN, description="The order's reference.",
    examples=["DEMO-1001"],
)  # fmt: skip


def _no_null_defaults(schema: dict) -> None:
    # An absent filter is not a filter on null: the document gives no default.
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None:
            del prop["default"]


class LangParams(Schema):
    lang: Lang = DEFAULT_LANG


class ReturnListParams(Schema):
    model_config = ConfigDict(json_schema_extra=_no_null_defaults)

    status: ReturnStatus = Field(None, description="Only returns in this status.")
    updated_since: Instant = Field(
        None,
        description="Only returns changed at or after this instant (a synchronising client "
        "sends the time of its last run, or keeps the cursor).",
    )
    seller: text(
        64,
        min_length=1,
        pattern=SELLER_REFERENCE_PATTERN,
        description="Only this seller's returns (the operator's tokens; a seller's token "
        "sees its own returns whatever this says).",
        examples=["maison-durand"],
    ) = None
    cursor: text(
        MAX_CURSOR_LENGTH,
        min_length=1,
        description="The next_cursor of the previous page. Opaque.",
    ) = None
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE, description="Returns per page.")
    lang: Lang = DEFAULT_LANG


class SellerOut(Schema):
    reference: str = Field(examples=["maison-durand"])
    name: str = Field(examples=["Maison Durand"])


class ReturnSummaryOut(Schema):
    rma: str = Field(examples=["RMA-K7QZ2M4P"])
    kind: ReturnKind = Field(description="A return, or a withdrawal from the contract.")
    status: ReturnStatus
    order: str = Field(description="The order's reference.", examples=["DEMO-1001"])
    seller: SellerOut | None
    currency: str = Field(examples=["EUR"])
    estimated_total: str = Field(
        description="The estimate the buyer confirmed.", json_schema_extra=MONEY
    )
    settled_total: str | None = Field(
        description="The settlement's total once decided.", json_schema_extra=MONEY
    )
    refund_due_by: str | None = Field(
        description="When the refund is due (the refund clock).", json_schema_extra=DATE_TIME
    )
    created_at: str = Field(json_schema_extra=DATE_TIME)
    updated_at: str = Field(json_schema_extra=DATE_TIME)


class ReturnPageOut(Schema):
    items: list[ReturnSummaryOut]
    next_cursor: str | None = Field(
        description="Send it as `cursor` for the next page; null on the last page. Returns "
        "changed since come again, later in the walk."
    )


class UnitOut(Schema):
    """One unit's inspection."""

    unit: int = Field(ge=1, description="1 to the line's quantity.")
    outcome: str = Field(
        examples=["full_refund", "partial_refund", "repair", "replacement", "store_credit",
                  "refused"]
    )  # fmt: skip
    checks: dict[str, Any] = Field(
        description="Each check of the checklist: pass or fail, with a note.",
        examples=[{"visual": {"passed": True, "note": ""}}],
    )
    earnings: str = Field(
        description="What the unit earns before deductions: its price less the restocking "
        "fee where the policy charges one; 0 when refused.",
        json_schema_extra=MONEY,
    )
    deduction: str = Field(json_schema_extra=MONEY)
    deduction_reason: str
    justification: str = Field(description="Why a refused unit earns nothing.")
    disposition: str = Field(
        description="A refused unit: returned to the buyer or kept at their request.",
        examples=["return_to_buyer"],
    )
    inspected_at: str = Field(json_schema_extra=DATE_TIME)


class LineOut(Schema):
    reference: str = Field(description="The order line's reference.", examples=["1"])
    sku: str
    title: str
    unit_price: str = Field(json_schema_extra=MONEY)
    requested: int = Field(ge=1, description="Units the buyer returns.")
    received: int | None = Field(description="Units arrived; null before the first receipt.")
    lost: int = Field(description="Units lost in transit.")
    wrong_item: int = Field(description="Units that arrived as another item.")
    short: int = Field(description="Units the buyer did not send.")
    outstanding: int = Field(description="Units not yet accounted for.")
    inspected: int = Field(description="Units with an inspection result.")
    units: list[UnitOut]


class EventOut(Schema):
    at: str = Field(json_schema_extra=DATE_TIME)
    from_status: ReturnStatus | None
    to_status: ReturnStatus
    code: str | None = Field(
        description="Null for a change of status; else what happened without one.",
        examples=["units_received"],
    )
    actor: ActorKind
    note: str


class RefundOut(Schema):
    kind: RefundKind
    status: RefundStatus
    amount: str = Field(json_schema_extra=MONEY)
    surcharge: str = Field(
        description="The late-refund increase paid on top of the amount (France, L242-4).",
        json_schema_extra=MONEY,
    )
    currency: str
    reason: str
    paid_to: str | None = Field(
        description="The means of payment refunded.", examples=["card", "voucher"]
    )
    paid_externally: bool = Field(description="Paid outside the hub, recorded here.")
    due_by: str | None = Field(json_schema_extra=DATE_TIME)
    paid_at: str | None = Field(json_schema_extra=DATE_TIME)
    days_late: int | None = Field(
        description="Days after due_by it was paid; 0 when on time, null until paid."
    )
    created_at: str = Field(json_schema_extra=DATE_TIME)


class RefundsOut(Schema):
    """The refunds one call booked: one per means of payment it was split across."""

    rma: str | None = Field(description="The return they are about, if any.")
    refunds: list[RefundOut]


class RejectionOut(Schema):
    code: str = Field(examples=["outside_window"])
    label: str = Field(description="The reason, in the requested language.")
    note: str


class ExchangedItemOut(Schema):
    sku: str = Field(examples=["MD-JKT-M"])
    title: str = Field(examples=["Waxed field jacket, olive, M"])


class ReplacementItemOut(Schema):
    sku: str = Field(examples=["MD-JKT-XL"])
    title: str = Field(examples=["Waxed field jacket, olive, XL"])
    attributes: dict[str, Any] = Field(
        description="What tells the variant apart, as the platform named it.",
        examples=[{"size": "XL"}],
    )
    unit_price: str = Field(json_schema_extra=MONEY)


# A class statement cannot name a field `from`.
ExchangeLineOut = create_model(
    "ExchangeLineOut",
    __base__=Schema,
    __doc__="A line returned and its replacement (a copy of the variant chosen).",
    line=(str, Field(description="The order line's reference.", examples=["3"])),
    quantity=(int, Field(ge=1, description="Units exchanged.")),
    **{"from": (ExchangedItemOut, Field(description="The article returned."))},
    to=(ReplacementItemOut, Field(description="The replacement.")),
)


class ReplacementOut(Schema):
    """The replacement order the commerce platform created (its reply)."""

    order_reference: str = Field(examples=["SHOP-REPL-1"])
    carrier: str
    tracking: str
    shipped_at: str | None = Field(json_schema_extra=DATE_TIME)


class ExchangeOut(Schema):
    status: ExchangeStatus
    instant: bool = Field(description="The replacement ships before the return arrives.")
    lines: list[ExchangeLineOut]
    returned_total: str = Field(
        description="What the returned units cost.", json_schema_extra=MONEY
    )
    replacement_total: str = Field(
        description="What the replacements cost.", json_schema_extra=MONEY
    )
    shipping_cost: str = Field(
        description="The return shipping the buyer pays.", json_schema_extra=MONEY
    )
    balance: str = Field(
        description="What the buyer is owed (positive) or owes (negative): returned_total "
        "- replacement_total - shipping_cost.",
        json_schema_extra=MONEY,
    )
    currency: str = Field(examples=["EUR"])
    settle_by: DifferenceSettlement = Field(
        description="How the balance is settled: none, refund (to the original payment), "
        "credit (store credit, issued or spent) or charge (to the original payment)."
    )
    replacement: ReplacementOut | None = Field(
        description="Null until the platform replies with its replacement order."
    )


class ReturnOut(ReturnSummaryOut):
    status_label: str = Field(description="The status in the requested language.")
    buyer_email: str
    reason: str | None = Field(description="The return reason's code.", examples=["too-small"])
    condition: str
    comment: str
    resolution: str = Field(examples=["refund", "store_credit", "exchange"])
    shipping_method: str = Field(description="Empty when nothing is sent back (`kept`).")
    shipping_cost: str = Field(json_schema_extra=MONEY)
    kept: bool = Field(
        description="A keep-it rule of the pinned policy lets the buyer keep the items: "
        "refunded in full without a return, no label."
    )
    keep_it_clause: str = Field(description="The clause of that rule; empty when not kept.")
    statutory: bool = Field(description="Under the statutory right of withdrawal.")
    notice_at: str | None = Field(
        description="When the buyer told the seller: the refund clock starts here.",
        json_schema_extra=DATE_TIME,
    )
    ship_by: str | None = Field(json_schema_extra=DATE_TIME)
    approval_due_by: str | None = Field(json_schema_extra=DATE_TIME)
    goods_or_proof_at: str | None = Field(
        description="The first of goods received and proof of sending.",
        json_schema_extra=DATE_TIME,
    )
    refund_withheld: bool = Field(
        description="The refund may be withheld until the goods or proof of sending arrive."
    )
    tracking: str
    rejection: RejectionOut | None
    settlement: dict[str, Any] = Field(
        description="Once decided: each amount with its reason and clause, and the total. "
        "Empty before."
    )
    settled_at: str | None = Field(json_schema_extra=DATE_TIME)
    exchange: ExchangeOut | None = Field(description="Null unless the return is an exchange.")
    lines: list[LineOut]
    events: list[EventOut]
    refunds: list[RefundOut]


class WithdrawalNoticeOut(Schema):
    returns: list[ReturnOut] = Field(description="One per seller of the lines withdrawn.")


class TransitionErrorOut(ErrorOut):
    """A 409 `transition`: the action is not allowed from the return's status."""

    return_status: ReturnStatus | None = Field(
        None, description="The return's status, unchanged (absent on other conflicts)."
    )


class RefundTooLargeOut(ErrorOut):
    """A 400 `constraint` on the amount, with what can still be refunded."""

    remaining: str | None = Field(None, json_schema_extra=MONEY)
    currency: str | None = None
