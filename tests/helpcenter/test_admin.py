import datetime

import pytest
from django.utils import timezone

from core.outbox import messages_about
from helpcenter.desk import create_support_request
from helpcenter.models import HelpArticlePage, SearchQueryLog, SupportRequest
from helpcenter.upkeep import changed_citations
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(site_tree, buyer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return create_support_request(
            user=buyer,
            email=buyer.email,
            language="fr",
            topic="refund",
            order_reference="",
            message="Where is my refund? It has been three weeks.",
        )


def test_inbox_lists_requests_filtered_by_status_and_assignee(support, admin_client, admin_user):
    other = SupportRequest.objects.create(
        email="x@example.com", language="en", topic="other", message="Hello there, question."
    )
    other.status, other.assignee = "solved", admin_user
    other.save()
    listing = admin_client.get("/admin/snippets/helpcenter/supportrequest/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert support.reference in html and other.reference in html
    html = admin_client.get(
        "/admin/snippets/helpcenter/supportrequest/", {"status": "new"}
    ).content.decode()
    assert support.reference in html and other.reference not in html
    html = admin_client.get(
        "/admin/snippets/helpcenter/supportrequest/", {"assignee": admin_user.pk}
    ).content.decode()
    assert other.reference in html and support.reference not in html


def test_staff_reply_is_emailed_to_the_buyer_and_waits_on_them(
    support, admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    url = f"/admin/snippets/helpcenter/supportrequest/edit/{support.pk}/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "Where is my refund?" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url, {"status": "new", "assignee": "", "reply": "It left our bank yesterday."}
        )
    assert response.status_code == 302
    support.refresh_from_db()
    assert support.status == "waiting"
    reply = support.replies.get()
    assert messages_about(reply).get().sent_at is not None
    assert mailoutbox[0].to == [support.email]
    assert "It left our bank yesterday." in mailoutbox[0].body


def test_staff_can_solve_while_replying(support, admin_client, django_capture_on_commit_callbacks):
    url = f"/admin/snippets/helpcenter/supportrequest/edit/{support.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"status": "solved", "assignee": "", "reply": "Done."})
    support.refresh_from_db()
    assert support.status == "solved"


def test_a_status_moved_meanwhile_is_a_form_error_and_saves_nothing(
    support, admin_client, monkeypatch
):
    from helpcenter.inbox import SupportRequestForm
    from helpcenter.models import SupportStatus

    support.status = SupportStatus.SOLVED
    support.save(update_fields=["status"])
    # As if another member of staff had solved it after this form was validated:
    # the form's own check passes, the desk's check under the row lock refuses.
    monkeypatch.setattr(
        SupportRequestForm, "clean_status", lambda form: form.cleaned_data["status"]
    )
    url = f"/admin/snippets/helpcenter/supportrequest/edit/{support.pk}/"
    response = admin_client.post(url, {"status": "new", "assignee": "", "reply": "Hello"})

    assert response.status_code == 200
    assert "cannot become" in response.content.decode()
    support.refresh_from_db()
    assert support.status == SupportStatus.SOLVED
    assert not support.replies.exists()


def test_staff_cannot_add_requests_in_the_admin(admin_client, site_tree):
    assert admin_client.get("/admin/snippets/helpcenter/supportrequest/add/").status_code in (
        302,
        403,
    )


def test_staff_without_permission_cannot_read_the_inbox(client, site_tree):
    client.force_login(StaffUserFactory(with_totp=True))
    response = client.get("/admin/snippets/helpcenter/supportrequest/")
    assert response.status_code in (302, 403)


def test_staff_with_permission_can_open_attachments(support, client):
    from django.contrib.auth.models import Permission

    from helpcenter.models import SupportAttachment

    attachment = SupportAttachment(
        request=support, original_name="a.png", content_type="image/png", size=3
    )
    from django.core.files.base import ContentFile

    attachment.file.save("a.png", ContentFile(b"png"), save=True)
    staff = StaffUserFactory(with_totp=True)
    client.force_login(staff)
    # 404, not 403: an attachment id outside one's scope is never confirmed.
    assert client.get(f"/support/attachments/{attachment.pk}/").status_code == 404
    staff.user_permissions.add(Permission.objects.get(codename="view_supportrequest"))
    # Support requests are the operator's (helpcenter.support_scope).
    staff.user_permissions.add(Permission.objects.get(codename="operate_marketplace"))
    client.force_login(staff)
    response = client.get(f"/support/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"


def _log(query, language, results, days_ago=0):
    row = SearchQueryLog.objects.create(query=query, language=language, results=results)
    SearchQueryLog.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days_ago)
    )


def test_top_searches_report_over_a_date_range_with_csv(admin_client, site_tree):
    for _ in range(3):
        _log("refund", "en", 4)
    _log("label", "en", 2)
    _log("refund", "en", 4, days_ago=40)
    today = timezone.localdate()
    params = {
        "created_at_from": (today - datetime.timedelta(days=7)).isoformat(),
        "created_at_to": today.isoformat(),
    }
    response = admin_client.get("/admin/reports/help/top-searches/", params)
    html = response.content.decode()
    assert response.status_code == 200
    assert "refund" in html
    csv = admin_client.get("/admin/reports/help/top-searches/", {**params, "export": "csv"})
    content = b"".join(csv.streaming_content).decode()
    assert content.index("refund,en,3,4") < content.index("label,en,1,2")
    assert "label,en,1,2" in content


def test_searches_with_no_results_report(admin_client, site_tree):
    _log("xylophone", "fr", 0)
    _log("refund", "en", 4)
    html = admin_client.get("/admin/reports/help/no-results/").content.decode()
    assert "xylophone" in html
    assert "refund" not in html


def test_reports_need_the_help_reports_permission(client, site_tree):
    client.force_login(StaffUserFactory(with_totp=True))
    assert client.get("/admin/reports/help/top-searches/").status_code in (302, 403)


def test_articles_citing_a_clause_changed_by_a_later_version_are_reported(small_help_center):
    rows = changed_citations()
    # v3 (scheduled) rewrites §2: articles citing §2 are listed, as "changed in v3".
    cited_2 = {(r.article.slug, r.anchor, r.changed_in, r.change) for r in rows}
    assert ("how-to-start-a-return", "2", 3, "changed") in cited_2
    # §3 is the same in every version: never listed.
    assert not any(r.anchor == "3" for r in rows)


def test_article_published_before_a_clause_changed_in_force_is_reported(small_help_center):
    from wagtail.models import Locale

    article = HelpArticlePage.objects.get(slug="non-returnable-items", locale=Locale.get_default())
    body = list(article.body.raw_data)
    block = next(b for b in body if b["type"] == "policy_clause")
    block["value"]["anchor"] = "5"  # v1 → v2 changed the resolutions clause
    article.body = body
    article.save_revision().publish()
    HelpArticlePage.objects.filter(pk=article.pk).update(
        last_published_at=timezone.now() - datetime.timedelta(days=200)
    )
    rows = [r for r in changed_citations() if r.article.pk == article.pk]
    assert [(r.cited_version, r.changed_in, r.change) for r in rows] == [(1, 2, "changed")]


def test_changed_clauses_and_stale_content_reports_render(small_help_center, admin_client):
    html = admin_client.get("/admin/reports/help/changed-clauses/").content.decode()
    assert "How to start a return" in html
    stale = admin_client.get("/admin/reports/help/stale/").content.decode()
    assert "Return deadlines, weekends and holidays" in stale
    assert "How to start a return" not in stale


def test_reports_are_in_the_reports_menu(admin_client, site_tree):
    html = admin_client.get("/admin/").content.decode()
    for label in ("Top searches", "Searches with no results", "Article feedback", "Stale content"):
        assert label in html
