import pytest

from helpcenter.models import ArticleFeedback

pytestmark = pytest.mark.django_db


def _vote(client, article, **data):
    return client.post(f"/support/feedback/{article.pk}/", data, headers={"HX-Request": "true"})


def test_yes_vote_thanks_the_reader_with_a_partial(article, client):
    response = _vote(client, article, helpful="yes")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thank you for your feedback." in html
    assert "<html" not in html
    assert ArticleFeedback.objects.get().helpful is True


def test_no_vote_asks_for_an_optional_reason_and_comment(article, client):
    response = _vote(client, article, helpful="no")
    assert 'name="reason"' in response.content.decode()
    response = _vote(client, article, helpful="no", reason="unclear", comment="Which label?")
    assert "Thank you" in response.content.decode()
    vote = ArticleFeedback.objects.get()
    assert (vote.helpful, vote.reason, vote.comment) == (False, "unclear", "Which label?")


def test_a_session_votes_once_per_article(article, client):
    for _ in range(3):
        _vote(client, article, helpful="yes")
    _vote(client, article, helpful="no")
    assert ArticleFeedback.objects.count() == 1
    assert ArticleFeedback.objects.get().helpful is True


def test_a_signed_in_user_votes_once_per_article_across_sessions(article, client, buyer):
    client.force_login(buyer)
    _vote(client, article, helpful="yes")
    client.logout()
    client.force_login(buyer)
    _vote(client, article, helpful="no")
    assert ArticleFeedback.objects.filter(user=buyer).count() == 1


def test_two_visitors_each_get_a_vote(article, client, django_user_model):
    from django.test import Client

    _vote(client, article, helpful="yes")
    _vote(Client(), article, helpful="no")
    assert ArticleFeedback.objects.count() == 2


def test_vote_floods_are_rate_limited_and_counted_once(article, client):
    codes = [_vote(client, article, helpful="yes").status_code for _ in range(15)]
    assert codes.count(200) == 10
    assert codes[10:] == [429] * 5
    assert ArticleFeedback.objects.count() == 1


def test_invalid_vote_is_refused_without_saving(article, client):
    response = _vote(client, article, helpful="maybe")
    assert response.status_code == 400
    assert not ArticleFeedback.objects.exists()


def test_vote_without_javascript_renders_a_page(article, client):
    response = client.post(f"/support/feedback/{article.pk}/", {"helpful": "no"})
    html = response.content.decode()
    assert "<html" in html
    assert 'name="reason"' in html


def test_vote_needs_post_and_a_live_article(article, client):
    assert client.get(f"/support/feedback/{article.pk}/").status_code == 405
    assert _vote(client, article.__class__(pk=999999), helpful="yes").status_code == 404


def test_feedback_report_lists_score_votes_and_comments_sortably(article, admin_client, client):
    from django.test import Client

    _vote(client, article, helpful="no")
    _vote(client, article, helpful="no", reason="outdated", comment="Prices changed")
    _vote(Client(), article, helpful="yes")
    response = admin_client.get("/admin/reports/help/feedback/", {"ordering": "-votes"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "How to start a return" in html
    assert "50" in html  # helpful %
    assert "Prices changed" in html
    csv = admin_client.get("/admin/reports/help/feedback/", {"export": "csv"})
    assert b"Prices changed" in b"".join(csv.streaming_content)
