"""Each refund as staff, the buyer and the API show it: the amount, the late
surcharge on top of it (L242-4), the total, when it was due and paid, how many
days late, and how it stands. One reading of the refunds for the staff's
refunds section, the buyer's settlement and `GET /api/v1/returns/{rma}`.

Reads `return_request.refunds.all()`, so a prefetch of "refunds" costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ..models import Refund, RefundStatus, ReturnRequest
from .clock import days_late


@dataclass(frozen=True)
class RefundReport:
    refund: Refund
    amount: Decimal
    surcharge: Decimal
    currency: str
    status: str
    due_by: datetime | None
    paid_at: datetime | None
    # Calendar days late in the market's zone; None until paid.
    days_late: int | None
    paid_externally: bool
    reference: str
    # The provider's last refusal, while the refund is not paid.
    error: str

    @property
    def total(self) -> Decimal:
        return self.amount + self.surcharge

    @property
    def paid(self) -> bool:
        return self.status == RefundStatus.SUCCEEDED

    @property
    def failed(self) -> bool:
        return self.status == RefundStatus.FAILED

    @property
    def late(self) -> bool:
        return bool(self.days_late)

    def to_dict(self) -> dict:
        """The API's form: amounts as strings, instants in RFC 3339."""
        return {
            "id": self.refund.pk,
            "kind": self.refund.kind,
            "amount": str(self.amount),
            "surcharge": str(self.surcharge),
            "total": str(self.total),
            "currency": self.currency,
            "status": self.status,
            "due_by": self.due_by.isoformat() if self.due_by else None,
            "paid_at": self.paid_at.isoformat() if self.paid_at else None,
            "days_late": self.days_late,
            "paid_externally": self.paid_externally,
            "reference": self.reference,
        }


def report(refund: Refund, market: str, return_due_by: datetime | None = None) -> RefundReport:
    due_by = refund.due_by or return_due_by
    paid = refund.status == RefundStatus.SUCCEEDED
    return RefundReport(
        refund=refund,
        amount=refund.amount,
        surcharge=refund.surcharge,
        currency=refund.currency,
        status=refund.status,
        due_by=due_by,
        paid_at=refund.completed_at if paid else None,
        days_late=days_late(due_by, refund.completed_at, market=market) if paid else None,
        paid_externally=refund.paid_externally,
        reference=refund.provider_reference,
        error="" if paid else refund.last_error,
    )


def refunds_of(return_request: ReturnRequest) -> list[RefundReport]:
    """The return's refunds, oldest first."""
    market = return_request.order.market
    return [
        report(refund, market, return_request.refund_due_by)
        for refund in return_request.refunds.all()
    ]


def reports(refunds: Iterable[Refund], market: str) -> list[RefundReport]:
    """Refunds of one order (a goodwill refund has no return, so no clock of its own)."""
    return [
        report(
            refund,
            market,
            refund.return_request.refund_due_by if refund.return_request_id else None,
        )
        for refund in refunds
    ]
