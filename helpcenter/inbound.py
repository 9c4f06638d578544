"""A buyer's email answer to a support request (core.inbound_email hands it
here, by the request's reply address): checked against the request's address,
then added through the same action as a reply on the page (buyer_reply)."""

from __future__ import annotations

import logging

from wagtail.log_actions import log

from core.inbound_email import InboundReply

from . import desk
from .buyer_reply import KeyReused, add_buyer_reply, owns
from .models import SupportRequest

logger = logging.getLogger(__name__)


def receive_support_email(pk: int, reply: InboundReply) -> str:
    support = SupportRequest.objects.filter(pk=pk).first()
    if support is None:  # deleted since the email was sent
        logger.warning("Inbound email refused: support request %s no longer exists.", pk)
        return "unknown"
    if not owns(support, sender=reply.sender):
        # Who wrote stays out of the log line (an address is personal data); the
        # request's history shows staff that a stranger tried.
        logger.warning("Inbound email refused for %s: the sender does not own it.", support)
        log(instance=support, action=desk.LOG_PREFIX + "email_refused", user=None, data={})
        return "refused"
    if not reply.text:
        logger.info("Inbound email for %s ignored: no new text.", support)
        log(
            instance=support,
            action=desk.LOG_PREFIX + "email_ignored",
            user=None,
            data={"attachments": len(reply.attachments)},
        )
        return "ignored"
    try:
        _reply, created = add_buyer_reply(
            support,
            body=reply.text,
            key=reply.key,
            sender=reply.sender,
            images=reply.attachments,
            via_email=True,
        )
    except KeyReused:
        logger.warning("Inbound email for %s refused: its Message-ID was used before.", support)
        return "refused"
    return "created" if created else "duplicate"
