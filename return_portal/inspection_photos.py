"""Photos staff take while inspecting a unit: checked by content, stripped of
metadata (core.uploads, as the buyers' photos are), bounded in size and number,
and kept in private storage. Staff read them through the admin's scoped view
(admin/inspection_photos.py), never by URL.

`clean_photos` runs before the inspection's transaction (a refused file is a
form or field error, nothing written); `store` saves the cleaned images inside
it, and `discard` removes the files if that transaction does not commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import ngettext

from core.uploads import CleanImage, clean_image

from .models import InspectionPhoto, UnitInspection

# Per unit, every check's photos together.
MAX_FILES_PER_UNIT = 10


def max_bytes() -> int:
    return settings.RETURN_PHOTO_MAX_BYTES


def clean_photos(uploads: Iterable, *, already: int = 0) -> list[CleanImage]:
    """The uploads as clean images, or a ValidationError with one message per
    refused file (or one saying there are too many)."""
    uploads = [upload for upload in uploads if upload]
    if already + len(uploads) > MAX_FILES_PER_UNIT:
        raise ValidationError(
            ngettext(
                "At most %(max)d photo per unit.",
                "At most %(max)d photos per unit.",
                MAX_FILES_PER_UNIT,
            )
            % {"max": MAX_FILES_PER_UNIT},
            code="too_many",
        )
    cleaned, errors = [], []
    for upload in uploads:
        try:
            cleaned.append(clean_image(upload, max_bytes=max_bytes()))
        except ValidationError as error:
            errors.extend(error.error_list)
    if errors:
        raise ValidationError(errors)
    return cleaned


def store(
    inspection: UnitInspection,
    photos: Sequence[tuple[str, CleanImage]],
    stored: list[InspectionPhoto],
) -> None:
    """Save each (check code, cleaned image) of the unit; every saved photo is
    appended to `stored` at once, so the caller can discard the files if the
    transaction fails afterwards."""
    for check_code, image in photos:
        if not isinstance(image, CleanImage):
            # Only what core.uploads re-encoded is ever stored.
            raise TypeError("inspection photos are cleaned with clean_photos first")
        photo = InspectionPhoto(
            inspection=inspection,
            check_code=check_code,
            original_name=image.original_name,
            content_type=image.content_type,
            size=len(image.content),
        )
        photo.file.save(image.stored_name, ContentFile(image.content), save=False)
        stored.append(photo)
        photo.save()


def discard(stored: Iterable[InspectionPhoto]) -> None:
    """Remove the files of photos whose rows were rolled back."""
    for photo in stored:
        photo.file.delete(save=False)
