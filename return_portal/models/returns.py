"""A return: the request and its lines, with their statuses and reasons. Its
photos are in return_photos, its events and messages in return_history."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.models import TranslatableMixin

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
    # Some units arrived, others are still expected (receiving.receive).
    PARTIALLY_RECEIVED = "partially_received", pgettext_lazy("return status", "partly received")
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
        _("status"), max_length=24, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED
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
    # The carrier that issued the label's tracking number (carriers.py); "" when the
    # buyer's own carrier carries it (its number is then the buyer's word).
    carrier = models.CharField(_("carrier"), max_length=32, blank=True)
    # The seller whose items these are: a return holds one seller's lines (the wizard
    # and the withdrawal split by seller), and seller staff see only their sellers'.
    seller = models.ForeignKey(
        "marketplace.Seller",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="returns",
        verbose_name=_("seller"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_returns",
        verbose_name=_("assigned to"),
    )
    # Approval: its deadline from the request (the back office's SLA), and which
    # automatic rule approved it ("" when staff decided or it still waits).
    approval_due_by = models.DateTimeField(_("approval due by"), null=True, blank=True)
    approved_by_rule = models.CharField(_("approved by rule"), max_length=32, blank=True)
    # A keep-it rule of the pinned policy lets the buyer keep the items: no label,
    # refunded in full once approved (keep_it.py). The clause it cites.
    kept = models.BooleanField(_("kept by the buyer"), default=False)
    keep_it_clause = models.CharField(_("keep-it clause"), max_length=16, blank=True)
    # A rejection: the reason's code (RejectionReason, shown in the buyer's language)
    # and the staff's own words.
    rejection_code = models.CharField(_("rejection reason"), max_length=64, blank=True)
    rejection_note = models.TextField(_("rejection note"), max_length=2000, blank=True)
    # The first of "goods received" and "proof of sending": the refund may be
    # withheld until then (Art. 13(3); L221-24).
    goods_or_proof_at = models.DateTimeField(
        _("goods or proof of sending received at"), null=True, blank=True
    )
    # The settlement once decided (settlement.settle): figure by figure, each with
    # its reason and clause, and its total. The estimate is then replaced.
    settlement = models.JSONField(_("settlement"), default=dict, blank=True)
    settled_total = models.DecimalField(
        _("settled amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    # The refund-clock sweep's last alert ("due_soon", "overdue"): each is sent once.
    refund_alert = models.CharField(_("refund alert"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["buyer", "-created_at"], name="return_buyer_created_idx"),
            models.Index(fields=["status", "ship_by"], name="return_status_ship_by_idx"),
            # The approval sweep and the queue's "decision overdue" (approval.py).
            models.Index(fields=["status", "approval_due_by"], name="return_status_approval_idx"),
            models.Index(fields=["seller", "status"], name="return_seller_status_idx"),
            models.Index(fields=["assignee", "status"], name="return_assignee_status_idx"),
            # The API's `updated_since` and cursor walk this.
            models.Index(fields=["updated_at", "id"], name="return_updated_idx"),
            # The tracking webhook finds the return by its carrier's number.
            models.Index(fields=["carrier", "carrier_tracking"], name="return_tracking_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(shipping_cost__gte=0) & Q(estimated_total__gte=0),
                name="return_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(settled_total__isnull=True) | Q(settled_total__gte=0),
                name="return_settled_total_not_negative",
            ),
            models.UniqueConstraint(
                fields=["carrier", "carrier_tracking"],
                condition=~Q(carrier=""),
                name="unique_carrier_tracking",
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
    # Receiving (receiving.receive): units arrived, and units accounted for otherwise.
    # None until the first receipt; they never add up to more than `quantity`.
    received_quantity = models.PositiveIntegerField(_("received quantity"), null=True, blank=True)
    lost_quantity = models.PositiveIntegerField(_("units lost in transit"), default=0)
    wrong_item_quantity = models.PositiveIntegerField(_("wrong items received"), default=0)
    short_quantity = models.PositiveIntegerField(_("units not sent (short-shipped)"), default=0)
    damaged_quantity = models.PositiveIntegerField(_("damaged quantity"), null=True, blank=True)
    deduction = models.DecimalField(_("deduction"), max_digits=12, decimal_places=2, default=0)
    deduction_reason = models.CharField(_("reason for the deduction"), max_length=255, blank=True)
    # An exchange: a copy of the variant chosen (marketplace.LineVariant) as it
    # was offered, so a later intake cannot change what was agreed.
    exchange_sku = models.CharField(_("replacement SKU"), max_length=64, blank=True)
    exchange_title = models.CharField(_("replacement"), max_length=255, blank=True)
    exchange_attributes = models.JSONField(_("replacement attributes"), default=dict, blank=True)
    exchange_unit_price = models.DecimalField(
        _("replacement unit price"), max_digits=12, decimal_places=2, null=True, blank=True
    )

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
            models.CheckConstraint(
                condition=Q(exchange_unit_price__isnull=True) | Q(exchange_unit_price__gte=0),
                name="return_line_exchange_price_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    quantity__gte=Coalesce(F("received_quantity"), Value(0))
                    + F("lost_quantity")
                    + F("wrong_item_quantity")
                    + F("short_quantity")
                ),
                name="return_line_units_within_quantity",
            ),
        ]

    def __str__(self):
        return f"{self.return_request_id}: {self.quantity} × {self.order_line_id}"
