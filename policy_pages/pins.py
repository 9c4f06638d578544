"""The pin: which policy version governs each order line.

The marketplace mirror (`marketplace.OrderLine`) knows nothing of policies: the
dependency runs policy_pages → marketplace. So the pin lives here, one row per
order line, written at intake in the same transaction as the line, and never
changed: the model refuses it, and so does the database (a trigger, migration
0003). `line.pin.version` reads it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PinChangeError(Exception):
    """Raised on any attempt to move an order line to another policy version."""


class LinePinQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if "version" in kwargs or "version_id" in kwargs:
            raise PinChangeError("The policy version of an order line never changes.")
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if "version" in fields or "version_id" in fields:
            raise PinChangeError("The policy version of an order line never changes.")
        return super().bulk_update(objs, fields, *args, **kwargs)


class LinePin(models.Model):
    line = models.OneToOneField(
        "marketplace.OrderLine",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="pin",
        verbose_name=_("order line"),
    )
    version = models.ForeignKey(
        "policy_pages.PolicyVersion",
        on_delete=models.PROTECT,
        related_name="pins",
        verbose_name=_("policy version"),
        help_text=_("The version in force when the order was placed. It never changes."),
    )

    objects = LinePinQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy pin")
        verbose_name_plural = _("policy pins")

    def __str__(self):
        return f"{self.line_id} → {self.version_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            pinned = getattr(self, "_pinned_version_id", None)
            if pinned is None:
                pinned = (
                    type(self)
                    .objects.filter(pk=self.pk)
                    .values_list("version_id", flat=True)
                    .first()
                )
            if pinned is not None and pinned != self.version_id:
                raise PinChangeError(f"Order line {self.pk}: its policy version never changes.")
        super().save(*args, **kwargs)
        self._pinned_version_id = self.version_id

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._pinned_version_id = instance.__dict__.get("version_id")
        return instance
