"""An exchange: the replacement a return asks for, line by line (ReturnLine's
`exchange_*` copy of the variant chosen), how the price difference is settled,
and what the commerce platform answered (its replacement order, shipped).

The hub does not create orders: on approval it emits `exchange.requested`
(exchanges.py) and records the platform's reply (api/exchange_reply.py). An
instant exchange ships before the return arrives, against an authorisation on
the buyer's means of payment: released on receipt, captured once the ship-back
deadline has passed without the parcel."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ExchangeStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("exchange status", "awaiting approval")
    REQUESTED = "requested", pgettext_lazy("exchange status", "replacement requested")
    ORDERED = "ordered", pgettext_lazy("exchange status", "replacement ordered")
    SHIPPED = "shipped", pgettext_lazy("exchange status", "replacement shipped")
    # The difference could not be charged: staff see it, nothing is requested.
    PAYMENT_FAILED = "payment_failed", pgettext_lazy("exchange status", "payment failed")
    CANCELLED = "cancelled", pgettext_lazy("exchange status", "cancelled")


class DifferenceSettlement(models.TextChoices):
    NONE = "none", _("nothing to settle")
    # The buyer is owed the difference: back to the means of payment.
    REFUND = "refund", _("refunded to the original payment")
    # Either way, on the buyer's store credit (issued, or spent).
    CREDIT = "credit", _("store credit")
    # The buyer owes it: charged through the payment gateway on approval.
    CHARGE = "charge", _("charged to the original payment")


class AuthorisationStatus(models.TextChoices):
    NONE = "", _("none")
    AUTHORISED = "authorised", _("authorised")
    RELEASED = "released", _("released")
    CAPTURED = "captured", _("captured")


class Exchange(models.Model):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    return_request = models.OneToOneField(
        "return_portal.ReturnRequest",
        on_delete=models.CASCADE,
        related_name="exchange",
        verbose_name=_("return"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ExchangeStatus.choices, default=ExchangeStatus.PENDING
    )
    instant = models.BooleanField(_("instant exchange"), default=False)
    currency = models.CharField(_("currency"), max_length=3)
    # What the returned units cost, what the replacements cost, and the return
    # shipping the buyer pays; `balance` is what the buyer is owed (> 0) or owes
    # (< 0): returned - replacement - shipping.
    returned_total = models.DecimalField(_("returned items"), max_digits=12, decimal_places=2)
    replacement_total = models.DecimalField(_("replacements"), max_digits=12, decimal_places=2)
    shipping_cost = models.DecimalField(
        _("return shipping"), max_digits=12, decimal_places=2, default=0
    )
    balance = models.DecimalField(_("difference"), max_digits=12, decimal_places=2)
    settle_by = models.CharField(
        _("difference settled by"),
        max_length=8,
        choices=DifferenceSettlement.choices,
        default=DifferenceSettlement.NONE,
    )
    settled_at = models.DateTimeField(_("difference settled at"), null=True, blank=True)
    # The gateway's charge reference, the credit entry's id, or the refund's id.
    settlement_reference = models.CharField(_("settlement reference"), max_length=128, blank=True)
    authorisation_amount = models.DecimalField(
        _("authorised amount"), max_digits=12, decimal_places=2, default=0
    )
    authorisation_reference = models.CharField(
        _("authorisation reference"), max_length=128, blank=True
    )
    authorisation_status = models.CharField(
        _("authorisation"),
        max_length=16,
        choices=AuthorisationStatus.choices,
        default=AuthorisationStatus.NONE,
        blank=True,
    )
    requested_at = models.DateTimeField(_("requested at"), null=True, blank=True)
    replacement_order_reference = models.CharField(
        _("replacement order"), max_length=64, blank=True
    )
    ordered_at = models.DateTimeField(_("ordered at"), null=True, blank=True)
    replacement_carrier = models.CharField(_("replacement carrier"), max_length=64, blank=True)
    replacement_tracking = models.CharField(_("replacement tracking"), max_length=64, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        indexes = [
            models.Index(fields=["authorisation_status"], name="exchange_authorisation_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(returned_total__gte=0)
                & Q(replacement_total__gte=0)
                & Q(shipping_cost__gte=0)
                & Q(authorisation_amount__gte=0),
                name="exchange_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    balance=models.F("returned_total")
                    - models.F("replacement_total")
                    - models.F("shipping_cost")
                ),
                name="exchange_balance_adds_up",
            ),
            # How the difference is settled fits which way it goes.
            models.CheckConstraint(
                condition=(Q(balance=0) & Q(settle_by="none"))
                | (Q(balance__gt=0) & Q(settle_by__in=["refund", "credit"]))
                | (Q(balance__lt=0) & Q(settle_by__in=["charge", "credit"])),
                name="exchange_settlement_fits_balance",
            ),
        ]

    def __str__(self):
        return f"{self.return_request_id}: {self.status}"

    @property
    def owed_to_buyer(self):
        return max(self.balance, 0)

    @property
    def to_pay(self):
        return max(-self.balance, 0)
