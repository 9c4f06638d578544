"""Returns: the request, its lines, photos, events, messages and notes; its
inspection; the refunds; and the back office's settings.

State changes go through the actions only: `lifecycle.py` (one function per
transition, under `select_for_update`, each appending a `ReturnEvent` and an audit
log entry) and the modules built on it (receiving, inspection, settlement,
refunds); creation goes through `confirm.confirm_return` and
`withdrawal.withdraw`. Nothing here is edited in place by views.
"""

from .api_keys import ApiIdempotencyKey as ApiIdempotencyKey
from .backoffice import BackOfficeSettings, RejectionReason, ReturnNote
from .exchanges import AuthorisationStatus, DifferenceSettlement, Exchange, ExchangeStatus
from .inspection import (
    InspectionCheck,
    InspectionOutcome,
    InspectionPhoto,
    RefusedDisposition,
    UnitInspection,
)
from .refunds import Refund, RefundKind, RefundLine, RefundStatus
from .return_drafts import ReturnDraft
from .return_history import ActorKind, ReturnEvent, ReturnMessage
from .return_photos import ReturnPhoto, private_storage
from .returns import (
    CANCELLABLE_STATUSES,
    FINAL_STATUSES,
    RELEASED_STATUSES,
    RMA_ALPHABET,
    ItemCondition,
    ReturnKind,
    ReturnLine,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
    new_rma,
)
from .tracking import CarrierWebhook

__all__ = [
    "CANCELLABLE_STATUSES",
    "FINAL_STATUSES",
    "RELEASED_STATUSES",
    "RMA_ALPHABET",
    "ActorKind",
    "AuthorisationStatus",
    "BackOfficeSettings",
    "CarrierWebhook",
    "DifferenceSettlement",
    "Exchange",
    "ExchangeStatus",
    "InspectionCheck",
    "InspectionOutcome",
    "InspectionPhoto",
    "ItemCondition",
    "Refund",
    "RefundKind",
    "RefundLine",
    "RefundStatus",
    "RefusedDisposition",
    "RejectionReason",
    "ReturnDraft",
    "ReturnEvent",
    "ReturnKind",
    "ReturnLine",
    "ReturnMessage",
    "ReturnNote",
    "ReturnPhoto",
    "ReturnReason",
    "ReturnRequest",
    "ReturnStatus",
    "UnitInspection",
    "new_rma",
    "private_storage",
]
