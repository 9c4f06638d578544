"""Buyer image uploads: checked by content (Pillow), capped in size and pixels,
re-encoded so EXIF and other metadata (GPS, camera) are dropped.

Shared by every app that takes photos from buyers (help center attachments,
return photos); each passes its own size cap.
"""

from __future__ import annotations

import uuid
import warnings
from dataclasses import dataclass
from io import BytesIO

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
ACCEPT = ",".join(content_type for content_type, _extension in FORMATS.values())
MAX_PIXELS = 40_000_000
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class CleanImage:
    original_name: str
    content: bytes
    content_type: str
    extension: str

    @property
    def stored_name(self) -> str:
        return f"{uuid.uuid4().hex}.{self.extension}"


def clean_image(upload, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CleanImage:
    """The upload as a clean image, or a ValidationError that names the file."""
    name = (getattr(upload, "name", "") or "image")[-100:]
    if upload.size > max_bytes:
        raise ValidationError(
            _("“%(name)s” is %(size)s; attachments can be at most %(limit)s.")
            % {
                "name": name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(max_bytes),
            },
            code="too_large",
        )
    not_an_image = ValidationError(
        _("“%(name)s” is not a JPEG, PNG or WebP image.") % {"name": name}, code="not_an_image"
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                image_format = probe.format
                if image_format not in FORMATS:
                    raise not_an_image
                if probe.width * probe.height > MAX_PIXELS:
                    raise ValidationError(
                        _("“%(name)s” has too many pixels; send a smaller photo.") % {"name": name},
                        code="too_large",
                    )
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                if image_format == "JPEG" and upright.mode not in ("RGB", "L"):
                    upright = upright.convert("RGB")
                out = BytesIO()
                # No exif/icc/pnginfo arguments: the copy carries no metadata.
                upright.save(
                    out, format=image_format, **({"quality": 90} if image_format != "PNG" else {})
                )
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise not_an_image from error
    content_type, extension = FORMATS[image_format]
    return CleanImage(name, out.getvalue(), content_type, extension)
