"""What the demo history is made of: the catalogue, how often and why each
product comes back, and how long each stage of a return takes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from return_portal.models import InspectionOutcome, ReturnStatus

S = ReturnStatus
H = dt.timedelta(hours=1)


def weighted(rng, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass(frozen=True)
class Product:
    seller: str
    sku: str
    title: str
    category: str
    price: Decimal
    # reason code → weight, when a unit comes back
    reasons: dict
    return_rate: float


APPAREL = {
    "too-small": 5,
    "too-large": 4,
    "no-longer-needed": 2,
    "not-as-described": 1,
    "defective": 1,
}
LAMPS = {"arrived-damaged": 2, "defective": 2, "no-longer-needed": 3, "not-as-described": 2}
LAMPS_FRAGILE = {**LAMPS, "arrived-damaged": 14}

CATALOGUE = [
    Product(
        "maison-durand", "HIST-SHIRT-OX", "Oxford shirt", "shirts", Decimal("49.90"), APPAREL, 0.22
    ),
    Product(
        "maison-durand", "HIST-SHIRT-LN", "Linen shirt", "shirts", Decimal("59.00"), APPAREL, 0.18
    ),
    Product(
        "maison-durand", "HIST-SHOE-DB", "Derby shoes", "shoes", Decimal("129.00"), APPAREL, 0.28
    ),
    Product(
        "maison-durand", "HIST-SHOE-SN", "Canvas sneakers", "shoes", Decimal("69.00"), APPAREL, 0.2
    ),
    Product(
        "atelier-lumiere",
        "HIST-LAMP-ARC",
        "Arc floor lamp",
        "lamps",
        Decimal("249.00"),
        LAMPS_FRAGILE,
        0.16,
    ),
    Product(
        "atelier-lumiere",
        "HIST-LAMP-DSK",
        "Desk lamp",
        "lamps",
        Decimal("89.00"),
        LAMPS_FRAGILE,
        0.14,
    ),
    Product("lumen-co", "HIST-LAMP-PND", "Pendant lamp", "lamps", Decimal("119.00"), LAMPS, 0.07),
    Product("lumen-co", "HIST-LAMP-WAL", "Wall light", "lamps", Decimal("79.00"), LAMPS, 0.06),
]
EXTRA_SELLERS = {"lumen-co": ("Lumen & Co", "DE")}
RESOLUTIONS = (("refund", 7), ("store_credit", 2), ("exchange", 1))


def stages_of(rng, created, defect):
    """The instants a return reaches each status, from its request."""
    approved = created + (0.1 if defect else rng.uniform(1, 44)) * H
    in_transit = approved + rng.uniform(10, 90) * H
    received = in_transit + rng.uniform(20, 110) * H
    inspected = received + rng.uniform(2, 60) * H
    resolved = inspected + rng.uniform(1, 80) * H
    if rng.random() < 0.06:  # a refund stuck in the back office: paid after its 14 days
        resolved += rng.uniform(4, 10) * 24 * H
    closed = resolved + rng.uniform(20, 60) * H
    return [
        (S.APPROVED, approved),
        (S.IN_TRANSIT, in_transit),
        (S.RECEIVED, received),
        (S.INSPECTED, inspected),
        (S.RESOLVED, resolved),
        (S.CLOSED, closed),
    ]


def outcome_of(rng, reason):
    """(outcome, defect found, deduction share) of one unit."""
    if reason.is_defect:
        if rng.random() < (0.4 if reason.code == "not-as-described" else 0.25):
            return InspectionOutcome.FULL_REFUND, False, 0
        return InspectionOutcome.FULL_REFUND, True, 0
    roll = rng.random()
    if roll < 0.06:
        return InspectionOutcome.REFUSED, False, 0
    if roll < 0.17:
        return InspectionOutcome.PARTIAL_REFUND, False, rng.choice((0.1, 0.2, 0.3))
    return InspectionOutcome.FULL_REFUND, False, 0
