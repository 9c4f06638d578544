"""What the buyer chose so far while starting a return (`Draft`), where it is
kept between the steps (a `ReturnDraft` row of the buyer's, found by its public
id: `create_draft`, `load_draft`, `save_draft`, `drop_draft`), the error a step
answers with (`StepError`), and reading the buyer's order.

Drafts belong to the buyer, not to the session: signing out and in again, or
another browser, finds the same draft. Every look-up names the buyer, so
another buyer's draft id is not found. Nothing is trusted from a draft at
confirm: `confirm.confirm_return` runs every step's check again (steps.py)
under a lock on the order.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from marketplace.models import Order

from .models import ReturnDraft
from .services import Declarations, orders_for_decisions

# A draft left alone this long expires (its photos follow: photos.purge_abandoned).
DRAFT_DAYS = getattr(settings, "RETURN_DRAFT_DAYS", 14)
# The newest drafts a buyer keeps; starting more drops the oldest.
MAX_DRAFTS = 10


class StepError(Exception):
    """Invalid input at a step: field -> translated messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class Draft:
    """What the buyer chose so far. Nothing is trusted from it at confirm
    (everything is checked again)."""

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

    def answers(self) -> dict:
        """What the row's `data` keeps: the answers, without the order and the key
        (the row's own columns)."""
        data = asdict(self)
        del data["order_id"], data["key"]
        return data

    @classmethod
    def of(cls, record: ReturnDraft) -> Draft:
        answers = record.data if isinstance(record.data, dict) else {}
        answers = {k: v for k, v in answers.items() if k not in ("order_id", "key")}
        return cls.from_session(
            {**answers, "order_id": record.order_id, "key": record.public_id.hex}
        )

    @property
    def declarations(self) -> Declarations:
        return Declarations.of(self.opened)


def buyer_order(buyer, public_id) -> Order | None:
    """The buyer's order with its lines ready to judge, or None (never another's)."""
    return orders_for_decisions(Order.objects.filter(buyer=buyer, public_id=public_id)).first()


# --- drafts in the database ------------------------------------------------------------


def _expiry(now: datetime) -> datetime:
    return now + timedelta(days=DRAFT_DAYS)


def live_drafts(buyer, now: datetime | None = None):
    """The buyer's drafts that have not expired, newest first."""
    if not getattr(buyer, "is_authenticated", False):
        return ReturnDraft.objects.none()
    return ReturnDraft.objects.filter(buyer=buyer, expires_at__gt=now or timezone.now())


def create_draft(buyer, order: Order) -> Draft:
    """A new, empty draft of `order` for `buyer`; beyond MAX_DRAFTS the oldest go."""
    now = timezone.now()
    record = ReturnDraft.objects.create(buyer=buyer, order=order, data={}, expires_at=_expiry(now))
    # The draft just made is the newest, so it is never among those dropped.
    stale = list(
        ReturnDraft.objects.filter(buyer=buyer)
        .order_by("-updated_at", "-id")[MAX_DRAFTS:]
        .values_list("pk", flat=True)
    )
    if stale:
        ReturnDraft.objects.filter(pk__in=stale).delete()
    return Draft.of(record)


def load_draft(buyer, draft_id: uuid.UUID) -> Draft | None:
    """The buyer's live draft of this id, or None (unknown, expired or another's)."""
    record = live_drafts(buyer).filter(public_id=draft_id).only("public_id", "order", "data")
    record = record.first()
    return Draft.of(record) if record is not None else None


def save_draft(buyer, draft: Draft) -> bool:
    """Keep the answers of `draft` (and push its expiry back); False when the draft
    is gone meanwhile (confirmed in another tab, expired)."""
    now = timezone.now()
    updated = ReturnDraft.objects.filter(
        buyer=buyer, public_id=uuid.UUID(draft.key), expires_at__gt=now
    ).update(data=draft.answers(), updated_at=now, expires_at=_expiry(now))
    return bool(updated)


def drop_draft(buyer, key: str) -> None:
    ReturnDraft.objects.filter(buyer=buyer, public_id=uuid.UUID(key)).delete()


def latest_drafts_by_order(buyer, order_ids) -> dict[int, uuid.UUID]:
    """For "Continue your draft": each order's newest live draft id (one query)."""
    found: dict[int, uuid.UUID] = {}
    for order_id, public_id in (
        live_drafts(buyer)
        .filter(order_id__in=list(order_ids))
        .order_by("-updated_at", "-id")
        .values_list("order_id", "public_id")
    ):
        found.setdefault(order_id, public_id)
    return found


def purge_expired(now: datetime) -> int:
    """Beat: delete the drafts that expired (their photos go with the abandoned
    ones, photos.purge_abandoned)."""
    deleted, _by_model = ReturnDraft.objects.filter(expires_at__lte=now).delete()
    return deleted
