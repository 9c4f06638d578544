"""What the buyer chose so far while starting a return (`Draft`, kept in their
session between the steps), the error a step answers with (`StepError`), and
reading the buyer's order.

Nothing is trusted from a draft at confirm: `confirm.confirm_return` runs every
step's check again (steps.py) under a lock on the order.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field

from marketplace.models import Order

from .services import Declarations, orders_for_decisions


class StepError(Exception):
    """Invalid input at a step: field -> translated messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class Draft:
    """What the buyer chose so far. Kept in the session between steps; nothing is
    trusted from it at confirm (everything is checked again)."""

    order_id: int
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    quantities: dict[str, int] = field(default_factory=dict)  # line reference -> units
    opened: list[str] = field(default_factory=list)  # sealed lines the buyer unsealed
    reason_code: str = ""
    condition: str = ""
    comment: str = ""
    resolution: str = ""
    exchange_variant: str = ""  # the free text of earlier releases, no longer asked
    exchange_skus: dict[str, str] = field(default_factory=dict)  # line reference -> SKU
    difference_by: str = ""  # how an exchange's price difference is settled
    shipping_method: str = ""

    def to_session(self) -> dict:
        return asdict(self)

    @classmethod
    def from_session(cls, data: dict) -> Draft:
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in data.items() if key in known})

    @property
    def declarations(self) -> Declarations:
        return Declarations.of(self.opened)


def buyer_order(buyer, public_id) -> Order | None:
    """The buyer's order with its lines ready to judge, or None (never another's)."""
    return orders_for_decisions(Order.objects.filter(buyer=buyer, public_id=public_id)).first()
