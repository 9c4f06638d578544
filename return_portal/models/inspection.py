"""The inspection of each returned unit: a checklist, an outcome, and what the unit
earns, with the photos staff took of it.

One row per received unit (`unit` runs 1..received_quantity of its line), written
by `inspection.inspect_units` and never edited. The database holds the money
rules too, so no path round the action can break them: a deduction never exceeds
what the unit earns, only a partial refund deducts, and a refused unit earns
nothing, states its justification and says where the goods go.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.storage import private_storage

from .returns import ReturnLine


class InspectionOutcome(models.TextChoices):
    FULL_REFUND = "full_refund", _("full refund")
    # Less the loss of value from handling beyond what was needed to check the item
    # (Directive 2011/83/EU Art. 14(2); C. consom. L221-23).
    PARTIAL_REFUND = "partial_refund", _("partial refund")
    REPAIR = "repair", _("repair")
    REPLACEMENT = "replacement", _("replacement")
    STORE_CREDIT = "store_credit", _("store credit")
    REFUSED = "refused", _("refused")


class RefusedDisposition(models.TextChoices):
    """Where a refused unit goes."""

    RETURN_TO_BUYER = "return_to_buyer", _("sent back to the buyer")
    KEPT_AT_BUYERS_REQUEST = "kept_at_buyers_request", _("kept at the buyer's request")


class InspectionCheck(models.TextChoices):
    """The checklist every unit is inspected against, in this order."""

    VISUAL = "visual", _("Visual state")
    PACKAGING = "packaging", _("Packaging")
    ACCESSORIES = "accessories", _("Accessories")
    FUNCTIONAL = "functional", _("Functional test")
    AS_DESCRIBED = "as_described", _("Matches the description")


CHECK_NOTE_MAX_LENGTH = 500
JUSTIFICATION_MAX_LENGTH = 2000


class UnitInspection(models.Model):
    return_line = models.ForeignKey(
        ReturnLine,
        on_delete=models.CASCADE,
        related_name="unit_inspections",
        verbose_name=_("returned line"),
    )
    unit = models.PositiveSmallIntegerField(_("unit"))
    # {"visual": {"passed": true, "note": ""}, …}: one entry per InspectionCheck.
    checks = models.JSONField(_("checklist"), default=dict)
    outcome = models.CharField(_("outcome"), max_length=16, choices=InspectionOutcome.choices)
    # What the unit earned when inspected: its price less the pinned policy's
    # restocking fee where one may be charged (inspection.unit_earnings); 0 refused.
    earnings = models.DecimalField(_("earns"), max_digits=12, decimal_places=2)
    deduction = models.DecimalField(_("deduction"), max_digits=12, decimal_places=2, default=0)
    deduction_reason = models.CharField(_("reason for the deduction"), max_length=255, blank=True)
    justification = models.TextField(
        _("justification"), max_length=JUSTIFICATION_MAX_LENGTH, blank=True
    )
    disposition = models.CharField(
        _("the goods are"), max_length=24, choices=RefusedDisposition.choices, blank=True
    )
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inspected by"),
    )
    inspected_at = models.DateTimeField(_("inspected at"))

    class Meta:
        verbose_name = _("unit inspection")
        verbose_name_plural = _("unit inspections")
        ordering = ["return_line_id", "unit"]
        constraints = [
            # A double submit finds the unit inspected: one row per unit.
            models.UniqueConstraint(fields=["return_line", "unit"], name="unique_unit_inspection"),
            models.CheckConstraint(condition=Q(unit__gte=1), name="unit_inspection_unit_positive"),
            models.CheckConstraint(
                condition=Q(earnings__gte=0)
                & Q(deduction__gte=0)
                & Q(deduction__lte=F("earnings")),
                name="unit_deduction_within_earnings",
            ),
            # Only a partial refund deducts, and it always does, with its reason.
            models.CheckConstraint(
                condition=(
                    Q(outcome=InspectionOutcome.PARTIAL_REFUND)
                    & Q(deduction__gt=0)
                    & ~Q(deduction_reason="")
                )
                | (~Q(outcome=InspectionOutcome.PARTIAL_REFUND) & Q(deduction=0)),
                name="unit_deduction_only_on_partial_refund",
            ),
            # Refused: earns nothing, is justified and goes somewhere; nothing else
            # has a disposition.
            models.CheckConstraint(
                condition=(
                    Q(outcome=InspectionOutcome.REFUSED)
                    & Q(earnings=0)
                    & ~Q(justification="")
                    & Q(disposition__in=RefusedDisposition.values)
                )
                | (~Q(outcome=InspectionOutcome.REFUSED) & Q(disposition="")),
                name="unit_refused_earns_nothing",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=InspectionOutcome.values), name="unit_outcome_known"
            ),
        ]

    def __str__(self):
        return f"{self.return_line_id} #{self.unit}: {self.outcome}"

    def check_results(self) -> list[tuple[str, str, bool | None, str]]:
        """(code, label, passed, note) per check, in the checklist's order."""
        rows = []
        for check in InspectionCheck:
            entry = self.checks.get(check.value) or {}
            rows.append((check.value, check.label, entry.get("passed"), entry.get("note", "")))
        return rows


class InspectionPhoto(models.Model):
    """A photo staff took of a unit (of one check, or of the unit as a whole),
    checked by content, re-encoded without metadata and kept in private storage."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    inspection = models.ForeignKey(
        UnitInspection,
        on_delete=models.CASCADE,
        related_name="photos",
        verbose_name=_("unit inspection"),
    )
    # The check it shows ("" for the unit as a whole). Not named `check`: models
    # have a `check()` of their own (Django's system checks).
    check_code = models.CharField(
        _("check"), max_length=16, choices=InspectionCheck.choices, blank=True
    )
    file = models.FileField(
        _("file"), storage=private_storage, upload_to="inspection-photos/%Y/%m/"
    )
    original_name = models.CharField(_("original name"), max_length=100)
    content_type = models.CharField(_("content type"), max_length=32)
    size = models.PositiveIntegerField(_("size"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name
