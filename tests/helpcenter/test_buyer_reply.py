"""The buyer answers a support thread on the request's page: one desk action
(owner only, logged, staff notified, back to "waiting on support"), one reply
per form key, bad input a 422 form error that saves nothing. And the emails:
greeted once, linked back to the thread, with the thread's Reply-To."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import ModelLogEntry

from core import outbox
from core.inbound_email import thread_of
from core.models import OutboxMessage
from helpcenter import buyer_reply, desk
from helpcenter.models import SupportAttachment, SupportReply
from tests.factories import StaffUserFactory
from tests.helpcenter.test_contact import photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(site_tree, buyer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return desk.create_support_request(
            user=buyer,
            email=buyer.email,
            language="en",
            topic="refund",
            order_reference="",
            message="Where is my refund? It has been three weeks now.",
        )


@pytest.fixture
def answered(support, admin_user):
    """Staff answered: the request waits on the buyer."""
    desk.add_reply(support, admin_user, "Hello Bea,\n\nCould you send a photo of the label?")
    support.refresh_from_db()
    assert support.status == "waiting"
    return support


def page(support):
    return f"/support/requests/{support.reference}/"


def post(client, support, **data):
    payload = {"body": "Here is the photo of the label.", "key": "k" * 32, **data}
    return client.post(page(support), payload)


def test_the_request_page_offers_a_reply_form_with_a_fresh_key(client, buyer, answered):
    client.force_login(buyer)
    response = client.get(page(answered))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="body"' in html and 'name="attachments"' in html
    assert 'type="hidden" name="key"' in html
    first_key = response.context["reply_form"].initial["key"]
    assert first_key != client.get(page(answered)).context["reply_form"].initial["key"]


def test_the_buyers_reply_goes_back_to_support_and_notifies_staff(
    client, buyer, answered, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.SUPPORT_INBOX_EMAIL = "desk@example.com"
    client.force_login(buyer)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, answered, attachments=photo("label.jpg"))
    assert response.status_code == 302

    answered.refresh_from_db()
    assert answered.status == "open"
    assert answered.get_status_display() == "Waiting on support"
    reply = SupportReply.objects.get(from_buyer=True)
    assert (reply.body, reply.author, reply.via_email) == (
        "Here is the photo of the label.",
        buyer,
        False,
    )
    attachment = SupportAttachment.objects.get(reply=reply)
    assert attachment.request_id == answered.pk and attachment.content_type == "image/jpeg"

    entry = ModelLogEntry.objects.for_instance(answered).get(
        action="helpcenter.support.buyer_reply"
    )
    assert entry.user_id == buyer.pk
    assert (entry.data["from"], entry.data["to"], entry.data["attachments"]) == (
        "waiting",
        "open",
        1,
    )
    staff_email = OutboxMessage.objects.get(kind="support.buyer_reply")
    assert staff_email.recipient == "desk@example.com"
    (sent,) = [m for m in mailoutbox if m.to == ["desk@example.com"]]
    assert f"/admin/snippets/helpcenter/supportrequest/edit/{answered.pk}/" in sent.body
    # The buyer's words stay in the admin, not in staff's mailbox.
    assert "photo of the label" not in sent.body

    thread = client.get(page(answered)).content.decode()
    assert "Here is the photo of the label." in thread and "label.jpg" in thread
    assert "Waiting on support" in thread


def test_the_assignee_is_notified_rather_than_the_inbox(
    client, buyer, answered, admin_user, settings
):
    colleague = StaffUserFactory(is_superuser=True, email="agent@example.com")
    desk.assign(answered, admin_user, colleague)
    client.force_login(buyer)
    post(client, answered)
    assert OutboxMessage.objects.get(kind="support.buyer_reply").recipient == "agent@example.com"


def test_a_double_submit_adds_one_reply(client, buyer, answered):
    client.force_login(buyer)
    assert post(client, answered, key="same-key").status_code == 302
    assert post(client, answered, key="same-key").status_code == 302
    assert SupportReply.objects.filter(from_buyer=True).count() == 1
    assert OutboxMessage.objects.filter(kind="support.buyer_reply").count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write your reply before sending it."),
        ("   \n ", "Write your reply before sending it."),
        ("Hello\x00there", "Null characters are not allowed."),
        ("x" * 5001, "Ensure this value has at most 5000 characters"),
    ],
)
def test_bad_input_is_a_422_form_error_and_saves_nothing(client, buyer, answered, body, message):
    client.force_login(buyer)
    response = post(client, answered, body=body)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not SupportReply.objects.filter(from_buyer=True).exists()
    answered.refresh_from_db()
    assert answered.status == "waiting"


def test_the_form_error_is_translated(client, buyer, answered):
    client.force_login(buyer)
    response = client.post(f"/fr{page(answered)}", {"body": "a\x00b", "key": "k" * 20})
    assert response.status_code == 422
    assert "Le caractère nul n’est pas autorisé." in response.content.decode()


def test_a_file_that_is_not_an_image_is_refused(client, buyer, answered):
    client.force_login(buyer)
    fake = SimpleUploadedFile("label.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    response = post(client, answered, attachments=fake)
    assert response.status_code == 422
    assert "is not a JPEG, PNG or WebP image" in response.content.decode()
    assert not SupportReply.objects.filter(from_buyer=True).exists()
    assert not SupportAttachment.objects.exists()


def test_only_the_owner_may_reply(client, other_buyer, answered):
    client.force_login(other_buyer)
    assert post(client, answered).status_code == 404
    with pytest.raises(PermissionDenied):
        buyer_reply.add_buyer_reply(answered, user=other_buyer, body="Me too", key="x")
    assert not SupportReply.objects.filter(from_buyer=True).exists()


def test_a_key_of_another_request_is_refused(buyer, answered, site_tree):
    other = desk.create_support_request(
        user=buyer,
        email=buyer.email,
        language="en",
        topic="other",
        order_reference="",
        message="A second question about another order.",
    )
    buyer_reply.add_buyer_reply(answered, user=buyer, body="First", key="shared")
    with pytest.raises(buyer_reply.KeyReused):
        buyer_reply.add_buyer_reply(other, user=buyer, body="Second", key="shared")


def test_a_new_request_stays_new_and_a_solved_one_reopens(buyer, support, admin_user):
    buyer_reply.add_buyer_reply(support, user=buyer, body="One more detail.", key="a")
    support.refresh_from_db()
    assert support.status == "new"
    desk.change_status(support, admin_user, "solved")
    buyer_reply.add_buyer_reply(support, user=buyer, body="It is back.", key="b")
    support.refresh_from_db()
    assert support.status == "open"


def test_the_request_page_costs_a_bounded_number_of_queries(
    client, buyer, answered, django_assert_max_num_queries
):
    client.force_login(buyer)
    for n in range(3):
        buyer_reply.add_buyer_reply(answered, user=buyer, body=f"Reply {n}", key=f"q{n}")
    with django_assert_max_num_queries(12):
        assert client.get(page(answered)).status_code == 200


# --- the emails ----------------------------------------------------------------------------


def test_the_staff_reply_email_greets_once_and_links_back_with_a_reply_to(
    answered, settings, mailoutbox
):
    settings.INBOUND_EMAIL_DOMAIN = "in.example.com"
    mailoutbox.clear()
    OutboxMessage.objects.update(sent_at="2026-01-01T00:00:00Z")
    desk.add_reply(answered, None, "Hello Bea,\n\nThank you, the refund is on its way.")
    outbox.relay()
    email = mailoutbox[-1]
    assert email.body.startswith("Hello Bea,")
    assert email.body.count("Hello") == 1
    assert f"http://testserver/support/requests/{answered.reference}/" in email.body
    assert "replying to this email" in email.body
    (reply_to,) = email.reply_to
    assert reply_to.endswith("@in.example.com")
    assert thread_of(reply_to) == ("s", answered.pk)


def test_without_an_inbound_domain_there_is_no_reply_to(answered, settings, mailoutbox):
    settings.INBOUND_EMAIL_DOMAIN = ""
    mailoutbox.clear()
    OutboxMessage.objects.update(sent_at="2026-01-01T00:00:00Z")
    desk.add_reply(answered, None, "Hello again.")
    outbox.relay()
    assert mailoutbox[-1].reply_to == []
    assert "replying to this email" not in mailoutbox[-1].body
