"""Images in articles: a resized rendition with the block's alternative text,
and the demo's diagram (drawn at seed time, in the "Help center" collection)."""

import re

import pytest
from wagtail.images import get_image_model
from wagtail.models import Locale

from helpcenter.demo_images import COLLECTION, RETURN_LABEL, return_label_image
from helpcenter.models import HelpArticlePage

pytestmark = pytest.mark.django_db

ALT = {
    "en": "A parcel with the return label stuck on its largest side",
    "fr": "Un colis avec l'étiquette de retour collée sur sa plus grande face",
    "de": "Ein Paket mit dem Rücksendeetikett auf der größten Seite",
}


def _images(html):
    return re.findall(r"<img [^>]*>", html)


def test_image_block_renders_a_rendition_with_its_alt_text(help_center, client):
    from helpcenter.models import HelpCategoryPage

    image = return_label_image()
    category = HelpCategoryPage(title="Shipping", slug="shipping-labels")
    help_center.add_child(instance=category)
    article = HelpArticlePage(
        title="Where the label goes",
        slug="label",
        summary="On the largest side.",
        body=[
            {
                "type": "image",
                "value": {"image": image.pk, "alt": "Label & parcel", "caption": "Like so."},
            }
        ],
    )
    category.add_child(instance=article)
    article.save_revision().publish()

    html = client.get(article.url).content.decode()
    [img] = _images(html)
    assert 'alt="Label &amp; parcel"' in img
    src = re.search(r'src="([^"]+)"', img).group(1)
    assert src.startswith("/media/images/")  # a rendition…
    assert ".max-800x600" in src
    assert "original_images" not in src  # …never the uploaded original
    assert image.renditions.filter(filter_spec="max-800x600").exists()
    assert 'width="800"' in img and 'height="520"' in img
    assert "<figcaption>Like so.</figcaption>" in html


@pytest.mark.parametrize("language", ["en", "fr", "de"])
def test_demo_article_shows_the_diagram_with_alt_text_in_each_language(
    small_help_center, client, language
):
    article = HelpArticlePage.objects.get(
        slug="how-to-start-a-return", locale__language_code=language
    )
    html = client.get(article.url).content.decode()
    [img] = _images(html)
    assert f'alt="{ALT[language]}'.replace("'", "&#x27;") in img
    assert "/media/images/" in img and "original_images" not in img


def test_demo_diagram_is_a_png_in_the_help_center_collection(small_help_center):
    image = get_image_model().objects.get(title=RETURN_LABEL)
    assert image.collection.name == COLLECTION
    assert (image.width, image.height) == (800, 520)
    with image.open_file() as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    body = HelpArticlePage.objects.get(slug="how-to-start-a-return", locale=Locale.get_default())
    [block] = [b for b in body.body if b.block_type == "image"]
    assert block.value["image"] == image


def test_reseeding_reuses_the_diagram_and_its_file(
    small_help_center, django_capture_on_commit_callbacks
):
    from helpcenter.demo_content import CATEGORIES
    from helpcenter.seeding import seed_help_center

    image = get_image_model().objects.get(title=RETURN_LABEL)
    with django_capture_on_commit_callbacks(execute=True):
        seed_help_center(categories=CATEGORIES[:1])
    assert get_image_model().objects.filter(title=RETURN_LABEL).count() == 1
    # A database seeded again from scratch finds the same file in storage.
    name = image.file.name
    get_image_model().objects.filter(pk=image.pk).delete()
    again = return_label_image()
    assert again.file.name == name
    assert again.width == 800
