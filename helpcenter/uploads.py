"""Help center attachments: core.uploads with the help center's own caps."""

from __future__ import annotations

from django.conf import settings

from core import uploads
from core.uploads import FORMATS, MAX_PIXELS, CleanImage

__all__ = ["FORMATS", "MAX_FILES", "MAX_PIXELS", "CleanImage", "clean_image", "max_bytes"]

MAX_FILES = 3


def max_bytes() -> int:
    return getattr(settings, "HELPCENTER_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)


def clean_image(upload) -> CleanImage:
    """The upload as a clean image, or a ValidationError that names the file."""
    return uploads.clean_image(upload, max_bytes=max_bytes())
