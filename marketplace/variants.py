"""What a buyer may exchange an order line to: the variants the commerce platform
offers for it (another size, colour or model), sent with the order at intake.

They are the platform's word at purchase time, kept as sent: the portal offers
those in stock, and an exchange copies the one chosen (its SKU, title,
attributes and price) so a later intake of the order cannot change what was
agreed."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LineVariant(models.Model):
    line = models.ForeignKey(
        "marketplace.OrderLine",
        on_delete=models.CASCADE,
        related_name="variants",
        verbose_name=_("order line"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    sku = models.CharField(_("SKU"), max_length=64)
    title = models.CharField(_("title"), max_length=255)
    # What tells it apart, as the platform names it: {"size": "L", "colour": "navy"}.
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    # In the order's currency.
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    in_stock = models.BooleanField(_("in stock"), default=True)

    class Meta:
        verbose_name = _("exchange variant")
        verbose_name_plural = _("exchange variants")
        ordering = ["line_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["line", "sku"], name="unique_line_variant_sku"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="line_variant_price_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.sku} {self.title}"

    @property
    def attribute_text(self) -> str:
        """ "size L, colour navy": the attributes as the buyer reads them."""
        return ", ".join(f"{name} {value}" for name, value in self.attributes.items())
