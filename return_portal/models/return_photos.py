"""A buyer's photos of a return, kept in the one private storage."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The one private storage. Migration 0002 names it `return_portal.models.private_storage`,
# so the models package keeps it importable under that name.
from core.storage import private_storage

from .returns import ReturnRequest


class ReturnPhoto(models.Model):
    """A buyer's photo, re-encoded without metadata and kept in private storage.
    Uploaded during the steps (bound to the draft), attached at confirm."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="return_photos",
        verbose_name=_("buyer"),
    )
    draft = models.UUIDField(_("draft"), db_index=True)
    return_request = models.ForeignKey(
        ReturnRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
        verbose_name=_("return"),
    )
    file = models.FileField(_("file"), storage=private_storage, upload_to="return-photos/%Y/%m/")
    original_name = models.CharField(_("original name"), max_length=100)
    content_type = models.CharField(_("content type"), max_length=32)
    size = models.PositiveIntegerField(_("size"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("return photo")
        verbose_name_plural = _("return photos")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name
