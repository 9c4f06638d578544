"""Replies by email: each thread's own reply address, and the signed Mailgun
inbound webhook (django-anymail) that turns a reply into a message of its thread.

The address is `<INBOUND_EMAIL_LOCAL_PART>+<kind><id>-<mac>@<INBOUND_EMAIL_DOMAIN>`:
the mac is an HMAC of kind and id under SECRET_KEY (salted per kind), so a
thread's address cannot be guessed from another's. It is lowercase hex because
mail systems may change the case of an address. It does not expire: a buyer may
answer a week-old email.

Core knows no app: config/urls.py mounts the view with one handler per kind
(`handlers={"s": helpcenter..., "r": return_portal...}`). A handler receives the
thread's id and an `InboundReply` (sender, text with quotes and signature
stripped, attachments already checked, the idempotency key from Message-ID),
checks that the sender owns the thread and records the reply through the app's
own action. The webhook answers 200 to whatever it has decided about (Mailgun
then stops retrying); only an unexpected error answers 500, so the provider
retries and the key keeps the retry from adding the reply twice.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from anymail.exceptions import AnymailConfigurationError
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.html import strip_tags
from django.views.decorators.csrf import csrf_exempt
from mailparser_reply import EmailReplyParser

from .uploads import CleanImage, clean_image

logger = logging.getLogger(__name__)

MAC_LENGTH = 24  # hex digits: 96 bits
MAX_ATTACHMENTS = 3
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# The languages the site writes in; the parser always adds English.
REPLY_LANGUAGES = ["en", "fr", "de"]
ADDRESS = re.compile(
    r"^(?P<local>[a-z0-9._-]+)\+(?P<kind>[a-z])(?P<pk>[0-9]{1,18})-(?P<mac>[0-9a-f]+)@(?P<domain>.+)$"
)
# Control characters other than tab and newline (NUL included) never reach a thread.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


# --- the reply address ---------------------------------------------------------------


def _mac(kind: str, pk: int, secret=None) -> str:
    digest = salted_hmac(f"core.inbound_email.{kind}", str(pk), secret=secret, algorithm="sha256")
    return digest.hexdigest()[:MAC_LENGTH]


def reply_address(kind: str, pk: int) -> str:
    """The thread's own address, or "" when inbound email is not set up."""
    domain = getattr(settings, "INBOUND_EMAIL_DOMAIN", "")
    if not domain:
        return ""
    local = getattr(settings, "INBOUND_EMAIL_LOCAL_PART", "reply")
    return f"{local}+{kind}{pk}-{_mac(kind, pk)}@{domain}".lower()


def thread_of(address: str) -> tuple[str, int] | None:
    """(kind, id) named by a reply address, or None if it is not one of ours."""
    domain = getattr(settings, "INBOUND_EMAIL_DOMAIN", "").lower()
    match = ADDRESS.match((address or "").strip().lower())
    if not domain or match is None or match["domain"] != domain:
        return None
    if match["local"] != getattr(settings, "INBOUND_EMAIL_LOCAL_PART", "reply").lower():
        return None
    kind, pk = match["kind"], int(match["pk"])
    # A key rotated into SECRET_KEY_FALLBACKS still opens the threads it signed.
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if any(constant_time_compare(match["mac"], _mac(kind, pk, secret)) for secret in secrets):
        return kind, pk
    return None


# --- what a reply says -----------------------------------------------------------------


@dataclass(frozen=True)
class InboundReply:
    sender: str  # the From address, lowercased
    text: str  # the new text only; "" when nothing was left
    key: str  # from Message-ID: a provider's retry carries the same
    attachments: list[CleanImage] = field(default_factory=list)
    dropped: int = 0  # attachments refused (type, size, count)
    subject: str = ""


def reply_text(text: str) -> str:
    """The buyer's new text: the quoted email, "On … wrote:" headers (en, fr, de)
    and the signature removed, with control characters dropped."""
    text = CONTROL.sub("", (text or "").replace("\r\n", "\n"))
    parsed = EmailReplyParser(languages=REPLY_LANGUAGES).read(text)
    latest = parsed.replies[0].body if parsed.replies else ""
    # Quoted lines the parser kept (a reply with no "wrote:" header above them).
    kept = [line for line in latest.split("\n") if not line.lstrip().startswith(">")]
    return "\n".join(kept).strip()


def idempotency_key(message, sender: str, text: str) -> str:
    """64 characters at most, the length of the threads' idempotency keys."""
    message_id = (message.get("Message-ID") or "").strip().lower()
    seed = message_id or f"{sender}\n{message.get('Subject', '')}\n{text}"
    return "mail:" + hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()[:59]


