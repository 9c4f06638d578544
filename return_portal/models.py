"""Returns: the request, its lines, photos, events, messages, refunds, and the
outbox that carries their notifications.

State changes go through the actions only: `lifecycle.py` (one function per
transition, under `select_for_update`, each appending a `ReturnEvent` and an audit
log entry); creation goes through `confirm.confirm_return` and
`withdrawal.withdraw`. Nothing here is edited in place by views.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.models import TranslatableMixin

# The one private storage. Migration 0002 names it `return_portal.models.private_storage`,
# so it stays importable here under that name.
from core.storage import private_storage
from policy_pages.labels import RESOLUTION, SHIPPING_METHOD, choices
from policy_pages.rules import Resolution

RMA_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone


def new_rma() -> str:
    return "RMA-" + "".join(secrets.choice(RMA_ALPHABET) for _ in range(8))


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("return status", "requested")
    APPROVED = "approved", pgettext_lazy("return status", "approved")
    REJECTED = "rejected", pgettext_lazy("return status", "rejected")
    IN_TRANSIT = "in_transit", pgettext_lazy("return status", "in transit")
    RECEIVED = "received", pgettext_lazy("return status", "received")
    INSPECTED = "inspected", pgettext_lazy("return status", "inspected")
    RESOLVED = "resolved", pgettext_lazy("return status", "resolved")
    CLOSED = "closed", pgettext_lazy("return status", "closed")
    CANCELLED = "cancelled", pgettext_lazy("return status", "cancelled")
    EXPIRED = "expired", pgettext_lazy("return status", "expired")


# A return in one of these no longer holds its quantities: they can be returned again.
RELEASED_STATUSES = (ReturnStatus.REJECTED, ReturnStatus.CANCELLED, ReturnStatus.EXPIRED)
# The buyer may cancel until the parcel is on its way.
CANCELLABLE_STATUSES = (ReturnStatus.REQUESTED, ReturnStatus.APPROVED)
FINAL_STATUSES = (*RELEASED_STATUSES, ReturnStatus.CLOSED)


class ReturnKind(models.TextChoices):
    RETURN = "return", _("return")
    # Sent with the withdrawal button (Directive 2011/83/EU Art. 11a; L221-21).
    WITHDRAWAL = "withdrawal", _("withdrawal")


class ItemCondition(models.TextChoices):
    UNOPENED = "unopened", _("Unopened, in its original packaging")
    LIKE_NEW = "like_new", _("Opened, like new")
    USED = "used", _("Used")
    DAMAGED = "damaged", _("Damaged or faulty")


class ReturnReason(TranslatableMixin, models.Model):
    """One reason of the nested, translated reason taxonomy (a snippet).

    Only leaves can be chosen: a parent ("Problem with the item") groups its
    children ("Arrived damaged", "Wrong item sent"). A reason that says the item is
    defective or not as ordered makes return shipping free (the seller pays)."""

    code = models.SlugField(_("code"), max_length=64)
    label = models.CharField(_("label"), max_length=120)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
        help_text=_("A reason with children groups them and cannot be chosen itself."),
    )
    is_defect = models.BooleanField(
        _("defective, damaged or wrong item"),
        default=False,
        help_text=_("Return shipping is free for these reasons: the seller pays."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("offered to buyers"), default=True)

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("return reason")
        verbose_name_plural = _("return reasons")
        ordering = ["position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["code", "locale"], name="unique_reason_code_locale"),
        ]

    def __str__(self):
        if self.parent_id:
            return f"{self.parent.label} › {self.label}"
        return self.label


class ReturnRequest(models.Model):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    rma = models.CharField(_("RMA number"), max_length=16, unique=True, default=new_rma)
    # Its emails, in the one outbox (core.OutboxMessage); queryable as return_request=.
    notifications = GenericRelation(
        "core.OutboxMessage",
        content_type_field="about_type",
        object_id_field="about_id",
        related_query_name="return_request",
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=ReturnKind.choices, default=ReturnKind.RETURN
    )
    order = models.ForeignKey(
        "marketplace.Order",
        on_delete=models.PROTECT,
        related_name="returns",
        verbose_name=_("order"),
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="returns",
        verbose_name=_("buyer"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED
    )
    # The key of the confirming submission: a replayed or double-clicked confirm finds
    # the return it already created.
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    reason = models.ForeignKey(
        ReturnReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reason"),
    )
    reason_is_defect = models.BooleanField(_("defect reason"), default=False)
    condition = models.CharField(
        _("condition"), max_length=16, choices=ItemCondition.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    resolution = models.CharField(
        _("resolution"),
        max_length=16,
        # The labels of the rule vocabulary, one set (policy_pages.labels): use
        # get_resolution_display, never a copy of them.
        choices=choices(RESOLUTION),
        default=Resolution.REFUND,
    )
    exchange_variant = models.CharField(_("wanted variant"), max_length=200, blank=True)
    shipping_method = models.CharField(
        _("shipping"),
        max_length=16,
        choices=choices(SHIPPING_METHOD),
        blank=True,
    )
    currency = models.CharField(_("currency"), max_length=3)
    shipping_cost = models.DecimalField(
        _("return shipping cost"), max_digits=12, decimal_places=2, default=0
    )
    # The estimate the buyer confirmed, figure by figure with the clause each cites
    # (see refunds.estimate), and its total.
    estimate = models.JSONField(_("refund estimate"), default=dict, blank=True)
    estimated_total = models.DecimalField(
        _("estimated refund"), max_digits=12, decimal_places=2, default=0
    )
    # Under the statutory right of withdrawal: the law's refund clock applies.
    statutory = models.BooleanField(_("statutory withdrawal"), default=False)
    # When the buyer told us (confirm, or the withdrawal button): the refund clock
    # of Art. 13 / L221-24 starts here.
    notice_at = models.DateTimeField(_("notice received at"), null=True, blank=True)
    ship_by = models.DateTimeField(_("ship by"), null=True, blank=True)
    refund_due_by = models.DateTimeField(_("refund due by"), null=True, blank=True)
    drop_off_code = models.CharField(_("drop-off code"), max_length=32, blank=True)
    carrier_tracking = models.CharField(_("tracking number"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["buyer", "-created_at"], name="return_buyer_created_idx"),
            models.Index(fields=["status", "ship_by"], name="return_status_ship_by_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(shipping_cost__gte=0) & Q(estimated_total__gte=0),
                name="return_amounts_not_negative",
            ),
        ]

    def __str__(self):
        return self.rma

    @property
    def cancellable(self) -> bool:
        return self.status in CANCELLABLE_STATUSES

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL_STATUSES and self.status != ReturnStatus.RESOLVED


class ReturnLine(models.Model):
    return_request = models.ForeignKey(
        ReturnRequest, on_delete=models.CASCADE, related_name="lines", verbose_name=_("return")
    )
    order_line = models.ForeignKey(
        "marketplace.OrderLine",
        on_delete=models.PROTECT,
        related_name="return_lines",
        verbose_name=_("order line"),
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    # Inspection, per line.
    received_quantity = models.PositiveIntegerField(_("received quantity"), null=True, blank=True)
    damaged_quantity = models.PositiveIntegerField(_("damaged quantity"), null=True, blank=True)
    deduction = models.DecimalField(_("deduction"), max_digits=12, decimal_places=2, default=0)
    deduction_reason = models.CharField(_("reason for the deduction"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("returned line")
        verbose_name_plural = _("returned lines")
        constraints = [
            models.UniqueConstraint(
                fields=["return_request", "order_line"], name="unique_return_order_line"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="return_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(deduction__gte=0), name="return_line_deduction_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.return_request_id}: {self.quantity} × {self.order_line_id}"


class ReturnPhoto(models.Model):
    """A buyer's photo, re-encoded without metadata and kept in private storage.
    Uploaded during the steps (bound to the draft), attached at confirm."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="return_photos",
        verbose_name=_("buyer"),
    )
    draft = models.UUIDField(_("draft"), db_index=True)
    return_request = models.ForeignKey(
        ReturnRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("return"),
    )
    file = models.FileField(_("file"), storage=private_storage, upload_to="return-photos/%Y/%m/")
    original_name = models.CharField(_("original name"), max_length=100)
    content_type = models.CharField(_("content type"), max_length=32)
    size = models.PositiveIntegerField(_("size"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("return photo")
        verbose_name_plural = _("return photos")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name


class ActorKind(models.TextChoices):
    BUYER = "buyer", _("buyer")
    STAFF = "staff", _("staff")
    SYSTEM = "system", _("system")


class ReturnEvent(models.Model):
    """One transition of a return, appended by lifecycle.py and never changed."""

    return_request = models.ForeignKey(
        ReturnRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("return")
    )
    from_status = models.CharField(
        _("from"), max_length=16, choices=ReturnStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=16, choices=ReturnStatus.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_kind = models.CharField(_("actor"), max_length=8, choices=ActorKind.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("return event")
        verbose_name_plural = _("return events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.return_request_id}: {self.from_status} → {self.to_status}"


class ReturnMessage(models.Model):
    return_request = models.ForeignKey(
        ReturnRequest,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("return"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    from_staff = models.BooleanField(_("from support"), default=False)
    body = models.TextField(_("message"), max_length=4000)
    # A retried htmx post carries the same key and adds nothing.
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("return message")
        verbose_name_plural = _("return messages")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.return_request_id}: {self.body[:40]}"


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class Refund(models.Model):
    """Money sent back for a return. The order's `refunded_amount` rises in the
    same transaction, and the database refuses it beyond what was paid."""

    return_request = models.ForeignKey(
        ReturnRequest, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("return")
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    resolution = models.CharField(_("paid as"), max_length=16, choices=choices(RESOLUTION))
    status = models.CharField(
        _("status"), max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    provider_reference = models.CharField(_("provider reference"), max_length=128, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self):
        return f"{self.amount} {self.currency}"
