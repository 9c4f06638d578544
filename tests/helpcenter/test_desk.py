"""The support desk's actions: each state change logs in Wagtail's history and
queues its email in the outbox, so a broker outage loses nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from wagtail.log_actions import registry as log_action_registry
from wagtail.models import ModelLogEntry

from core import outbox
from core.models import OutboxMessage
from helpcenter import desk
from helpcenter.models import SupportAttachment, SupportRequest
from tests.factories import StaffUserFactory
from tests.helpcenter.test_contact import form, photo

pytestmark = pytest.mark.django_db

INBOX = "/admin/snippets/helpcenter/supportrequest/"


class BrokerDown(Exception):
    pass


@pytest.fixture
def broker_down(monkeypatch):
    """Every attempt to queue a Celery task fails, as with Redis unreachable."""
    from core import tasks

    def refuse(*args, **kwargs):
        raise BrokerDown("Connection refused")

    monkeypatch.setattr(tasks.relay_outbox, "delay", refuse)


@pytest.fixture
def support(site_tree, buyer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return desk.create_support_request(
            user=buyer,
            email=buyer.email,
            language="fr",
            topic="refund",
            order_reference="",
            message="Où en est mon remboursement ? Cela fait trois semaines.",
        )


def actions_of(support):
    return list(
        ModelLogEntry.objects.for_instance(support).order_by("pk").values_list("action", "user")
    )


# --- the broker is down ---------------------------------------------------------------


def test_a_request_made_while_the_broker_is_down_is_kept_and_acknowledged_later(
    site_tree, client, mailoutbox, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/support/contact/", form(attachments=[photo()]))
    assert response.status_code == 302
    support = SupportRequest.objects.get()
    attachment = SupportAttachment.objects.get(request=support)
    assert attachment.file.storage.exists(attachment.file.name)
    assert mailoutbox == []
    message = OutboxMessage.objects.get()
    assert (message.kind, message.recipient, message.sent_at) == (
        "support.acknowledgement",
        "someone@example.com",
        None,
    )

    assert outbox.relay() == 1  # beat's relay, once the broker is back
    assert outbox.relay() == 0
    assert len(mailoutbox) == 1
    assert support.reference in mailoutbox[0].subject
    assert mailoutbox[0].body.count("Hello,") == 1
    assert attachment.file.storage.exists(attachment.file.name)


def test_a_staff_reply_made_while_the_broker_is_down_is_emailed_later(
    support, admin_client, mailoutbox, broker_down, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"{INBOX}edit/{support.pk}/",
            {"status": "new", "assignee": "", "reply": "Il a quitté notre banque hier."},
        )
    assert response.status_code == 302
    reply = support.replies.get()
    assert mailoutbox == []
    page = admin_client.get(f"{INBOX}edit/{support.pk}/").content.decode()
    assert "Not emailed yet." in page

    assert outbox.relay() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [support.email]
    assert reply.body in mailoutbox[0].body
    assert "Centre d'aide" in mailoutbox[0].body  # the request's language, not the staff's
    assert "Not emailed yet." not in admin_client.get(f"{INBOX}edit/{support.pk}/").content.decode()
    assert outbox.relay() == 0


def test_an_error_before_commit_leaves_no_request_and_no_file(site_tree, monkeypatch, settings):
    from pathlib import Path

    from core.uploads import clean_image

    def broken_log(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(desk, "log", broken_log)
    with pytest.raises(RuntimeError):
        desk.create_support_request(
            user=None,
            email="someone@example.com",
            language="en",
            topic="damaged",
            order_reference="",
            message="The lamp arrived broken, what now?",
            images=[clean_image(photo())],
        )
    assert not SupportRequest.objects.exists()
    private = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    assert not [path for path in private.rglob("*") if path.is_file()]


# --- Wagtail's audit log ----------------------------------------------------------------


def test_a_buyers_request_is_in_its_history(site_tree, client, buyer):
    client.force_login(buyer)
    client.post("/support/contact/", form(email=None))
    support = SupportRequest.objects.get()
    assert actions_of(support) == [("helpcenter.support.create", buyer.pk)]


def test_a_guests_request_is_in_its_history_without_a_user(site_tree, client):
    client.post("/support/contact/", form())
    assert actions_of(SupportRequest.objects.get()) == [("helpcenter.support.create", None)]


def test_each_inbox_change_is_its_own_entry_and_no_generic_edit(
    support, admin_client, admin_user, django_capture_on_commit_callbacks
):
    url = f"{INBOX}edit/{support.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"status": "open", "assignee": admin_user.pk, "reply": ""})
        admin_client.post(url, {"status": "open", "assignee": admin_user.pk, "reply": "Vu."})
        admin_client.post(url, {"status": "solved", "assignee": admin_user.pk, "reply": ""})
    assert actions_of(support) == [
        ("helpcenter.support.create", support.user_id),
        ("helpcenter.support.assign", admin_user.pk),
        ("helpcenter.support.change_status", admin_user.pk),
        ("helpcenter.support.reply", admin_user.pk),
        ("helpcenter.support.change_status", admin_user.pk),
    ]
    entries = ModelLogEntry.objects.for_instance(support).order_by("pk")
    assert [entry.data.get("to") for entry in entries][2:] == ["open", "waiting", "solved"]
    support.refresh_from_db()
    assert (support.status, support.assignee) == ("solved", admin_user)


def test_the_desk_actions_have_labels_in_the_history(support, admin_client, admin_user):
    desk.add_reply(support, admin_user, "Nous regardons.")
    for verb in ("create", "reply", "change_status", "assign"):
        action = f"helpcenter.support.{verb}"
        assert log_action_registry.action_exists(action)
        assert log_action_registry.get_action_label(action) != action
    html = admin_client.get(f"{INBOX}history/{support.pk}/").content.decode()
    assert "Replied to the buyer" in html
    assert "Received the buyer&#x27;s request" in html or "Received the buyer's request" in html


def test_a_reply_without_a_user_is_the_systems(support):
    desk.add_reply(support, None, "Automatic answer.")
    assert actions_of(support)[-1] == ("helpcenter.support.reply", None)


# --- permissions and transitions ---------------------------------------------------------


def test_staff_without_the_inbox_permission_cannot_act(support):
    outsider = StaffUserFactory(with_totp=True)
    with pytest.raises(PermissionDenied):
        desk.add_reply(support, outsider, "Hello")
    with pytest.raises(PermissionDenied):
        desk.change_status(support, outsider, "solved")
    assert not support.replies.exists()
    assert [action for action, _user in actions_of(support)] == ["helpcenter.support.create"]


def test_a_handled_request_never_goes_back_to_new(support, admin_user, admin_client):
    desk.change_status(support, admin_user, "open")
    with pytest.raises(ValidationError):
        desk.change_status(support, admin_user, "new")
    response = admin_client.post(
        f"{INBOX}edit/{support.pk}/", {"status": "new", "assignee": "", "reply": ""}
    )
    assert response.status_code == 200  # the form shows the error
    support.refresh_from_db()
    assert support.status == "open"


def test_the_locked_row_decides_not_a_stale_copy(support, admin_user):
    stale = SupportRequest.objects.get(pk=support.pk)
    desk.change_status(support, admin_user, "solved")
    desk.add_reply(stale, admin_user, "Un dernier mot.")  # solved stays solved
    assert stale.status == "solved"
    support.refresh_from_db()
    assert support.status == "solved"


def test_deleting_the_account_removes_the_address_from_the_desks_emails(
    support, admin_user, broker_down
):
    from accounts.privacy import anonymised_email
    from helpcenter.privacy import anonymise_support_requests

    OutboxMessage.objects.update(sent_at=support.created_at)  # the acknowledgement left
    reply = desk.add_reply(support, admin_user, "Nous regardons.")  # still unsent
    anonymise_support_requests(support.user)
    assert not outbox.messages_about(reply).exists()
    remaining = outbox.messages_about(support).get()
    assert remaining.recipient == anonymised_email(support.user)


def test_an_email_task_of_the_previous_release_goes_out_once_through_the_outbox(
    site_tree, buyer, mailoutbox, django_capture_on_commit_callbacks
):
    from core.models import OutboxMessage
    from helpcenter import tasks
    from helpcenter.models import SupportReply, SupportRequest

    # Rows as the previous release left them: no outbox row, the task in the broker.
    support = SupportRequest.objects.create(
        email=buyer.email, language="fr", topic="refund", message="Où est mon remboursement ?"
    )
    reply = SupportReply.objects.create(request=support, author=None, body="Il est parti.")

    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_acknowledgement(support.pk)
        tasks.send_reply(reply.pk)
        tasks.send_reply(reply.pk)  # delivered twice by the broker: sent once

    assert OutboxMessage.objects.count() == 2
    assert sorted(m.kind for m in OutboxMessage.objects.all()) == [
        "support.acknowledgement",
        "support.reply",
    ]
    assert len(mailoutbox) == 2 and all(m.to == [buyer.email] for m in mailoutbox)
