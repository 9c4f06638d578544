"""The daily roll-ups the KPI dashboard reads, and nothing else.

Every figure of a return counts on the day the return was requested, every sale
on the day the order was placed, both in the marketplace's reporting time zone
(settings.TIME_ZONE). So a return's later events (approval, receipt, refund)
change only its own request day, and rebuilding one (day, seller) slice from
the source tables is enough to bring it up to date: `rollup.rebuild_slice`
deletes the slice's rows and writes them again, in one transaction, which
makes a rebuild idempotent.

Money is kept per currency: value figures are never summed across currencies.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .csat_models import CsatOptOut, CsatSurvey

__all__ = ["CsatOptOut", "CsatSurvey"]  # the surveys live in csat_models.py

MONEY = {"max_digits": 14, "decimal_places": 2}


class Stage(models.TextChoices):
    """The steps of a return, each measured from the milestone before it."""

    APPROVAL = "approval", _("request → approval")
    SHIPPING = "shipping", _("approval → in transit")
    TRANSIT = "transit", _("in transit → received")
    INSPECTION = "inspection", _("received → inspected")
    REFUND = "refund", _("inspected → refunded")
    TOTAL = "total", _("request → refunded")


class SlaStep(models.TextChoices):
    APPROVAL = "approval", _("decision on the request")
    # Within the back office's "inspect within" days of the goods' arrival.
    INSPECTION = "inspection", _("inspection of the goods received")
    REFUND = "refund", _("refund")


class Slice(models.Model):
    """A base for every roll-up row: the day, the market and the seller."""

    day = models.DateField(_("day"))
    market = models.CharField(_("market"), max_length=2)
    seller = models.ForeignKey(
        "marketplace.Seller", on_delete=models.CASCADE, related_name="+", verbose_name=_("seller")
    )

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.day} · {self.market} · {self.seller_id}"


class SalesDay(Slice):
    category = models.ForeignKey(
        "marketplace.ProductCategory",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("category"),
    )
    sku = models.CharField(_("SKU"), max_length=64)
    currency = models.CharField(_("currency"), max_length=3)
    units = models.PositiveIntegerField(_("units sold"))
    value = models.DecimalField(_("value sold"), **MONEY)

    class Meta:
        verbose_name = _("sales per day")
        indexes = [
            models.Index(fields=["day", "seller"], name="insights_sales_day_seller"),
            models.Index(fields=["sku", "day"], name="insights_sales_sku_day"),
        ]


class ReturnDay(Slice):
    """Return lines of the day by product, reason and resolution."""

    category = models.ForeignKey(
        "marketplace.ProductCategory",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("category"),
    )
    sku = models.CharField(_("SKU"), max_length=64)
    # The reason's code, the same in every language ("" when none was given).
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    resolution = models.CharField(_("resolution"), max_length=16)
    currency = models.CharField(_("currency"), max_length=3)
    # Cancelled returns are left out: the buyer took them back.
    lines = models.PositiveIntegerField(_("return lines"))
    units = models.PositiveIntegerField(_("units returned"))
    value = models.DecimalField(_("value returned"), **MONEY)
    kept_units = models.PositiveIntegerField(_("units kept by the buyer"), default=0)

    class Meta:
        verbose_name = _("returns per day")
        indexes = [
            models.Index(fields=["day", "seller"], name="insights_returns_day_seller"),
            models.Index(fields=["sku", "day"], name="insights_returns_sku_day"),
        ]


class ReturnOutcomeDay(Slice):
    """Per return (not per line): how it ended, what it cost, whether on time."""

    # The reason's code, the same in every language ("" when none was given).
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    resolution = models.CharField(_("resolution"), max_length=16)
    status = models.CharField(_("status"), max_length=24)
    currency = models.CharField(_("currency"), max_length=3)
    returns = models.PositiveIntegerField(_("returns"))
    refunded = models.DecimalField(_("refunded"), **MONEY)
    credited = models.DecimalField(_("store credit"), **MONEY)
    exchanged = models.DecimalField(_("exchanged"), **MONEY)
    surcharges = models.DecimalField(_("late surcharges"), **MONEY)
    refunds_late = models.PositiveIntegerField(_("refunds paid late"))

    class Meta:
        verbose_name = _("return outcomes per day")
        indexes = [models.Index(fields=["day", "seller"], name="insights_outcome_day_seller")]


class StageDay(Slice):
    """How long returns took at one stage, as a histogram of whole hours:
    the mean is exact (`seconds`), p50 and p90 are exact to the hour."""

    # The reason's code, the same in every language ("" when none was given).
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    hours = models.PositiveIntegerField(_("whole hours"))
    returns = models.PositiveIntegerField(_("returns"))
    seconds = models.BigIntegerField(_("seconds in all"))

    class Meta:
        verbose_name = _("stage times per day")
        indexes = [models.Index(fields=["day", "seller"], name="insights_stage_day_seller")]


class SlaDay(Slice):
    # The reason's code, the same in every language ("" when none was given).
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    step = models.CharField(_("step"), max_length=16, choices=SlaStep.choices)
    on_time = models.PositiveIntegerField(_("on time"))
    late = models.PositiveIntegerField(_("late"))
    # Due and not done yet, with the deadline already past when the slice was built.
    overdue = models.PositiveIntegerField(_("overdue, still open"))

    class Meta:
        verbose_name = _("deadlines kept per day")
        indexes = [models.Index(fields=["day", "seller"], name="insights_sla_day_seller")]


class InspectionDay(Slice):
    category = models.ForeignKey(
        "marketplace.ProductCategory",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("category"),
    )
    # The reason's code, the same in every language ("" when none was given).
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16)
    currency = models.CharField(_("currency"), max_length=3)
    units = models.PositiveIntegerField(_("units inspected"))
    deductions = models.DecimalField(_("deductions"), **MONEY)
    defect_claims = models.PositiveIntegerField(_("units claimed defective"))
    no_defect_found = models.PositiveIntegerField(_("claimed defective, no defect found"))

    class Meta:
        verbose_name = _("inspections per day")
        indexes = [models.Index(fields=["day", "seller"], name="insights_inspect_day_seller")]


class CsatDay(Slice):
    """Survey answers by the day their return was requested."""

    reason = models.CharField(_("reason"), max_length=64, blank=True)
    resolution = models.CharField(_("resolution"), max_length=16)
    rating = models.PositiveSmallIntegerField(_("rating"))
    answers = models.PositiveIntegerField(_("answers"))

    class Meta:
        verbose_name = _("satisfaction per day")
        indexes = [models.Index(fields=["day", "seller"], name="insights_csat_day_seller")]


class StaleSlice(models.Model):
    """A (day, seller) whose roll-ups no longer match the source: marked after
    the change's commit and deleted by the rebuild that brings it up to date
    (stale.py says why no change is missed)."""

    day = models.DateField(_("day"))
    seller = models.ForeignKey(
        "marketplace.Seller", on_delete=models.CASCADE, related_name="+", verbose_name=_("seller")
    )
    marked_at = models.DateTimeField(_("marked at"), auto_now=True)

    class Meta:
        verbose_name = _("stale roll-up")
        constraints = [
            models.UniqueConstraint(fields=["day", "seller"], name="insights_stale_slice_unique")
        ]

    def __str__(self):
        return f"{self.day} · {self.seller_id}"


# Every roll-up table, rebuilt together slice by slice.
ROLLUP_MODELS = (
    SalesDay,
    ReturnDay,
    ReturnOutcomeDay,
    StageDay,
    SlaDay,
    InspectionDay,
    CsatDay,
)
