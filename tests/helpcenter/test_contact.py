import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from helpcenter.models import SuggestionOpen, SupportAttachment, SupportRequest

pytestmark = pytest.mark.django_db

MESSAGE = "My parcel arrived with a broken lamp inside, what should I do?"


def photo(name="lamp.jpg", size=(64, 48), image_format="JPEG", with_exif=True):
    buffer = BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    options = {}
    if with_exif:
        exif = Image.Exif()
        exif[0x010F] = "SecretCamera"  # Make
        exif[0x0110] = "Model 9000"
        options["exif"] = exif.tobytes()
    image.save(buffer, format=image_format, **options)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[image_format]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def form(**overrides):
    data = {"email": "someone@example.com", "topic": "damaged", "message": MESSAGE}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_anonymous_buyer_sends_a_request_and_gets_a_reference(
    site_tree, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/support/contact/", form(order_reference="MP-2026-001234"))
    assert response.status_code == 302
    support = SupportRequest.objects.get()
    assert re.fullmatch(r"SR-\d{4}-\d{6}", support.reference)
    assert (support.email, support.topic, support.status) == (
        "someone@example.com",
        "damaged",
        "new",
    )
    thanks = client.get(response["Location"]).content.decode()
    assert support.reference in thanks
    assert len(mailoutbox) == 1
    assert support.reference in mailoutbox[0].subject


def test_acknowledgement_is_written_in_the_buyers_language(
    site_tree, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/fr/support/contact/", form())
    support = SupportRequest.objects.get()
    assert support.language == "fr"
    assert mailoutbox[0].to == ["someone@example.com"]
    # New strings await the lead's translation; the catalogue's ones show the language.
    assert "Centre d'aide" in mailoutbox[0].body


def test_acknowledgement_is_sent_only_after_commit(site_tree, client, mailoutbox):
    # Without running on-commit callbacks, no email leaves.
    client.post("/support/contact/", form())
    assert SupportRequest.objects.count() == 1
    assert mailoutbox == []


def test_references_are_unique_and_sequential(site_tree):
    from helpcenter.desk import next_reference

    first, second = next_reference(), next_reference()
    assert first != second
    assert int(second[-6:]) == int(first[-6:]) + 1


def test_anonymous_buyer_must_give_an_email(site_tree, client):
    response = client.post("/support/contact/", form(email=None))
    assert response.status_code == 400
    assert not SupportRequest.objects.exists()
    assert "This field is required" in response.content.decode()


def test_invalid_form_shows_errors_per_field_and_saves_nothing(site_tree, client):
    response = client.post(
        "/support/contact/",
        {
            "email": "not-an-email",
            "topic": "nonsense",
            "message": "short",
            "order_reference": "<x>",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert not SupportRequest.objects.exists()
    for field in ("email", "topic", "message", "order_reference"):
        assert f'id="id_{field}"' in html
    assert html.count('aria-invalid="true"') == 4
    assert "nothing was sent" in html


def test_signed_in_buyer_does_not_give_an_email(site_tree, client, buyer):
    client.force_login(buyer)
    assert 'name="email"' not in client.get("/support/contact/").content.decode()
    client.post("/support/contact/", form(email=None))
    support = SupportRequest.objects.get()
    assert (support.user, support.email) == (buyer, buyer.email)


def test_honeypot_filled_pretends_success_and_saves_nothing(site_tree, client, mailoutbox):
    response = client.post("/support/contact/", form(website="http://spam.example"))
    assert response.status_code == 302
    assert not SupportRequest.objects.exists()


def test_contact_form_is_rate_limited(site_tree, client):
    codes = [client.post("/support/contact/", form()).status_code for _ in range(7)]
    assert codes[:5] == [302] * 5
    assert codes[5:] == [429, 429]
    assert SupportRequest.objects.count() == 5


def test_attached_photo_is_stored_privately_without_exif(site_tree, client, settings):
    client.post(
        "/support/contact/", form(attachments=[photo(), photo("b.png", image_format="PNG")])
    )
    attachments = SupportAttachment.objects.order_by("pk")
    assert [a.content_type for a in attachments] == ["image/jpeg", "image/png"]
    stored = attachments[0].file
    assert stored.storage.location == settings.STORAGES["private"]["OPTIONS"]["location"]
    with stored.open("rb") as handle:
        data = handle.read()
    assert b"SecretCamera" not in data
    assert Image.open(BytesIO(data)).getexif().get(0x010F) is None


def test_a_file_that_is_not_an_image_is_refused_with_a_clear_message(site_tree, client):
    fake = SimpleUploadedFile("invoice.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    response = client.post("/support/contact/", form(attachments=[fake]))
    assert response.status_code == 400
    assert "“invoice.jpg” is not a JPEG, PNG or WebP image." in response.content.decode()
    assert not SupportRequest.objects.exists()


def test_a_gif_is_refused_even_if_it_is_an_image(site_tree, client):
    buffer = BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="GIF")
    gif = SimpleUploadedFile("anim.gif", buffer.getvalue(), content_type="image/gif")
    response = client.post("/support/contact/", form(attachments=[gif]))
    assert "is not a JPEG, PNG or WebP image" in response.content.decode()


def test_an_oversized_attachment_is_refused_with_a_clear_message(site_tree, client, settings):
    settings.HELPCENTER_ATTACHMENT_MAX_BYTES = 1000
    big = photo(size=(400, 400), with_exif=False)
    response = client.post("/support/contact/", form(attachments=[big]))
    assert response.status_code == 400
    assert "attachments can be at most 1000" in response.content.decode()
    assert not SupportRequest.objects.exists()
    assert not SupportAttachment.objects.exists()


def test_at_most_three_attachments(site_tree, client):
    files = [photo(f"{n}.jpg") for n in range(4)]
    response = client.post("/support/contact/", form(attachments=files))
    assert "Attach at most 3 images." in response.content.decode()


def test_suggestions_appear_as_the_buyer_types(small_help_center, client):
    response = client.get(
        "/fr/support/contact/suggestions/",
        {"message": "je veux faire un retour de colis"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "Comment faire un retour" in html or "Annuler un retour" in html


def test_opening_a_suggestion_is_recorded_and_attached_to_the_request(small_help_center, client):
    from helpcenter.models import HelpArticlePage

    article = HelpArticlePage.objects.get(slug="cancelling-a-return", locale__language_code="en")
    response = client.get(f"/support/contact/suggestions/{article.pk}/")
    assert response.status_code == 302
    assert response["Location"] == article.url
    assert SuggestionOpen.objects.filter(article=article).count() == 1
    client.post("/support/contact/", form())
    assert SupportRequest.objects.get().suggestions_opened == [article.pk]


def test_buyer_sees_their_requests_and_replies_in_their_account(site_tree, client, buyer):
    from helpcenter.desk import add_reply

    client.force_login(buyer)
    client.post("/support/contact/", form(email=None))
    support = SupportRequest.objects.get()
    add_reply(support, None, "Please send the lamp back with the free label.")
    listing = client.get("/support/requests/").content.decode()
    assert support.reference in listing
    detail = client.get(f"/support/requests/{support.reference}/").content.decode()
    assert "Please send the lamp back with the free label." in detail


def test_another_buyer_gets_404_on_someone_elses_request(site_tree, client, buyer, other_buyer):
    client.force_login(buyer)
    client.post("/support/contact/", form(email=None, attachments=[photo()]))
    support = SupportRequest.objects.get()
    attachment = support.attachments.get()
    assert client.get(f"/support/attachments/{attachment.pk}/").status_code == 200
    client.force_login(other_buyer)
    assert client.get(f"/support/requests/{support.reference}/").status_code == 404
    assert client.get(f"/support/attachments/{attachment.pk}/").status_code == 404


def test_attachments_are_never_under_media_root(site_tree, client, settings):
    client.post("/support/contact/", form(attachments=[photo()]))
    name = SupportAttachment.objects.get().file.name
    assert not (settings.MEDIA_ROOT / name).exists()


def test_requests_pages_need_a_login(site_tree, client):
    response = client.get("/support/requests/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