def _is_pdf(content: bytes) -> bool:
    return content.startswith(b"%PDF-") and b"%%EOF" in content[-2048:]


def clean_attachments(message, max_bytes: int) -> tuple[list[CleanImage], int]:
    """Images (checked and re-encoded like any upload) and PDFs (checked by their
    content, within the size cap) of the reply, at most MAX_ATTACHMENTS; the rest
    is dropped and counted."""
    kept, dropped = [], 0
    parts = [p for p in message.walk() if p.is_attachment() or p.is_inline()]
    for part in parts:
        if part.get_content_maintype() == "multipart":
            continue
        try:
            content = part.get_content_bytes() or b""
        except (ValueError, AssertionError):
            dropped += 1
            continue
        name = CONTROL.sub("", part.get_filename() or "attachment")[-100:]
        if len(kept) >= MAX_ATTACHMENTS or len(content) > max_bytes or not content:
            dropped += 1
        elif _is_pdf(content):
            kept.append(CleanImage(name, content, "application/pdf", "pdf"))
        else:
            try:
                kept.append(clean_image(SimpleUploadedFile(name, content), max_bytes=max_bytes))
            except ValidationError:
                dropped += 1
    return kept, dropped


def read_reply(message, max_bytes: int = DEFAULT_MAX_BYTES) -> InboundReply:
    sender = message.from_email
    sender = sender.addr_spec.lower() if sender is not None and hasattr(sender, "addr_spec") else ""
    body = message.text
    if body is None and message.html:
        body = strip_tags(message.html)
    text = reply_text(body or "")
    attachments, dropped = clean_attachments(message, max_bytes)
    return InboundReply(
        sender=sender,
        text=text,
        key=idempotency_key(message, sender, text),
        attachments=attachments,
        dropped=dropped,
        subject=CONTROL.sub("", message.get("Subject") or "")[:200],
    )


# --- the webhook ----------------------------------------------------------------------

Handler = Callable[[int, InboundReply], str]


def recipients_of(message) -> list[str]:
    addresses = [message.envelope_recipient or ""]
    for header in ("To", "Cc", "Delivered-To"):
        addresses += [a.addr_spec for a in message.get_address_header(header)]
    return [a for a in addresses if a]


def receive(message, handlers: dict[str, Handler]) -> str:
    """Hand one inbound email to its thread's handler; what became of it."""
    for address in recipients_of(message):
        thread = thread_of(address)
        if thread is not None and thread[0] in handlers:
            kind, pk = thread
            break
    else:
        logger.warning("Inbound email refused: no thread address among its recipients.")
        return "unknown"
    max_bytes = getattr(settings, "HELPCENTER_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)
    return handlers[kind](pk, read_reply(message, max_bytes))


def signing_key() -> str:
    anymail = getattr(settings, "ANYMAIL", {}) or {}
    return anymail.get("MAILGUN_WEBHOOK_SIGNING_KEY", "") or ""


class MailgunReplyView(MailgunInboundWebhookView):
    """Anymail's Mailgun inbound view (signature check, parsing into an
    AnymailInboundMessage), handing each message to the thread's handler."""

    handlers: dict[str, Handler] = {}

    def post(self, request, *args, **kwargs):
        self.run_validators(request)  # a wrong signature raises: 400
        try:
            events = self.parse_events(request)
        except (AnymailConfigurationError, KeyError, ValueError):
            # A tracking event or a store() route sent here, or a malformed post.
            logger.warning("Inbound email webhook: not a Mailgun inbound message.")
            return HttpResponseBadRequest()
        for event in events:
            try:
                outcome = receive(event.message, self.handlers)
            except Exception:  # a hostile or broken email: never a 500 the provider retries
                logger.exception("Inbound email %s could not be read.", event.event_id)
                outcome = "unparseable"
            logger.info("Inbound email %s: %s", event.event_id, outcome)
        return HttpResponse()


def mailgun_view(handlers: dict[str, Handler]):
    """The webhook for config/urls.py. With no signing key set it refuses every
    post (503: Mailgun retries, so mail sent before the key is set is not lost);
    anymail itself would raise, and an empty key would accept anyone's signature."""

    @csrf_exempt
    def view(request, *args, **kwargs):
        if not signing_key() or not getattr(settings, "INBOUND_EMAIL_DOMAIN", ""):
            logger.warning("Inbound email refused: MAILGUN_WEBHOOK_SIGNING_KEY is not set.")
            return HttpResponse(status=503)
        return MailgunReplyView.as_view(handlers=handlers)(request, *args, **kwargs)

    return view
