"""The returns API's idempotency store: what an action answered for a client's
`Idempotency-Key`, so that the same call replayed (a retry after a timeout, a
queue delivering twice) is done once and answers the same.

A key belongs to the token that sent it: two integrations cannot replay, or
block, each other's calls. The row is written in the action's own transaction,
so it exists exactly when the action's change does; a refused call leaves no
row, and may be sent again with the same key once corrected.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_KEY_LENGTH = 255


class ApiIdempotencyKey(models.Model):
    token = models.ForeignKey(
        "marketplace.ApiToken",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("API token"),
    )
    key = models.CharField(_("idempotency key"), max_length=MAX_KEY_LENGTH)
    # The operation and a hash of what it was asked (target and body): the same key
    # sent with another request is refused rather than answered with the first's.
    operation = models.CharField(_("operation"), max_length=64)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    response = models.JSONField(_("response"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("API idempotency key")
        verbose_name_plural = _("API idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="unique_api_idempotency_key"),
        ]

    def __str__(self):
        return f"{self.token_id}: {self.key}"
