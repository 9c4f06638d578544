"""The structured rules of a return policy, as plain immutable values.

A `PolicyRules` is what an editor sets on a policy page, what a
`PolicyVersion` freezes as canonical JSON, and what the eligibility function
of the return portal reads. Every rule names the clause (its stable anchor,
e.g. "2.1") that states it, so every decision can cite the text.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

RULES_SCHEMA_VERSION = 1
# Optional rules added after versions were first frozen: absent from the
# canonical JSON while empty, so older versions keep their exact bytes.
OMITTED_WHEN_EMPTY = (
    "refund_order",
    "instant_exchange",
    "keep_it",
    "store_credit_validity_months",
)


class WindowStart(StrEnum):
    DELIVERY = "delivery"
    ORDER = "order"


class OverrideKind(StrEnum):
    DAYS = "days"  # another number of days
    NOT_RETURNABLE = "not_returnable"
    CONDITIONS = "conditions"  # returnable, with extra conditions


class ItemFlag(StrEnum):
    """Per-item states that can exclude a return (Directive 2011/83/EU Art. 16)."""

    CUSTOM_MADE = "custom_made"  # Art. 16(c)
    PERISHABLE = "perishable"  # Art. 16(d)
    SEALED_HYGIENE = "sealed_hygiene"  # Art. 16(e), once unsealed after delivery
    SEALED_MEDIA = "sealed_media"  # Art. 16(i), once unsealed after delivery


class Condition(StrEnum):
    ORIGINAL_PACKAGING = "original_packaging"
    TAGS = "tags"
    ACCESSORIES = "accessories"
    UNUSED = "unused"


class Resolution(StrEnum):
    REFUND = "refund"  # to the original means of payment
    STORE_CREDIT = "store_credit"
    EXCHANGE = "exchange"


class ShippingMethod(StrEnum):
    PREPAID_LABEL = "prepaid_label"
    DROP_OFF = "drop_off"  # drop-off point, with a QR code
    OWN_CARRIER = "own_carrier"


class Payer(StrEnum):
    BUYER = "buyer"
    MERCHANT = "merchant"


@dataclass(frozen=True)
class CategoryOverride:
    category: str  # a marketplace category code; applies to its sub-categories too
    kind: OverrideKind
    clause: str
    days: int | None = None
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class ItemException:
    flag: ItemFlag
    clause: str


@dataclass(frozen=True)
class ShippingOption:
    method: ShippingMethod
    fee: Decimal  # what the payer pays, in the policy currency
    change_of_mind_payer: Payer
    defect_payer: Payer  # defective or wrong item
    clause: str


@dataclass(frozen=True)
class KeepItRule:
    """Refund without a return: the buyer keeps the items. It applies when the
    goods returned are worth at most `max_value` (in the policy currency; None:
    any value) and, when `reasons` is not empty, the buyer's reason is one of them
    (return reason codes). At least one of the two is set."""

    clause: str
    max_value: Decimal | None = None
    reasons: tuple[str, ...] = ()

    def applies(self, value: Decimal, reason_code: str) -> bool:
        if self.max_value is None and not self.reasons:
            return False  # a rule that says nothing keeps nothing
        if self.max_value is not None and value > self.max_value:
            return False
        return not self.reasons or reason_code in self.reasons


@dataclass(frozen=True)
class PolicyRules:
    currency: str
    markets: tuple[str, ...]  # ISO 3166-1 alpha-2, e.g. ("FR", "DE")
    window_days: int
    window_start: WindowStart
    window_clause: str
    seller: str = ""  # a seller reference; blank for the marketplace-wide policy
    category_overrides: tuple[CategoryOverride, ...] = ()
    item_exceptions: tuple[ItemException, ...] = ()
    conditions: tuple[Condition, ...] = ()
    conditions_clause: str = ""
    resolutions: tuple[Resolution, ...] = (Resolution.REFUND,)
    store_credit_bonus_percent: Decimal = Decimal("0")
    resolutions_clause: str = ""
    shipping_options: tuple[ShippingOption, ...] = ()
    restocking_fee_percent: Decimal = Decimal("0")
    diminished_value_deduction: bool = False
    money_clause: str = ""
    # The means of payment (marketplace.PaymentMethod codes) a refund goes back
    # to first, in order; means not listed follow in checkout order. Empty: the
    # checkout order alone. Left out of the canonical JSON while empty, so the
    # versions written before it hash and read exactly as they did.
    refund_order: tuple[str, ...] = ()
    # An exchange's replacement ships before the return arrives, against an
    # authorisation of the returned items' value (return_portal.exchanges).
    # Omitted from the canonical JSON while off, as refund_order is.
    instant_exchange: bool = False
    # Refund without return (the first rule that applies); omitted while empty.
    keep_it: tuple[KeepItRule, ...] = ()
    # Months a store-credit grant stays valid; None: it never expires. The law's
    # floors apply on top (return_portal.refunds.credit_validity). Omitted while None.
    store_credit_validity_months: int | None = None
    approval_business_days: int = 2
    ship_back_days: int = 14
    refund_days: int = 14
    deadlines_clause: str = ""
    schema: int = field(default=RULES_SCHEMA_VERSION)

    # --- lookups used by eligibility and summaries ---------------------------

    def override_for(self, category_path: tuple[str, ...]) -> CategoryOverride | None:
        """The override of the most specific category on the path (root first)."""
        by_category = {override.category: override for override in self.category_overrides}
        for code in reversed(category_path):
            if code in by_category:
                return by_category[code]
        return None

    def exception_for(self, flag: ItemFlag) -> ItemException | None:
        return next((item for item in self.item_exceptions if item.flag == flag), None)

    def shipping_option(self, method: ShippingMethod) -> ShippingOption | None:
        return next((option for option in self.shipping_options if option.method == method), None)

    def keep_it_rule(self, value: Decimal, reason_code: str) -> KeepItRule | None:
        """The first keep-it rule that lets the buyer keep goods worth `value`
        returned for `reason_code`, or None."""
        return next((rule for rule in self.keep_it if rule.applies(value, reason_code)), None)

    def payment_rank(self, method: str) -> int:
        """Where a means of payment comes in the refund order: its place in
        `refund_order`, or after every listed means."""
        try:
            return self.refund_order.index(method)
        except ValueError:
            return len(self.refund_order)

    def cited_clauses(self) -> set[str]:
        cited = {
            self.window_clause,
            self.conditions_clause,
            self.resolutions_clause,
            self.money_clause,
            self.deadlines_clause,
        }
        cited |= {override.clause for override in self.category_overrides}
        cited |= {item.clause for item in self.item_exceptions}
        cited |= {option.clause for option in self.shipping_options}
        cited |= {rule.clause for rule in self.keep_it}
        return {anchor for anchor in cited if anchor}

    # --- canonical JSON --------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        data = _plain(asdict(self))
        for name in OMITTED_WHEN_EMPTY:
            if not data.get(name):
                data.pop(name, None)
        return data

    def to_canonical_json(self) -> str:
        """Sorted keys, no spaces, decimals as strings: the same rules always
        give the same bytes, so the version hash is reproducible."""
        return canonical_json(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PolicyRules:
        return cls(
            currency=data["currency"],
            markets=tuple(data["markets"]),
            window_days=int(data["window_days"]),
            window_start=WindowStart(data["window_start"]),
            window_clause=data.get("window_clause", ""),
            seller=data.get("seller", ""),
            category_overrides=tuple(
                CategoryOverride(
                    category=item["category"],
                    kind=OverrideKind(item["kind"]),
                    clause=item.get("clause", ""),
                    days=item.get("days"),
                    conditions=tuple(Condition(c) for c in item.get("conditions", ())),
                )
                for item in data.get("category_overrides", ())
            ),
            item_exceptions=tuple(
                ItemException(flag=ItemFlag(item["flag"]), clause=item.get("clause", ""))
                for item in data.get("item_exceptions", ())
            ),
            conditions=tuple(Condition(c) for c in data.get("conditions", ())),
            conditions_clause=data.get("conditions_clause", ""),
            resolutions=tuple(Resolution(r) for r in data.get("resolutions", ("refund",))),
            store_credit_bonus_percent=Decimal(str(data.get("store_credit_bonus_percent", "0"))),
            resolutions_clause=data.get("resolutions_clause", ""),
            shipping_options=tuple(
                ShippingOption(
                    method=ShippingMethod(item["method"]),
                    fee=Decimal(str(item["fee"])),
                    change_of_mind_payer=Payer(item["change_of_mind_payer"]),
                    defect_payer=Payer(item["defect_payer"]),
                    clause=item.get("clause", ""),
                )
                for item in data.get("shipping_options", ())
            ),
            restocking_fee_percent=Decimal(str(data.get("restocking_fee_percent", "0"))),
            diminished_value_deduction=bool(data.get("diminished_value_deduction", False)),
            money_clause=data.get("money_clause", ""),
            refund_order=tuple(str(method) for method in data.get("refund_order", ())),
            instant_exchange=bool(data.get("instant_exchange", False)),
            keep_it=tuple(
                KeepItRule(
                    clause=item.get("clause", ""),
                    max_value=(
                        Decimal(str(item["max_value"]))
                        if item.get("max_value") is not None
                        else None
                    ),
                    reasons=tuple(str(code) for code in item.get("reasons", ())),
                )
                for item in data.get("keep_it", ())
            ),
            store_credit_validity_months=(
                int(data["store_credit_validity_months"])
                if data.get("store_credit_validity_months")
                else None
            ),
            approval_business_days=int(data.get("approval_business_days", 2)),
            ship_back_days=int(data.get("ship_back_days", 14)),
            refund_days=int(data.get("refund_days", 14)),
            deadlines_clause=data.get("deadlines_clause", ""),
            schema=int(data.get("schema", RULES_SCHEMA_VERSION)),
        )

    @classmethod
    def from_json(cls, text: str) -> PolicyRules:
        return cls.from_dict(json.loads(text))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        # Money and percentages alike: two decimal places, always.
        return format(value.quantize(Decimal("0.01")), "f")
    if isinstance(value, StrEnum):
        return value.value
    return value


def canonical_json(data: Any) -> str:
    return json.dumps(_plain(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
