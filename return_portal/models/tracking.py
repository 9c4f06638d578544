"""The carriers' tracking webhooks received: one row per webhook id, written in
the transaction that applies the scan, so a replay is seen and done once."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .returns import ReturnRequest


class CarrierWebhook(models.Model):
    carrier = models.CharField(_("carrier"), max_length=32)
    webhook_id = models.CharField(_("webhook id"), max_length=128)
    return_request = models.ForeignKey(
        ReturnRequest,
        on_delete=models.CASCADE,
        related_name="carrier_webhooks",
        verbose_name=_("return"),
    )
    event = models.CharField(_("scan"), max_length=32)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("carrier webhook")
        verbose_name_plural = _("carrier webhooks")
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "webhook_id"], name="unique_carrier_webhook_id"
            ),
        ]

    def __str__(self):
        return f"{self.carrier}:{self.webhook_id}"
