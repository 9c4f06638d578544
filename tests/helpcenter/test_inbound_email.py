"""Replying to a notification email lands in the same thread: a Mailgun inbound
post, signed with the webhook signing key, to /inbound/mailgun/. Quoted text
stripped (en, fr), the sender checked against the thread's owner, a retry of the
same Message-ID adding nothing; support requests and return threads alike."""

import hashlib
import hmac
import time
from email.message import EmailMessage
from io import BytesIO

import pytest
from PIL import Image
from wagtail.models import ModelLogEntry

from core.inbound_email import reply_address, reply_text, thread_of
from core.models import OutboxMessage
from helpcenter import desk
from helpcenter.models import SupportAttachment, SupportReply
from return_portal import support as return_support
from return_portal.models import ReturnMessage
from tests.factories import StaffUserFactory
from tests.return_portal.test_outbox import make_return

pytestmark = pytest.mark.django_db

URL = "/inbound/mailgun/"
KEY = "test-signing-key"
DOMAIN = "in.example.com"


@pytest.fixture(autouse=True)
def _inbound(settings):
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": KEY}
    settings.SUPPORT_INBOX_EMAIL = "desk@example.com"


@pytest.fixture
def support(site_tree, buyer):
    request = desk.create_support_request(
        user=buyer,
        email=buyer.email,
        language="en",
        topic="refund",
        order_reference="",
        message="Where is my refund? It has been three weeks now.",
    )
    desk.add_reply(request, None, "Hello, could you send a photo of the label?")
    request.refresh_from_db()
    assert request.status == "waiting"
    return request


QUOTED_EN = """Here it is, the label is attached.

Best regards,
Bea

On Mon, Dec 7, 2026 at 10:00 AM Returns Hub <returns@example.com> wrote:
> Hello, could you send a photo of the label?
"""
QUOTED_FR = """Voici la photo de l'étiquette.

Le lun. 7 déc. 2026 à 10:00, Returns Hub <returns@example.com> a écrit :
> Bonjour, pourriez-vous envoyer une photo ?
"""


def jpeg() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(buffer, format="JPEG")
    return buffer.getvalue()


def mime(sender, to, text, message_id="<abc-1@mail.example.com>", attachments=()):
    message = EmailMessage()
    message["From"] = f"Bea <{sender}>"
    message["To"] = to
    message["Subject"] = "Re: Our reply to your request"
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(text)
    for name, content, maintype, subtype in attachments:
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_string()


def signed(fields, key=KEY):
    timestamp, token = str(int(time.time())), "t" * 50
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {**fields, "timestamp": timestamp, "token": token, "signature": signature}


def deliver(client, sender, to, text, key=KEY, **kwargs):
    body = mime(sender, to, text, **kwargs)
    return client.post(URL, signed({"body-mime": body, "recipient": to, "sender": sender}, key))


def buyer_replies():
    return SupportReply.objects.filter(from_buyer=True)


# --- the address ---------------------------------------------------------------------


def test_each_thread_has_its_own_unguessable_address(settings):
    first, second = reply_address("s", 1), reply_address("s", 2)
    assert first.startswith("reply+s1-") and first.endswith("@" + DOMAIN)
    assert thread_of(first) == ("s", 1) and thread_of(first.upper()) == ("s", 1)
    assert first.split("-")[1] != second.split("-")[1]
    # Another thread's id with this mac, another kind, a forged mac: not a thread.
    assert thread_of(first.replace("+s1-", "+s2-")) is None
    assert thread_of(first.replace("+s1-", "+r1-")) is None
    assert thread_of(f"reply+s1-{'0' * 24}@{DOMAIN}") is None
    assert thread_of(first.replace(DOMAIN, "elsewhere.example.com")) is None
    settings.INBOUND_EMAIL_DOMAIN = ""
    assert reply_address("s", 1) == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (QUOTED_EN, "Here it is, the label is attached."),
        (QUOTED_FR, "Voici la photo de l'étiquette."),
        (
            "Danke!\n\nAm Mo., 7. Dez. 2026 um 10:00 schrieb Returns Hub <r@x.com>:\n> Hallo",
            "Danke!",
        ),
        ("Just this.\n> an old quoted line", "Just this."),
        ("> only quoted", ""),
        ("Nul\x00 byte", "Nul byte"),
    ],
)
def test_quoted_text_and_signatures_are_stripped(text, expected):
    assert reply_text(text) == expected


# --- support requests ---------------------------------------------------------------------


