"""The outbound event types: what an endpoint may subscribe to."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

RETURN_REQUESTED = "return.requested"
RETURN_APPROVED = "return.approved"
RETURN_REJECTED = "return.rejected"
RETURN_IN_TRANSIT = "return.in_transit"
RETURN_RECEIVED = "return.received"
RETURN_INSPECTED = "return.inspected"
RETURN_RESOLVED = "return.resolved"
RETURN_CLOSED = "return.closed"
RETURN_CANCELLED = "return.cancelled"
WITHDRAWAL_NOTIFIED = "withdrawal.notified"
REFUND_SUCCEEDED = "refund.succeeded"
REFUND_FAILED = "refund.failed"
EXCHANGE_REQUESTED = "exchange.requested"
CREDIT_ISSUED = "credit.issued"
CREDIT_SPENT = "credit.spent"
POLICY_VERSION_PUBLISHED = "policy.version_published"

EVENT_CHOICES = [
    (RETURN_REQUESTED, _("Return requested")),
    (RETURN_APPROVED, _("Return approved")),
    (RETURN_REJECTED, _("Return rejected")),
    (RETURN_IN_TRANSIT, _("Return in transit")),
    (RETURN_RECEIVED, _("Return received")),
    (RETURN_INSPECTED, _("Return inspected")),
    (RETURN_RESOLVED, _("Return resolved")),
    (RETURN_CLOSED, _("Return closed")),
    (RETURN_CANCELLED, _("Return cancelled")),
    (WITHDRAWAL_NOTIFIED, _("Withdrawal notified")),
    (REFUND_SUCCEEDED, _("Refund succeeded")),
    (REFUND_FAILED, _("Refund failed")),
    (EXCHANGE_REQUESTED, _("Exchange requested")),
    (CREDIT_ISSUED, _("Store credit issued")),
    (CREDIT_SPENT, _("Store credit spent")),
    (POLICY_VERSION_PUBLISHED, _("Policy version published")),
]
EVENT_TYPES = frozenset(code for code, _label in EVENT_CHOICES)
