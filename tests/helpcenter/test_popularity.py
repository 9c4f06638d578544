import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from helpcenter.feedback import flush_views, popular_articles, record_view
from helpcenter.models import ArticleDailyViews, HelpArticlePage, HelpCategoryPage
from helpcenter.tasks import flush_article_views

pytestmark = pytest.mark.django_db


def test_a_page_view_writes_nothing_to_the_database(article, django_assert_num_queries):
    with django_assert_num_queries(0):
        record_view(article.pk)
        record_view(article.pk)


def test_viewing_an_article_counts_in_the_cache_only(article, client):
    client.get(article.url)
    client.get(article.url)
    assert not ArticleDailyViews.objects.exists()
    assert cache.get(f"helpcenter:views:{article.pk}") == 2


def test_flush_moves_buffered_views_to_the_daily_table(article):
    for _ in range(3):
        record_view(article.pk)
    assert flush_article_views() == 3
    record_view(article.pk)
    flush_views()
    row = ArticleDailyViews.objects.get(article=article)
    assert (row.day, row.views) == (timezone.localdate(), 4)
    assert flush_views() == 0


def test_beat_runs_the_flush_every_few_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["helpcenter-flush-article-views"]
    assert entry["task"] == "helpcenter.tasks.flush_article_views"


def test_popular_articles_count_the_last_30_days_only(small_help_center):
    en = HelpArticlePage.objects.filter(locale__language_code="en").order_by("path")
    old, recent = en[0], en[1]
    today = timezone.localdate()
    ArticleDailyViews.objects.create(article=old, day=today - datetime.timedelta(days=40), views=99)
    ArticleDailyViews.objects.create(article=old, day=today, views=1)
    ArticleDailyViews.objects.create(article=recent, day=today, views=5)
    titles = [item["title"] for item in popular_articles(en[0].locale)]
    assert titles[:2] == [recent.title, old.title]


def test_help_home_and_category_show_popular_articles(small_help_center, client):
    article = HelpArticlePage.objects.get(slug="cancelling-a-return", locale__language_code="fr")
    ArticleDailyViews.objects.create(article=article, day=timezone.localdate(), views=7)

    def popular_section(url):
        html = client.get(url).content.decode()
        return html.split('id="popular-title"')[1].split("</section>")[0]

    assert "Annuler un retour" in popular_section("/fr/help/")
    category = HelpCategoryPage.objects.get(slug="starting-a-return", locale__language_code="fr")
    assert "Annuler un retour" in popular_section(category.url)
