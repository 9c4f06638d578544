"""Money sent back: the settlement of a return, a goodwill refund of an order
(with or without a return), or a refund paid outside the hub and recorded here.

A refund is paid to one of the order's means of payment (`payment`): a return
settled over a card and a voucher books one refund per means. The order's,
the payment's and each line's refunded totals rise in the same transaction,
and the database refuses any of them beyond what was paid (marketplace
constraints). The late surcharge (C. consom. L242-4) is owed on top of what
was paid, so it is booked apart (`surcharge`) and counts against none of them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from policy_pages.labels import RESOLUTION, choices

from .returns import ReturnRequest


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class RefundKind(models.TextChoices):
    # What the settlement of a return books when it is resolved.
    SETTLEMENT = "settlement", _("settlement")
    # Staff or the API refund an amount of a return by hand.
    MANUAL = "manual", _("refund")
    # A gesture: no return needed, or beyond what the return earns.
    GOODWILL = "goodwill", _("goodwill")
    # An exchange for a cheaper replacement: the difference, once the return arrives.
    EXCHANGE_DIFFERENCE = "exchange", _("exchange difference")


class Refund(models.Model):
    """Money sent back for a return or an order."""

    order = models.ForeignKey(
        "marketplace.Order",
        on_delete=models.PROTECT,
        related_name="refunds",
        verbose_name=_("order"),
    )
    # None for a goodwill refund made without a return.
    return_request = models.ForeignKey(
        ReturnRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("return"),
    )
    payment = models.ForeignKey(
        "marketplace.OrderPayment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("paid back to"),
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=RefundKind.choices, default=RefundKind.SETTLEMENT
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    # The L242-4 increase of a late refund, paid with it, on top of `amount`.
    surcharge = models.DecimalField(_("late surcharge"), max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3)
    resolution = models.CharField(_("paid as"), max_length=16, choices=choices(RESOLUTION))
    status = models.CharField(
        _("status"), max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    provider_reference = models.CharField(_("provider reference"), max_length=128, blank=True)
    # Paid by the operator's own payment system and recorded here with its date.
    paid_externally = models.BooleanField(_("paid outside the hub"), default=False)
    # When the refund was due (the return's clock when it was booked).
    due_by = models.DateTimeField(_("due by"), null=True, blank=True)
    # Another means than the original payment needs the buyer's agreement (Art. 13(1)).
    buyer_agreed_at = models.DateTimeField(
        _("buyer agreed to another means at"), null=True, blank=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # The key the provider was last asked to pay under, with `surcharge`: while it
    # may have paid (sent, a timeout) every attempt sends both again; blank before
    # the first attempt and after a definite decline (refunds.payout).
    provider_key = models.CharField(_("provider key"), max_length=80, blank=True)
    # When the payout's next attempt is due (its retry's countdown): the sweep
    # re-queues a pending refund only once that has long passed (refunds.payout).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # When the money left: the gateway's success, or the external payment's date.
    completed_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # A store-credit refund's issue on the buyer's ledger (refunds.credit), once paid.
    credit_entry = models.ForeignKey(
        "store_credit.CreditEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("store-credit entry"),
    )

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(surcharge__gte=0), name="refund_surcharge_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(kind=RefundKind.GOODWILL) | Q(return_request__isnull=False),
                name="refund_without_return_is_goodwill",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="refund_status_idx")]

    def __str__(self):
        return f"{self.amount} {self.currency}"


class RefundLine(models.Model):
    """The part of a refund that pays back one order line (the rest of it is the
    shipping). `OrderLine.refunded_amount` is their sum, capped by the database."""

    refund = models.ForeignKey(
        Refund, on_delete=models.PROTECT, related_name="lines", verbose_name=_("refund")
    )
    order_line = models.ForeignKey(
        "marketplace.OrderLine",
        on_delete=models.PROTECT,
        related_name="refund_lines",
        verbose_name=_("order line"),
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("refunded line")
        verbose_name_plural = _("refunded lines")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_line_amount_positive"),
            models.UniqueConstraint(fields=["refund", "order_line"], name="unique_refund_line"),
        ]

    def __str__(self):
        return f"{self.order_line_id}: {self.amount}"
