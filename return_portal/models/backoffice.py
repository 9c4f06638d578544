"""The back office's own records: how the marketplace splits the work between
its sellers and itself (a Wagtail setting), the reasons a return can be rejected
for (a translated snippet), and the staff's internal notes on a return."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.models import TranslatableMixin

from ..admin.surcharge_bands import BackOfficeSettingsForm
from ..refunds.bands import default_bands, normalized
from .returns import ReturnRequest


@register_setting(icon="group")
class BackOfficeSettings(BaseGenericSetting):
    """Per marketplace: which steps its sellers' staff may take, what is approved
    without a decision, the deadlines of each step, and the French late-refund
    surcharge's bands (C. consom. L242-4, whose edges are to be checked by legal)."""

    sellers_approve = models.BooleanField(_("sellers approve and reject returns"), default=True)
    sellers_receive = models.BooleanField(_("sellers receive parcels"), default=True)
    sellers_inspect = models.BooleanField(_("sellers inspect returned items"), default=True)
    sellers_settle = models.BooleanField(
        _("sellers settle returns and refund"),
        default=True,
        help_text=_("Resolve, refund and record refunds paid outside the hub."),
    )
    operator_settles_above = models.DecimalField(
        _("the operator settles refunds above"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Sellers may settle refunds up to this amount; above it only the operator "
            "may. Leave empty for no limit."
        ),
    )
    auto_approve_defects = models.BooleanField(
        _("approve defect claims at once"),
        default=True,
        help_text=_("Damaged, faulty or wrong items: the buyer gets the label straight away."),
    )
    auto_approve_below = models.DecimalField(
        _("approve at once below this value"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Returns worth less than this (in the order's currency) are approved without "
            "a decision. Leave empty to decide every other return."
        ),
    )
    approval_sla_hours = models.PositiveSmallIntegerField(
        _("hours to decide a request"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
    )
    inspection_sla_days = models.PositiveSmallIntegerField(
        _("days to inspect after receipt"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    legal_interest_rate = models.DecimalField(
        _("legal interest rate (%)"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("6.650"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("The rate for consumers, for refunds up to 10 days late (L242-4)."),
    )
    # [{"from_days": 10, "to_days": 20, "percent": "5"}, …]; the last band's
    # points rise every further month (`surcharge_monthly_points`).
    late_surcharge_bands = models.JSONField(
        _("late-refund surcharge bands"), default=default_bands, blank=True
    )
    surcharge_monthly_points = models.DecimalField(
        _("further points per month late"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("5"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    # The bands are edited as a table, not as raw JSON.
    base_form_class = BackOfficeSettingsForm

    class Meta:
        verbose_name = _("returns back office")

    def clean(self):
        super().clean()
        try:
            self.late_surcharge_bands = normalized(self.late_surcharge_bands)
        except ValidationError as error:
            raise ValidationError({"late_surcharge_bands": error.messages}) from None


class RejectionReason(TranslatableMixin, models.Model):
    """Why a return can be rejected: staff pick one and may add their own words.
    The buyer reads the label in their language (translated with wagtail-localize)."""

    code = models.SlugField(_("code"), max_length=64)
    label = models.CharField(_("label"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("offered to staff"), default=True)

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("rejection reason")
        verbose_name_plural = _("rejection reasons")
        ordering = ["position", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "locale"], name="unique_rejection_reason_code_locale"
            ),
        ]

    def __str__(self):
        return self.label


class ReturnNote(models.Model):
    """An internal note on a return: staff only, never shown or sent to the buyer."""

    return_request = models.ForeignKey(
        ReturnRequest, on_delete=models.CASCADE, related_name="notes", verbose_name=_("return")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("note"), max_length=4000)
    # A double-clicked or replayed post carries the same key and adds nothing.
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="return_note_not_empty"),
        ]

    def __str__(self):
        return f"{self.return_request_id}: {self.body[:40]}"