def test_a_reply_lands_in_the_thread_stripped_with_its_photo(
    client, support, buyer, django_capture_on_commit_callbacks
):
    to = reply_address("s", support.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(
            client,
            buyer.email.upper(),  # addresses compare without case
            to,
            QUOTED_EN,
            attachments=[
                ("label.jpg", jpeg(), "image", "jpeg"),
                ("run.exe", b"MZ\x90\x00", "application", "octet-stream"),
                ("invoice.pdf", b"%PDF-1.4\n1 0 obj\n%%EOF\n", "application", "pdf"),
            ],
        )
    assert response.status_code == 200
    reply = buyer_replies().get()
    assert (reply.body, reply.via_email, reply.author) == (
        "Here it is, the label is attached.",
        True,
        buyer,
    )
    kept = SupportAttachment.objects.filter(reply=reply).order_by("pk")
    assert [(a.original_name, a.content_type) for a in kept] == [
        ("label.jpg", "image/jpeg"),
        ("invoice.pdf", "application/pdf"),
    ]
    support.refresh_from_db()
    assert support.status == "open"
    assert OutboxMessage.objects.get(kind="support.buyer_reply").recipient == "desk@example.com"
    assert ModelLogEntry.objects.for_instance(support).filter(
        action="helpcenter.support.buyer_reply"
    )


def test_a_french_reply_is_stripped_too(client, support, buyer):
    assert (
        deliver(client, buyer.email, reply_address("s", support.pk), QUOTED_FR).status_code == 200
    )
    assert buyer_replies().get().body == "Voici la photo de l'étiquette."


def test_a_provider_retry_of_the_same_message_id_adds_nothing(client, support, buyer):
    to = reply_address("s", support.pk)
    for _attempt in range(2):
        assert deliver(client, buyer.email, to, QUOTED_EN).status_code == 200
    assert buyer_replies().count() == 1
    assert OutboxMessage.objects.filter(kind="support.buyer_reply").count() == 1
    # Another email (another Message-ID) is another reply.
    deliver(client, buyer.email, to, "And one more thing.", message_id="<abc-2@mail.example.com>")
    assert buyer_replies().count() == 2


def test_a_reply_from_another_address_is_refused_and_logged(client, support, caplog):
    response = deliver(client, "stranger@example.com", reply_address("s", support.pk), QUOTED_EN)
    assert response.status_code == 200  # decided: Mailgun must not retry
    assert not buyer_replies().exists()
    support.refresh_from_db()
    assert support.status == "waiting"
    assert ModelLogEntry.objects.for_instance(support).filter(
        action="helpcenter.support.email_refused"
    )
    assert "does not own it" in caplog.text


def test_an_unknown_or_forged_address_is_refused(client, support, buyer, caplog):
    forged = f"reply+s{support.pk}-{'a' * 24}@{DOMAIN}"
    assert deliver(client, buyer.email, forged, QUOTED_EN).status_code == 200
    assert deliver(client, buyer.email, "someone@" + DOMAIN, QUOTED_EN).status_code == 200
    assert not buyer_replies().exists()
    assert "no thread address" in caplog.text


def test_a_reply_with_nothing_new_is_ignored_and_logged(client, support, buyer):
    to = reply_address("s", support.pk)
    assert deliver(client, buyer.email, to, "> quoted only\n> nothing else").status_code == 200
    assert not buyer_replies().exists()
    assert ModelLogEntry.objects.for_instance(support).filter(
        action="helpcenter.support.email_ignored"
    )


def test_a_bad_signature_is_refused(client, support, buyer):
    response = deliver(client, buyer.email, reply_address("s", support.pk), QUOTED_EN, key="wrong")
    assert response.status_code == 400
    assert not buyer_replies().exists()


def test_without_a_signing_key_the_webhook_refuses_everything(client, support, buyer, settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": ""}
    response = deliver(client, buyer.email, reply_address("s", support.pk), QUOTED_EN, key="")
    assert response.status_code == 503
    assert not buyer_replies().exists()


def test_a_tracking_event_sent_here_is_a_400_not_a_500(client, support):
    assert client.post(URL, signed({"event": "delivered"})).status_code == 400


# --- return threads -----------------------------------------------------------------------


@pytest.fixture
def return_thread(policies, buyer, settings):
    staff = StaffUserFactory(is_superuser=True)
    return_request = make_return(buyer)
    return_support.reply(return_request, staff, "Please tell us the parcel's state.", key="s1")
    return return_request


def test_a_return_thread_reply_email_carries_its_reply_to(return_thread):
    email = OutboxMessage.objects.get(kind="message")
    assert thread_of(email.reply_to) == ("r", return_thread.pk)
    assert "replying to this email" in email.body


def test_an_emailed_answer_lands_in_the_return_thread(client, return_thread, buyer):
    to = reply_address("r", return_thread.pk)
    for _attempt in range(2):
        assert deliver(client, buyer.email, to, QUOTED_FR).status_code == 200
    message = ReturnMessage.objects.get(from_staff=False)
    assert (message.body, message.author) == ("Voici la photo de l'étiquette.", buyer)
    assert OutboxMessage.objects.filter(kind="buyer_message").count() == 1


def test_a_stranger_cannot_write_into_a_return_thread(client, return_thread):
    to = reply_address("r", return_thread.pk)
    assert deliver(client, "stranger@example.com", to, QUOTED_EN).status_code == 200
    assert not ReturnMessage.objects.filter(from_staff=False).exists()
    assert ModelLogEntry.objects.for_instance(return_thread).filter(
        action="return_portal.email_refused"
    )


def test_the_parsed_mailgun_format_works_too(client, support, buyer):
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    to = reply_address("s", support.pk)
    headers = [
        ["From", f"Bea <{buyer.email}>"],
        ["To", to],
        ["Subject", "Re: your request"],
        ["Message-Id", "<parsed-1@mail.example.com>"],
    ]
    fields = {
        "recipient": to,
        "sender": buyer.email,
        "message-headers": json.dumps(headers),
        "body-plain": QUOTED_FR,
        "attachment-count": "1",
        "attachment-1": SimpleUploadedFile("label.jpg", jpeg(), content_type="image/jpeg"),
    }
    assert client.post(URL, signed(fields)).status_code == 200
    reply = buyer_replies().get()
    assert reply.body == "Voici la photo de l'étiquette."
    assert SupportAttachment.objects.filter(reply=reply, content_type="image/jpeg").exists()
