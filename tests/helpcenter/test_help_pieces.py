"""Issue 14, part 7: a breadcrumb with every level, popular articles without
Celery beat, the articles a buyer opened named in the inbox and the deflection
report, and the self-service score (help sessions per request submitted)."""

import datetime

import pytest
from django.utils import timezone
from django.utils.html import escape

from helpcenter.desk import create_support_request
from helpcenter.feedback import popular_articles, record_view, record_vote
from helpcenter.models import (
    ArticleDailyViews,
    HelpArticlePage,
    HelpCategoryPage,
    HelpCenterPage,
    HelpSessionDay,
    SuggestionOpen,
    SupportRequest,
)
from helpcenter.reports import self_service
from helpcenter.tasks import flush_article_views

pytestmark = pytest.mark.django_db


def _crumbs(html):
    return html.split('class="breadcrumb')[1].split("</nav>")[0]


def test_an_article_has_a_breadcrumb_with_every_level(small_help_center, client):
    article = HelpArticlePage.objects.get(slug="how-to-start-a-return", locale__language_code="fr")
    category = article.get_parent()
    crumbs = _crumbs(client.get(article.url).content.decode())
    home = HelpCenterPage.objects.get(locale__language_code="fr")
    home_link = f'<a href="{home.url}">{escape(home.title)}</a>'
    assert crumbs.index(home_link) < crumbs.index(escape(category.title))
    assert f'<a href="{category.url}">{escape(category.title)}</a>' in crumbs
    assert f'<span aria-current="page">{escape(article.title)}</span>' in crumbs
    assert crumbs.index(escape(category.title)) < crumbs.index(escape(article.title))


def test_a_category_has_a_breadcrumb_to_the_help_home(small_help_center, client):
    category = HelpCategoryPage.objects.get(slug="starting-a-return", locale__language_code="en")
    crumbs = _crumbs(client.get(category.url).content.decode())
    assert f'<a href="{category.get_parent().url}">' in crumbs
    assert f'<span aria-current="page">{category.title}</span>' in crumbs


def test_an_untranslated_article_has_the_readers_levels(small_help_center, client):
    english = HelpArticlePage.objects.get(
        slug="returning-part-of-an-order", locale__language_code="en"
    )
    german_category = HelpCategoryPage.objects.get(
        slug="starting-a-return", locale__language_code="de"
    )
    html = client.get(f"/de/support/articles/{english.translation_key}/").content.decode()
    crumbs = _crumbs(html)
    assert f'<a href="{german_category.url}">{german_category.title}</a>' in crumbs


def test_popular_articles_appear_without_beat(small_help_center, client):
    # make run: no Celery beat, so views stay in the cache, never in the daily table.
    article = HelpArticlePage.objects.get(slug="cancelling-a-return", locale__language_code="en")
    client.get("/help/")  # an empty list is not cached
    client.get(article.url)
    client.get(article.url)
    assert not ArticleDailyViews.objects.exists()
    html = client.get("/help/").content.decode()
    assert 'id="popular-title"' in html
    popular = html.split('id="popular-title"')[1].split("</section>")[0]
    assert article.title in popular


def test_buffered_views_add_to_the_flushed_ones(small_help_center):
    en = list(HelpArticlePage.objects.filter(locale__language_code="en").order_by("path"))
    ArticleDailyViews.objects.create(article=en[0], day=timezone.localdate(), views=2)
    for _ in range(3):
        record_view(en[1].pk)
    titles = [item["title"] for item in popular_articles(en[0].locale)]
    assert titles[:2] == [en[1].title, en[0].title]


def test_without_any_view_the_most_helpful_articles_are_popular(small_help_center):
    en = list(HelpArticlePage.objects.filter(locale__language_code="en").order_by("path"))
    record_vote(en[2], {"user": None, "session_key": "a"}, True)
    record_vote(en[3], {"user": None, "session_key": "b"}, False)
    titles = [item["title"] for item in popular_articles(en[0].locale)]
    assert titles == [en[2].title]


@pytest.fixture
def opened_request(small_help_center, django_capture_on_commit_callbacks):
    article = HelpArticlePage.objects.get(slug="cancelling-a-return", locale__language_code="fr")
    SuggestionOpen.objects.create(article=article, language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        support = create_support_request(
            user=None,
            email="guest@example.com",
            language="fr",
            topic="refund",
            order_reference="",
            message="Where is my refund? It has been three weeks.",
            suggestions_opened=[article.pk, 10**9],
        )
    return support, article


def test_the_inbox_names_the_articles_the_buyer_opened(opened_request, admin_client):
    support, article = opened_request
    html = admin_client.get(
        f"/admin/snippets/helpcenter/supportrequest/edit/{support.pk}/"
    ).content.decode()
    opened = html.split('class="help-opened-articles"')[1].split("</ul>")[0]
    assert article.title in opened
    assert f"/admin/pages/{article.pk}/edit/" in opened


def test_the_deflection_report_names_the_articles_opened(opened_request, admin_client):
    _support, article = opened_request
    response = admin_client.get("/admin/reports/help/deflection/")
    assert response.status_code == 200
    assert article.title in response.content.decode()
    csv = admin_client.get("/admin/reports/help/deflection/", {"export": "csv"})
    assert article.title in b"".join(csv.streaming_content).decode()


def test_self_service_score_is_help_sessions_per_request(opened_request, admin_client):
    today = timezone.localdate()
    HelpSessionDay.objects.create(day=today, language="fr", sessions=5)
    HelpSessionDay.objects.create(day=today, language="en", sessions=3)
    HelpSessionDay.objects.create(
        day=today - datetime.timedelta(days=60), language="en", sessions=90
    )
    SupportRequest.objects.create(
        email="b@example.com", language="en", topic="other", message="Hi there, a question."
    )
    since = today - datetime.timedelta(days=7)
    assert self_service(since, today) == {"sessions": 8, "requests": 2, "score": 4.0}
    html = admin_client.get(
        "/admin/reports/help/deflection/",
        {"created_at_after": since.isoformat(), "created_at_before": today.isoformat()},
    ).content.decode()
    assert "data-score>4" in html
    assert self_service(today + datetime.timedelta(days=1), None)["score"] is None


def test_a_help_session_starts_when_a_reader_comes_from_outside(small_help_center, client):
    article = HelpArticlePage.objects.get(slug="how-to-start-a-return", locale__language_code="en")
    today = timezone.localdate()
    client.get(article.url)  # a bookmark: one session
    inside = {"Referer": f"http://testserver{article.url}"}
    client.get(article.url, headers=inside)
    client.get("/support/search/", {"q": "return"}, headers=inside)
    assert self_service(today, today)["sessions"] == 1
    client.get("/support/search/", {"q": "return"}, headers={"Referer": "https://example.org/"})
    assert self_service(today, today)["sessions"] == 2
    # Beat moves them to the table; the total stays.
    flush_article_views()
    assert HelpSessionDay.objects.get(day=today, language="en").sessions == 2
    assert self_service(today, today)["sessions"] == 2
