"""Inspection photos (checked by content, stored without metadata, streamed to
staff within their seller's scope) and the staff's inspect form: each unit's
checklist, outcome and photos, and bad input refused inline, never a 500."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from return_portal import inspection, inspection_photos, notifications
from return_portal.inspection import UnitResult
from return_portal.models import (
    InspectionOutcome,
    InspectionPhoto,
    ReturnRequest,
    ReturnStatus,
    UnitInspection,
)
from tests.marketplace.factories import SellerFactory
from tests.return_portal.factories import returns_staff_user
from tests.return_portal.inspecting import checklist, unit_post
from tests.return_portal.test_inspection import order, private_storage, received, rows, staff

__all__ = ["order", "private_storage", "staff"]  # the fixtures of test_inspection.py

S = ReturnStatus
Outcome = InspectionOutcome


# --- photos -------------------------------------------------------------------------------


def jpeg(name="shade.jpg"):
    buffer = BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, format="JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_photos_are_checked_by_content_and_stored_without_metadata(order, staff):
    return_request, line = received(order, staff, quantity=1)
    images = inspection_photos.clean_photos([jpeg()])
    with pytest.raises(Exception, match="not a JPEG, PNG or WebP"):
        inspection_photos.clean_photos(
            [SimpleUploadedFile("fake.jpg", b"<script>", content_type="image/jpeg")]
        )

    result = UnitResult(
        Outcome.PARTIAL_REFUND,
        checklist(visual="Scratch"),
        Decimal("5"),
        "Scratch",
        photos=(("visual", images[0]),),
    )
    inspection.inspect_units(return_request, [(line.pk, 1, result)], actor=staff)

    photo = InspectionPhoto.objects.get()
    assert (photo.check_code, photo.content_type, photo.original_name) == (
        "visual",
        "image/jpeg",
        "shade.jpg",
    )
    with photo.file.open("rb") as stored:
        content = stored.read()
    assert b"SecretCamera" not in content and content.startswith(b"\xff\xd8")


def test_uncleaned_files_are_never_stored_and_a_failed_inspection_leaves_no_file(
    order, staff, private_storage, monkeypatch
):
    return_request, line = received(order, staff, quantity=1)
    raw = UnitResult(Outcome.FULL_REFUND, checklist(), photos=(("", jpeg()),))
    with pytest.raises(TypeError):
        inspection.inspect_units(return_request, [(line.pk, 1, raw)], actor=staff)

    # The photo is saved, then the transaction fails (the email cannot be queued):
    # neither the row nor the file stays behind.
    def broken(*args, **kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(notifications, "queue", broken)
    image = inspection_photos.clean_photos([jpeg()])[0]
    good = UnitResult(Outcome.FULL_REFUND, checklist(), photos=(("", image),))
    with pytest.raises(RuntimeError):
        inspection.inspect_units(return_request, [(line.pk, 1, good)], actor=staff)
    assert not InspectionPhoto.objects.exists() and not UnitInspection.objects.exists()
    assert not [path for path in private_storage.rglob("*") if path.is_file()]


@pytest.fixture
def photographed(order, staff):
    return_request, line = received(order, staff, quantity=1)
    image = inspection_photos.clean_photos([jpeg()])[0]
    result = UnitResult(Outcome.FULL_REFUND, checklist(), photos=(("", image),))
    inspection.inspect_units(return_request, [(line.pk, 1, result)], actor=staff)
    return InspectionPhoto.objects.get()


def test_inspection_photos_are_streamed_to_staff_within_their_scope(client, photographed, staff):
    url = reverse("returns:inspection_photo", args=[photographed.public_id])
    line = photographed.inspection.return_line
    own = returns_staff_user(operator=False, sellers=[line.order_line.seller], with_totp=True)
    other = returns_staff_user(
        operator=False, sellers=[SellerFactory(reference="other")], with_totp=True
    )

    for allowed in (staff, own):
        client.force_login(allowed)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.force_login(line.return_request.buyer)
    assert client.get(url).status_code == 302  # to the admin's sign-in


def test_the_return_page_shows_each_units_result_and_photos(client, photographed, staff):
    return_request = photographed.inspection.return_line.return_request
    client.force_login(staff)
    html = client.get(reverse("returns:inspect", args=[return_request.pk])).content.decode()
    assert "Unit 1: full refund" in html
    assert reverse("returns:inspection_photo", args=[photographed.public_id]) in html


# --- the staff's inspect form ---------------------------------------------------------------


def post_inspection(client, return_request, data):
    return client.post(
        reverse("returns:inspect", args=[return_request.pk]), {"action": "inspect", **data}
    )


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_the_inspect_form_records_units_and_their_photos(staff_client, order, staff):
    return_request, line = received(order, staff, quantity=2)
    data = {
        **unit_post(
            line,
            1,
            "partial_refund",
            failed={"visual": "Scratched shade"},
            deduction="12.50",
            deduction_reason="Scratched shade",
        ),
        f"inspect-{line.pk}-1-visual_photos": jpeg("scratch.jpg"),
        f"inspect-{line.pk}-1-photos": jpeg("whole.jpg"),
        **unit_post(line, 2, ""),  # left for later
    }

    response = post_inspection(staff_client, return_request, data)

    assert response.status_code == 302
    assert list(rows(line)) == [1]
    assert rows(line)[1].deduction == Decimal("12.50")
    assert sorted(InspectionPhoto.objects.values_list("check_code", "original_name")) == [
        ("", "whole.jpg"),
        ("visual", "scratch.jpg"),
    ]
    page = staff_client.get(response["Location"]).content.decode()
    assert f'name="inspect-{line.pk}-2-outcome"' in page
    assert f'name="inspect-{line.pk}-1-outcome"' not in page


PARTIAL, REFUSED, FULL = "partial_refund", "refused", "full_refund"
BACK = "return_to_buyer"
BAD_UNITS = [
    ((PARTIAL, {"deduction": "100.00", "deduction_reason": "Worn"}), "At most"),
    ((PARTIAL, {"deduction": "5.00"}), "State the reason for the deduction."),
    ((PARTIAL, {"deduction": "abc", "deduction_reason": "x"}), "Enter a number."),
    ((FULL, {"deduction": "5.00"}), "Only a partial refund deducts"),
    ((REFUSED, {"disposition": BACK}), "Justify the refusal."),
    ((REFUSED, {"justification": "Not ours"}), "Say what happens to the refused goods."),
    (("teleported", {}), "Select a valid choice."),
    ((FULL, {"visual": ""}), "Say whether this check passed or failed."),
    ((FULL, {"visual": "fail"}), "Say what failed."),
    ((FULL, {"visual_note": "a\x00b"}), "Null characters are not allowed."),
    ((FULL, {"visual_note": "a\x01b"}), "Control characters are not allowed."),
    ((REFUSED, {"justification": "x" * 2001, "disposition": BACK}), "at most 2000"),
    (("", {}), "Choose the outcome of at least one unit."),
]


@pytest.mark.parametrize(("values", "error"), BAD_UNITS)
def test_the_inspect_form_refuses_bad_input_inline(staff_client, order, staff, values, error):
    return_request, line = received(order, staff, quantity=1)
    outcome, fields = values
    data = unit_post(line, 1, outcome)
    data.update({f"inspect-{line.pk}-1-{name}": value for name, value in fields.items()})

    response = post_inspection(staff_client, return_request, data)

    assert response.status_code == 422
    assert error in response.content.decode()
    assert not UnitInspection.objects.exists()
    assert ReturnRequest.objects.get(pk=return_request.pk).status == S.RECEIVED


def test_a_file_that_is_not_an_image_is_a_field_error(staff_client, order, staff):
    return_request, line = received(order, staff, quantity=1)
    data = {
        **unit_post(line, 1),
        f"inspect-{line.pk}-1-photos": SimpleUploadedFile("x.png", b"MZ\x90\x00", "image/png"),
    }
    response = post_inspection(staff_client, return_request, data)
    assert response.status_code == 422
    assert "is not a JPEG, PNG or WebP image" in response.content.decode()
    assert not InspectionPhoto.objects.exists()


def test_a_unit_that_was_not_received_is_never_read_from_the_form(staff_client, order, staff):
    return_request, line = received(order, staff, quantity=2, arrived=1)
    data = {**unit_post(line, 1), **unit_post(line, 2, "refused", justification="x")}
    response = post_inspection(staff_client, return_request, data)
    assert response.status_code == 302
    assert list(rows(line)) == [1]


def test_too_many_photos_for_one_unit_is_a_field_error(staff_client, order, staff):
    return_request, line = received(order, staff, quantity=1)
    data = {
        **unit_post(line, 1),
        f"inspect-{line.pk}-1-photos": [jpeg(f"{n}.jpg") for n in range(6)],
        f"inspect-{line.pk}-1-visual_photos": [jpeg(f"v{n}.jpg") for n in range(5)],
    }
    response = post_inspection(staff_client, return_request, data)
    assert response.status_code == 422
    assert "At most 10 photos per unit." in response.content.decode()
    assert not InspectionPhoto.objects.exists()
