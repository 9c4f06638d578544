"""Abuse screening's own records: the thresholds (a Wagtail setting, Admin →
Settings → Abuse screening) and the blocklist (Admin → Settings → Blocklist).

return_portal measures a buyer (return_portal/abuse.py) and reads these: a buyer
over a threshold, or blocklisted, has their new returns held for a decision by
staff, never refused (the withdrawal right is the law's, Directive 2011/83/EU
Art. 9; C. consom. L221-18: a statutory withdrawal must stay recordable).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


def _percent(label):
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
        help_text=_("In per cent, from 0 to 100. Leave empty to leave this signal off."),
    )


@register_setting(icon="warning")
class ScreeningSettings(BaseGenericSetting):
    """Per marketplace: when a buyer's returns over the last 90 days hold their new
    return for a decision. Each threshold is optional (empty: off); a buyer's rates
    count once they have made `min_returns` returns in the window."""

    max_returns = models.PositiveIntegerField(
        _("more returns than"),
        null=True,
        blank=True,
        help_text=_("Returns made in 90 days. Leave empty to leave this signal off."),
    )
    max_value_rate = _percent(_("return rate by value above (%)"))
    max_unit_rate = _percent(_("return rate by units above (%)"))
    max_not_as_described_share = _percent(
        _("“not as described” claims with no defect found above (%)")
    )
    min_returns = models.PositiveSmallIntegerField(
        _("returns before the rates count"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("A buyer's rates are read once they have made this many returns in 90 days."),
    )

    class Meta:
        verbose_name = _("abuse screening")


class BlockKind(models.TextChoices):
    EMAIL = "email", _("buyer email")
    ORDER = "order", _("order reference")


class BlockedEntryQuerySet(models.QuerySet):
    def active(self, at=None):
        """Entries in force at `at` (now): an expired entry no longer counts."""
        at = at or timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))

    def matching(self, emails, reference: str, at=None):
        """Active entries naming one of these emails (any case) or this order reference."""
        named = Q(kind=BlockKind.ORDER, value=reference.strip())
        emails = sorted({e.strip().lower() for e in emails if e and e.strip()})
        if emails:
            named |= Q(kind=BlockKind.EMAIL, value__in=emails)
        return self.active(at).filter(named)


class BlockedEntry(models.Model):
    """A buyer email or an order reference whose new returns staff decide, with why,
    until when (no expiry: until removed)."""

    kind = models.CharField(_("blocks"), max_length=8, choices=BlockKind.choices)
    value = models.CharField(
        _("email or order reference"),
        max_length=254,
        help_text=_("Emails are compared in any case; order references exactly."),
    )
    reason = models.CharField(_("reason"), max_length=500)
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("Leave empty to keep it until removed.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    objects = BlockedEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("blocklist entry")
        verbose_name_plural = _("blocklist")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["kind", "value"], name="screening_block_value_idx")]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="unique_blocked_entry"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.value}"

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)

    def clean(self):
        # Before the unique check (full_clean), so "A@x" and "a@x" are one entry.
        super().clean()
        self.normalize()

    def normalize(self):
        self.value = (self.value or "").strip()
        if self.kind == BlockKind.EMAIL:
            self.value = self.value.lower()
