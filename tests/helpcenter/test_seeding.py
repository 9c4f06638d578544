import pytest
from django.utils import timezone
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


def test_two_english_articles_are_past_their_review_date(help_center):
    from helpcenter.upkeep import stale_articles

    stale = stale_articles().filter(locale__language_code="en")
    assert stale.count() == 2
    assert all(article.review_by < timezone.localdate() for article in stale)


def test_articles_seeded_with_the_demo_staff_present_are_owned_by_them(
    help_center, django_capture_on_commit_callbacks
):
    """seed_demo seeds the users first: each new article gets a demo owner
    (the session's help center was seeded without them, so one is rebuilt)."""
    from accounts.demo import seed_users
    from helpcenter import demo_content
    from helpcenter.seeding import seed_help_center

    seed_users()
    slugs = [spec["slug"] for spec in demo_content.CATEGORIES[0]["articles"][:2]]
    for page in HelpArticlePage.objects.filter(slug__in=slugs):
        page.delete()
    with django_capture_on_commit_callbacks(execute=True):
        seed_help_center()
    rebuilt = HelpArticlePage.objects.filter(slug__in=slugs, locale=Locale.get_default())
    assert rebuilt.count() == 2
    owners = {article.content_owner.email for article in rebuilt}
    assert owners == set(demo_content.OWNERS)  # taken in turn
    for article in rebuilt:  # translations keep the owner (a synchronised field)
        french = article.get_translation(Locale.objects.get(language_code="fr"))
        assert french.content_owner_id == article.content_owner_id


def test_seeding_twice_creates_nothing_twice(help_center, django_capture_on_commit_callbacks):
    from helpcenter.seeding import seed_help_center

    counts = (HelpArticlePage.objects.count(), HelpCategoryPage.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        seed_help_center()
    assert (HelpArticlePage.objects.count(), HelpCategoryPage.objects.count()) == counts
