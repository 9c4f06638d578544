"""Internal notes on a return: what staff tell each other, never the buyer.

`add_note` is an action like every other: the actor is checked
(`actors.check`, step NOTE: any staff member within the return's seller scope),
the return is locked, a `ReturnNote` and a "note" event are written with the
audit log entry, in one transaction (`lifecycle.record_event`). No email is
queued: a note reaches no buyer's inbox, page or API, and the event carries no
text (the buyer's timeline skips `INTERNAL_EVENTS`). The same key twice (a
double click, a replayed call) adds the note once.
"""

from __future__ import annotations

from django.db import IntegrityError
from django.utils.translation import gettext as _

from . import actors, lifecycle
from .actors import Step
from .models import ActorKind, ReturnNote, ReturnRequest

NOTE_EVENT = "note"
ASSIGN_EVENT = "assign"
# Event codes that stay in the back office: the buyer's timeline, emails and
# exports never show them.
INTERNAL_EVENTS = frozenset(
    {
        NOTE_EVENT,
        ASSIGN_EVENT,
        "approval_overdue",  # approval.py
        "screening_flagged",  # approval.py: why abuse screening held it
        # The refund clock's alerts and a payout's failures and retries (refunds/).
        "refund_due_soon",
        "refund_overdue",
        "refund_failed",
        "refund_retry",
    }
)
MAX_LENGTH = 4000
KEY_LENGTH = 64


class NoteError(ValueError):
    """The note cannot be added as written (translated message)."""


def add_note(return_request: ReturnRequest, body: str, *, actor, key: str | None = None):
    """Add an internal note to the return and return it. With `key`, a second
    call (the same form posted twice, a replayed API call) returns the note the
    first one added and writes nothing."""
    actors.check(return_request, actor, ActorKind.STAFF, (ActorKind.STAFF,), step=Step.NOTE)
    body = (body or "").strip()
    if not body:
        raise NoteError(_("Write the note before adding it."))
    if len(body) > MAX_LENGTH:
        raise NoteError(_("Keep the note under %(count)d characters.") % {"count": MAX_LENGTH})
    key = (key or "")[:KEY_LENGTH] or None
    if key and (existing := _existing(return_request, key)):
        return existing
    created = []

    def apply(locked: ReturnRequest) -> str:
        created.append(
            ReturnNote.objects.create(
                return_request=locked, author=actor, body=body, idempotency_key=key
            )
        )
        return ""  # the note's text stays in the note, not in the event or the log

    try:
        lifecycle.record_event(
            return_request,
            NOTE_EVENT,
            actor=actor,
            actor_kind=ActorKind.STAFF,
            may=(ActorKind.STAFF,),
            step=Step.NOTE,
            apply=apply,
        )
    except IntegrityError:  # the same key won a race a moment ago
        existing = _existing(return_request, key) if key else None
        if existing is None:
            raise
        return existing
    return created[0]


def _existing(return_request: ReturnRequest, key: str) -> ReturnNote | None:
    existing = ReturnNote.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.return_request_id != return_request.pk:
        raise NoteError(_("This form was already used for another return. Reload the page."))
    return existing


def notes_of(return_request: ReturnRequest):
    """The return's notes, oldest first, with their authors (staff pages only)."""
    return ReturnNote.objects.filter(return_request=return_request).select_related("author")
