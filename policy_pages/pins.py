"""The pin: which policy version governs each order line.

The marketplace mirror (`marketplace.OrderLine`) knows nothing of policies: the
dependency runs policy_pages → marketplace. So the pin lives here, one row per
order line, written at intake in the same transaction as the line, and never
changed: the model refuses it, and so does the database (triggers, migrations
0003 and the proof-of-display one). `line.pin.version` reads it.

The pin also keeps the proof of display, when the storefront sent one: the
version the buyer was shown at checkout (`displayed_version`) and whether it
is the one in force (`display_matches`; null without proof). It is as fixed
as the pin: what was shown cannot be rewritten after the fact.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PinChangeError(Exception):
    """Raised on any attempt to move an order line to another policy version, or
    to rewrite the version it was shown at checkout."""


# Every column of a pin but its key: none of them changes once written.
FIXED = frozenset(
    {"version", "version_id", "displayed_version", "displayed_version_id", "display_matches"}
)


def _fixed(names) -> bool:
    return not FIXED.isdisjoint(names)


def _values(pin) -> tuple:
    return (pin.version_id, pin.displayed_version_id, pin.display_matches)


class LinePinQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if _fixed(kwargs):
            raise PinChangeError("The policy pin of an order line never changes.")
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if _fixed(fields):
            raise PinChangeError("The policy pin of an order line never changes.")
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
    displayed_version = models.ForeignKey(
        "policy_pages.PolicyVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="displays",
        verbose_name=_("version shown at checkout"),
        help_text=_("The version the storefront says the buyer was shown, if it said so."),
    )
    display_matches = models.BooleanField(
        _("shown version matches"),
        null=True,
        blank=True,
        help_text=_("Whether the version shown is the one in force; empty without proof."),
    )

    objects = LinePinQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy pin")
        verbose_name_plural = _("policy pins")

    def __str__(self):
        return f"{self.line_id} → {self.version_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            pinned = getattr(self, "_pinned", None)
            if pinned is None:
                pinned = (
                    type(self)
                    .objects.filter(pk=self.pk)
                    .values_list("version_id", "displayed_version_id", "display_matches")
                    .first()
                )
            if pinned is not None and tuple(pinned) != _values(self):
                raise PinChangeError(f"Order line {self.pk}: its policy pin never changes.")
        super().save(*args, **kwargs)
        self._pinned = _values(self)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Deferred fields are read back from the database at save, not guessed.
        if FIXED.isdisjoint(instance.get_deferred_fields()):
            instance._pinned = _values(instance)
        return instance
