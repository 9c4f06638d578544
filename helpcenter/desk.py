"""The support desk: every state change of a support request is one action
here, whoever calls it (the contact form, the staff inbox, a script).

Each action checks the actor's permission (staff actions; a buyer may always
write to us), locks the request row, checks the status transition, writes
Wagtail's audit log (`helpcenter.support.<verb>`, shown in the request's
history) and queues its email in the outbox (core.outbox) in the same
transaction: the email leaves after commit, or with beat's relay when the
broker is down, and is never lost nor sent twice.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from core.inbound_email import reply_address
from core.outbox import messages_about, queue_email
from core.public_url import public_url

from .choices import SupportStatus
from .models import ReferenceCounter, SupportAttachment, SupportReply, SupportRequest
from .support_scope import may_see

logger = logging.getLogger(__name__)

LOG_PREFIX = "helpcenter.support."
# (verb, label in the history's filter, message in the history)
LOG_ACTIONS = [
    ("create", _("Support: request received"), _("Received the buyer's request")),
    ("reply", _("Support: reply"), _("Replied to the buyer")),
    ("change_status", _("Support: status"), _("Changed the status")),
    ("assign", _("Support: assign"), _("Changed the assignee")),
    # helpcenter.buyer_reply and helpcenter.inbound
    ("buyer_reply", _("Support: buyer's reply"), _("The buyer replied")),
    (
        "email_refused",
        _("Support: email refused"),
        _("Refused an email reply from an address that does not own the request"),
    ),
    ("email_ignored", _("Support: email ignored"), _("Ignored an email reply with no new text")),
]
# The kind of reply address a request's emails carry (core.inbound_email).
REPLY_KIND = "s"
STAFF_PERMISSION = "helpcenter.change_supportrequest"

# Where a request may go from each status. A request staff have handled never
# goes back to "new"; a solved one reopens by a reply or a status change.
TRANSITIONS = {
    SupportStatus.NEW: {SupportStatus.OPEN, SupportStatus.WAITING, SupportStatus.SOLVED},
    SupportStatus.OPEN: {SupportStatus.WAITING, SupportStatus.SOLVED},
    SupportStatus.WAITING: {SupportStatus.OPEN, SupportStatus.SOLVED},
    SupportStatus.SOLVED: {SupportStatus.OPEN, SupportStatus.WAITING},
}


def next_reference(now=None) -> str:
    """SR-<year>-<6 digits>, from a per-year counter row locked for update."""
    return ReferenceCounter.issue(now)


def can_change_status(current: str, new: str) -> bool:
    return new == current or new in TRANSITIONS.get(current, set())


def transition_error(current: str, new: str) -> ValidationError:
    return ValidationError(
        _("A request that is “%(current)s” cannot become “%(new)s”.")
        % {"current": SupportStatus(current).label, "new": SupportStatus(new).label},
        code="invalid_transition",
    )


def _check_staff(user, support: SupportRequest) -> None:
    """Staff actions need the inbox's change permission and a request in their
    scope (support_scope: seller staff act only on their sellers'); `user` None
    is the system."""
    if user is not None and not (user.has_perm(STAFF_PERMISSION) and may_see(user, support)):
        raise PermissionDenied


def _locked(support: SupportRequest) -> SupportRequest:
    return SupportRequest.objects.select_for_update().get(pk=support.pk)


def _set_status(locked: SupportRequest, new: str) -> str | None:
    """Move the locked row to `new`; the previous status if it changed."""
    before = locked.status
    if new == before:
        return None
    if not can_change_status(before, new):
        raise transition_error(before, new)
    locked.status = new
    locked.save(update_fields=["status", "updated_at"])
    return before


def _sync(support: SupportRequest, locked: SupportRequest) -> None:
    # The caller's object shows what was saved (it may hold unsaved form values).
    support.status, support.assignee_id = locked.status, locked.assignee_id
    support.updated_at = locked.updated_at


# --- emails ---------------------------------------------------------------------


def _account_url(support: SupportRequest) -> str:
    if support.user_id is None:
        return ""
    return public_url(reverse("helpcenter:request_detail", args=[support.reference]))


def _queue(support: SupportRequest, template: str, kind: str, about, **context) -> None:
    """Render the email in the buyer's language and store it in the outbox."""
    with translation.override(support.language):
        context = {
            "support": support,
            "account_url": _account_url(support),
            "reply_by_email": bool(reply_address(REPLY_KIND, support.pk)),
            **context,
        }
        subject = render_to_string(f"helpcenter/email/{template}_subject.txt", context)
        body = render_to_string(f"helpcenter/email/{template}.txt", context)
    queue_email(
        kind=kind,
        recipient=support.email,
        language=support.language,
        subject=subject,
        body=body,
        about=about,
        # Answering the email adds to this request's thread (helpcenter.inbound).
        reply_to=reply_address(REPLY_KIND, support.pk),
    )


def queue_email_of_the_previous_release(request_id: int | None = None, reply_id: int | None = None):
    """The previous release queued these emails as Celery tasks; one still waiting
    in the broker at upgrade is written to the outbox now, once."""
    if reply_id is not None:
        reply = SupportReply.objects.select_related("request").filter(pk=reply_id).first()
        if reply is not None and not messages_about(reply).exists():
            _queue(reply.request, "reply", "support.reply", reply, reply=reply)
        return
    support = SupportRequest.objects.filter(pk=request_id).first()
    if support is not None and not messages_about(support).exists():
        _queue(support, "acknowledgement", "support.acknowledgement", support)


# --- actions --------------------------------------------------------------------


def create_support_request(
    *,
    user,
    email: str,
    language: str,
    topic: str,
    order_reference: str,
    message: str,
    images=(),
    suggestions_opened=(),
) -> SupportRequest:
    """A buyer's (or guest's) request with its attachments, saved as one unit,
    its acknowledgement queued in their language."""
    buyer = user if user is not None and user.is_authenticated else None
    written = []
    committed = []
    try:
        with transaction.atomic():
            # Runs first at commit: from then on the files belong to a saved request.
            transaction.on_commit(lambda: committed.append(True))
            support = SupportRequest.objects.create(
                reference=next_reference(),
                user=buyer,
                email=email,
                language=language,
                topic=topic,
                order_reference=order_reference,
                message=message,
                suggestions_opened=list(suggestions_opened),
            )
            for image in images:
                attachment = SupportAttachment(
                    request=support,
                    original_name=image.original_name,
                    content_type=image.content_type,
                    size=len(image.content),
                )
                attachment.file.save(image.stored_name, ContentFile(image.content), save=False)
                written.append(attachment.file)
                attachment.save()
            log(
                instance=support,
                action=LOG_PREFIX + "create",
                user=buyer,
                data={"topic": topic, "language": language, "attachments": len(written)},
            )
            _queue(support, "acknowledgement", "support.acknowledgement", support)
    except Exception:
        if not committed:  # rolled back: no orphan files either
            for stored in written:
                stored.storage.delete(stored.name)
        raise
    logger.info("Support request %s received", support.reference)
    return support


def add_reply(support: SupportRequest, user, body: str, status: str | None = None) -> SupportReply:
    """A staff reply, emailed to the buyer. The request then waits on the buyer,
    unless `status` says otherwise or it was solved already."""
    _check_staff(user, support)
    with transaction.atomic():
        locked = _locked(support)
        reply = SupportReply.objects.create(request=locked, author=user, body=body.strip())
        new_status = status or SupportStatus.WAITING
        if status is None and locked.status == SupportStatus.SOLVED:
            new_status = SupportStatus.SOLVED
        before = _set_status(locked, new_status)
        log(
            instance=locked,
            action=LOG_PREFIX + "reply",
            user=user,
            data={"reply": reply.pk, "from": before or locked.status, "to": locked.status},
        )
        _queue(locked, "reply", "support.reply", reply, reply=reply)
        _sync(support, locked)
    return reply


def change_status(support: SupportRequest, user, status: str) -> bool:
    """Staff move a request to another status (solve, reopen...); False if it
    had that status already."""
    _check_staff(user, support)
    if status not in SupportStatus.values:
        raise ValidationError(_("Choose one of the statuses offered."), code="invalid_status")
    with transaction.atomic():
        locked = _locked(support)
        before = _set_status(locked, status)
        if before is not None:
            log(
                instance=locked,
                action=LOG_PREFIX + "change_status",
                user=user,
                data={"from": before, "to": locked.status},
            )
        _sync(support, locked)
    return before is not None


def assign(support: SupportRequest, user, assignee) -> bool:
    """Staff give the request to a colleague (or to nobody); False if unchanged."""
    _check_staff(user, support)
    if assignee is not None and not assignee.is_staff:
        raise ValidationError(_("Only staff can be assigned a request."), code="not_staff")
    if assignee is not None and not may_see(assignee, support):
        raise ValidationError(
            _("This member of staff cannot see this request."), code="not_in_scope"
        )
    with transaction.atomic():
        locked = _locked(support)
        new_id = assignee.pk if assignee is not None else None
        before = locked.assignee_id
        if before != new_id:
            locked.assignee_id = new_id
            locked.save(update_fields=["assignee", "updated_at"])
            log(
                instance=locked,
                action=LOG_PREFIX + "assign",
                user=user,
                data={"from": before, "to": new_id},
            )
        _sync(support, locked)
    return before != new_id
