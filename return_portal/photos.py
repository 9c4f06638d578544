"""Photos a buyer adds while starting a return: checked by content, stripped of
metadata (core.uploads), kept in private storage and bound to the draft until
`confirm.confirm_return` attaches them to the return it creates.

Photos are only ever looked up through the buyer and the draft, so another
buyer's photo id finds nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import ngettext

from core.uploads import clean_image

from .models import ReturnDraft, ReturnPhoto


def max_files() -> int:
    return settings.RETURN_PHOTO_MAX_FILES


def max_bytes() -> int:
    return settings.RETURN_PHOTO_MAX_BYTES


def draft_photos(buyer, draft_key: str):
    """The photos added to this draft and not yet attached to a return."""
    return ReturnPhoto.objects.filter(
        buyer=buyer, draft=uuid.UUID(draft_key), return_request__isnull=True
    )


def add_photos(buyer, draft_key: str, uploads) -> list[ReturnPhoto]:
    """Store the uploads for the draft, all or none. Raises ValidationError with
    one message per refused file (or one saying there are too many)."""
    uploads = [upload for upload in uploads if upload]
    if not uploads:
        return []
    already = draft_photos(buyer, draft_key).count()
    if already + len(uploads) > max_files():
        left = max(0, max_files() - already)
        raise ValidationError(
            ngettext(
                "You can add at most %(max)d photos; there is room for %(left)d more.",
                "You can add at most %(max)d photos; there is room for %(left)d more.",
                left,
            )
            % {"max": max_files(), "left": left},
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
    stored: list[ReturnPhoto] = []
    try:
        with transaction.atomic():
            for image in cleaned:
                photo = ReturnPhoto(
                    buyer=buyer,
                    draft=uuid.UUID(draft_key),
                    original_name=image.original_name,
                    content_type=image.content_type,
                    size=len(image.content),
                )
                photo.file.save(image.stored_name, ContentFile(image.content), save=False)
                stored.append(photo)
                photo.save()
    except Exception:
        # No row was kept: leave no file behind either.
        for photo in stored:
            photo.file.delete(save=False)
        raise
    return stored


def delete_photo(buyer, draft_key: str, public_id) -> bool:
    """Remove one of the draft's photos (file and row); False when it is not the
    buyer's or not this draft's."""
    photo = draft_photos(buyer, draft_key).filter(public_id=public_id).first()
    if photo is None:
        return False
    photo.delete()
    # After the row is gone, so a failed delete never leaves a row without its file.
    photo.file.delete(save=False)
    return True


def purge_abandoned(now: datetime) -> int:
    """Delete the photos of drafts left unconfirmed for RETURN_DRAFT_PHOTO_DAYS (rows,
    then files) once their draft has expired or gone: a buyer's pictures are not
    kept for a return that never was, but a draft resumed later keeps them."""
    cutoff = now - timedelta(days=settings.RETURN_DRAFT_PHOTO_DAYS)
    # A draft still live keeps its photos (drafts are the buyer's: draft.py).
    live = ReturnDraft.objects.filter(expires_at__gt=now).values("public_id")
    abandoned = list(
        ReturnPhoto.objects.filter(return_request__isnull=True, created_at__lt=cutoff).exclude(
            draft__in=live
        )
    )
    if not abandoned:
        return 0
    ReturnPhoto.objects.filter(pk__in=[photo.pk for photo in abandoned]).delete()
    for photo in abandoned:
        photo.file.delete(save=False)
    return len(abandoned)
