"""Photos added while starting a return: checked by content, stripped of EXIF,
kept in private storage, capped in size and number, bound to the draft."""

from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from return_portal.models import ReturnDraft, ReturnPhoto
from return_portal.tasks import sweep_returns
from tests.factories import UserFactory
from tests.return_portal import test_wizard as wizard_tests
from tests.return_portal.test_wizard import HTMX, draft_id, start, step_url, text, walk

# The steps' fixtures: a buyer signed in, with an order of two lines.
order = wizard_tests.order
signed_in = wizard_tests.signed_in
english = wizard_tests.english  # autouse


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path, monkeypatch):
    """Return photos go to a temporary private folder, media to another."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    # The field resolved its storage when the model was loaded: point it at the new one.
    monkeypatch.setattr(ReturnPhoto._meta.get_field("file"), "storage", storages["private"])
    return tmp_path / "private"


def jpeg(name="seam.jpg", size=(64, 48), with_exif=True):
    buffer = BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    options = {}
    if with_exif:
        exif = Image.Exif()
        exif[0x010F] = "SecretCamera"  # Make
        exif[0x0110] = "Model 9000"  # Model
        exif[0x0132] = "2026:01:02 03:04:05"  # DateTime
        options["exif"] = exif.tobytes()
    image.save(buffer, format="JPEG", **options)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def draft(signed_in, order):
    items_url = start(signed_in, order)
    walk(signed_in, items_url, upto="reason")
    return items_url


def upload(client, items_url, *files, **headers):
    return client.post(
        reverse("return_portal:photo_upload", args=[draft_id(items_url)]),
        {"photos": list(files)},
        **headers,
    )


def test_a_jpeg_is_stored_privately_without_its_exif(signed_in, draft, buyer, private_storage):
    original = jpeg()
    assert b"SecretCamera" in original.read()
    original.seek(0)

    response = upload(signed_in, draft, original, **HTMX)

    assert response.status_code == 200
    photo = ReturnPhoto.objects.get()
    assert (photo.buyer, photo.draft, photo.return_request) == (buyer, draft_id(draft), None)
    assert photo.content_type == "image/jpeg" and photo.original_name == "seam.jpg"
    stored = Path(photo.file.path)
    assert stored.is_relative_to(private_storage)
    assert not stored.is_relative_to(Path(str(private_storage)).parent / "media")
    data = stored.read_bytes()
    assert b"SecretCamera" not in data and b"Model 9000" not in data
    assert not Image.open(BytesIO(data)).getexif()
    body = text(response)
    assert 'id="photo-uploader"' in body and "<html" not in body
    assert reverse("return_portal:photo", args=[photo.public_id]) in body
    assert 'alt="Photo 1: seam.jpg"' in body
    assert "1 photo added." in body


def test_a_text_file_named_like_a_jpeg_is_refused(signed_in, draft):
    fake = SimpleUploadedFile("receipt.jpg", b"just some text, not pixels", "image/jpeg")

    response = upload(signed_in, draft, fake, **HTMX)

    assert "“receipt.jpg” is not a JPEG, PNG or WebP image." in text(response)
    assert 'aria-invalid="true"' in text(response)
    assert not ReturnPhoto.objects.exists()


def test_a_photo_over_the_size_limit_is_refused(signed_in, draft, settings):
    settings.RETURN_PHOTO_MAX_BYTES = 1000

    response = upload(signed_in, draft, jpeg(size=(400, 400), with_exif=False), **HTMX)

    assert "attachments can be at most 1000" in text(response)
    assert not ReturnPhoto.objects.exists()


def test_a_sixth_photo_is_refused(signed_in, draft):
    for number in range(5):
        upload(signed_in, draft, jpeg(f"{number}.jpg"), **HTMX)
    assert ReturnPhoto.objects.count() == 5

    response = upload(signed_in, draft, jpeg("6.jpg"), **HTMX)

    assert "You can add at most 5 photos" in text(response)
    assert ReturnPhoto.objects.count() == 5
    assert 'name="photos"' not in text(response)  # no more room: no input


def test_without_javascript_photos_ride_along_with_the_reason_form(signed_in, draft):
    response = signed_in.post(
        step_url(draft, "reason"),
        {"reason": "arrived-damaged", "condition": "damaged", "photos": [jpeg(), jpeg("b.jpg")]},
    )

    assert response.status_code == 302
    assert ReturnPhoto.objects.filter(draft=draft_id(draft)).count() == 2


def test_a_refused_photo_keeps_the_buyer_on_the_reason_step_with_the_error(signed_in, draft):
    fake = SimpleUploadedFile("notes.jpg", b"hello", "image/jpeg")

    response = signed_in.post(
        step_url(draft, "reason"),
        {"reason": "arrived-damaged", "condition": "damaged", "photos": [fake]},
    )

    assert response.status_code == 422
    assert "“notes.jpg” is not a JPEG, PNG or WebP image." in text(response)
    assert 'href="#id_photos"' in text(response)
    assert signed_in.get(step_url(draft, "resolution")).status_code == 302


def test_photos_are_kept_when_the_rest_of_the_reason_step_needs_fixing(signed_in, draft):
    response = signed_in.post(step_url(draft, "reason"), {"photos": [jpeg()]})

    assert response.status_code == 422
    assert ReturnPhoto.objects.count() == 1
    assert reverse("return_portal:photo", args=[ReturnPhoto.objects.get().public_id]) in text(
        response
    )


def test_a_photo_can_be_removed_and_its_file_goes_with_it(signed_in, draft):
    upload(signed_in, draft, jpeg(), **HTMX)
    photo = ReturnPhoto.objects.get()
    path = Path(photo.file.path)
    url = reverse("return_portal:photo_delete", args=[draft_id(draft), photo.public_id])

    response = signed_in.post(url, **HTMX)

    assert response.status_code == 200 and "Photo removed." in text(response)
    assert not ReturnPhoto.objects.exists()
    assert not path.exists()
    assert signed_in.post(url).status_code == 404


def test_another_buyer_cannot_remove_or_add_photos_to_a_draft(client, signed_in, draft):
    upload(signed_in, draft, jpeg(), **HTMX)
    photo = ReturnPhoto.objects.get()
    client.force_login(UserFactory())

    removed = client.post(
        reverse("return_portal:photo_delete", args=[draft_id(draft), photo.public_id])
    )
    added = upload(client, draft, jpeg(), **HTMX)

    assert removed.status_code == 404 and added.status_code == 404
    assert ReturnPhoto.objects.count() == 1


def test_confirming_attaches_the_drafts_photos_to_the_return(signed_in, draft):
    upload(signed_in, draft, jpeg(), **HTMX)
    walk(signed_in, draft)

    signed_in.post(reverse("return_portal:confirm", args=[draft_id(draft)]))

    photo = ReturnPhoto.objects.get()
    assert photo.return_request is not None
    assert photo.return_request.buyer == photo.buyer


def test_a_photo_posted_to_the_upload_without_htmx_returns_to_the_reason_step(signed_in, draft):
    added = upload(signed_in, draft, jpeg())
    refused = upload(signed_in, draft, SimpleUploadedFile("x.jpg", b"nope", "image/jpeg"))

    assert added.status_code == 302 and added["Location"] == step_url(draft, "reason")
    assert refused.status_code == 422
    assert "“x.jpg” is not a JPEG, PNG or WebP image." in text(refused)
    assert "<html" in text(refused)
    assert ReturnPhoto.objects.count() == 1


def test_the_sweep_deletes_photos_of_drafts_left_unconfirmed(signed_in, draft, settings):
    upload(signed_in, draft, jpeg(), jpeg("kept.jpg"), **HTMX)
    abandoned, recent = ReturnPhoto.objects.order_by("pk")
    path = Path(abandoned.file.path)
    ReturnPhoto.objects.filter(pk=abandoned.pk).update(
        created_at=timezone.now() - timedelta(days=settings.RETURN_DRAFT_PHOTO_DAYS, minutes=1)
    )
    # The draft expired: a live draft keeps its photos (test_drafts_in_db.py).
    ReturnDraft.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    outcome = sweep_returns()

    assert outcome["photos_purged"] == 1
    assert list(ReturnPhoto.objects.all()) == [recent]
    assert not path.exists()


def test_the_sweep_keeps_photos_attached_to_a_return(signed_in, draft, settings):
    upload(signed_in, draft, jpeg(), **HTMX)
    walk(signed_in, draft)
    signed_in.post(reverse("return_portal:confirm", args=[draft_id(draft)]))
    ReturnPhoto.objects.update(created_at=timezone.now() - timedelta(days=30))

    sweep_returns()

    assert ReturnPhoto.objects.get().return_request is not None
