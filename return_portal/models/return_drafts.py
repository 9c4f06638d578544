"""A return the buyer has started and not yet confirmed: what they chose so far,
kept in the database under their account (not in the session), so it survives
signing out and in again, another browser, or a session that expired.

Its `public_id` is the draft id of the step URLs, the key of its photos
(`ReturnPhoto.draft`) and, at confirm, the return's idempotency key. Every
look-up is scoped to the buyer (return_portal.draft); an expired draft is as
good as gone and the beat sweep deletes it (draft.purge_expired).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReturnDraft(models.Model):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="return_drafts",
        verbose_name=_("buyer"),
    )
    order = models.ForeignKey(
        "marketplace.Order",
        on_delete=models.CASCADE,
        related_name="return_drafts",
        verbose_name=_("order"),
    )
    # The answers of the steps (draft.Draft without its order and key); nothing is
    # trusted from them at confirm, where every check runs again.
    data = models.JSONField(_("answers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Moved forward at each saved step: a draft left alone for RETURN_DRAFT_DAYS expires.
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("return draft")
        verbose_name_plural = _("return drafts")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["buyer", "order"], name="return_draft_buyer_order")]

    def __str__(self):
        return str(self.public_id)
