"""Sections of a return's page for staff: the pinned policy version and the
clauses that decide the return (_policy.html), the buyer's other returns
(_history.html), the internal notes and their form (_notes.html), the thread's
"answered as" (_messages.html) and the timeline's event labels (_timeline.html).

`section_context` is merged into the page's context by detail.py. Each section
costs a fixed number of queries; the buyer's history is within the staff
member's seller scope, like everything else on the page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.scoping import scope_of_user
from policy_pages.presentation import RuleLine, describe_rules

from .. import assignment, notes
from ..assignment import assignable_to
from ..audit import LOG_ACTIONS
from ..citations import PolicyLinks
from ..models import ReturnRequest
from ..refunds.estimate import stored_figures
from .forms import AssigneeChoice

NOTE_ACTION = "note"
ASSIGN_ACTION = "assign"
HISTORY_SHOWN = 5


class NoteForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Internal note"),
        help_text=gettext_lazy("Seen by staff only: never shown or sent to the buyer."),
        max_length=notes.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Write the note before adding it.")},
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=notes.KEY_LENGTH, required=False)


def add_note(r: ReturnRequest, user, form) -> None:
    """The runner of the page's "Add the note" (actions.py)."""
    notes.add_note(r, form.cleaned_data["body"], actor=user, key=form.cleaned_data["key"])


class AssignForm(AssigneeChoice, forms.Form):
    """Who works this return: the staff who may (assignment.assignable_to), or
    nobody. Offered within the viewer's scope, and posted back within it too (a
    forged id outside the choices is the form's error); `assign` checks the
    choice again."""

    assignee = forms.ChoiceField(label=gettext_lazy("Assigned to"), required=False)

    def __init__(self, *args, return_request: ReturnRequest, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.return_request = return_request
        self.fields["assignee"].choices = [
            ("", _("Nobody")),
            *((str(u.pk), u.get_username()) for u in assignable_to(return_request, scope)),
        ]
        self.fields["assignee"].initial = return_request.assignee_id or ""

    @classmethod
    def for_return(cls, return_request, data=None, files=None, prefix=None, user=None):
        return cls(data, return_request=return_request, scope=scope_of_user(user), prefix=prefix)


def assign_return(r: ReturnRequest, user, form) -> None:
    """The runner of the page's "Assign" (actions.py)."""
    assignment.assign(r, form.chosen(), actor=user)


# --- the pinned policy ------------------------------------------------------------------


@dataclass(frozen=True)
class PinnedPolicy:
    version: object  # policy_pages.PolicyVersion
    url: str  # the version's public page, "" when not routable
    rules: list[tuple[RuleLine, bool]]  # each rule, and whether this return cites it
    cited: list[tuple[str, str]]  # (clause, what cites it) for this return


def cited_clauses(r: ReturnRequest) -> list[tuple[str, str]]:
    """The clauses the estimate (and the settlement, once decided) cite, with the
    figure citing each, in order, each clause once."""
    seen, cited = set(), []
    for figure in stored_figures(r.estimate or {}):
        if figure.clause and figure.clause not in seen:
            seen.add(figure.clause)
            cited.append((figure.clause, str(figure.label)))
    for item in (r.settlement or {}).get("figures", []) or []:
        clause = str(item.get("clause", "") or "") if isinstance(item, dict) else ""
        if clause and clause not in seen:
            seen.add(clause)
            cited.append((clause, str(item.get("reason", "") or item.get("code", ""))))
    return cited


def pinned_policies(request, r: ReturnRequest) -> list[PinnedPolicy]:
    """Each policy version pinned to the return's lines (usually one)."""
    versions = {}
    for line in r.lines.all():
        pin = getattr(line.order_line, "pin", None)
        if pin is not None:
            versions.setdefault(pin.version_id, pin.version)
    cited = cited_clauses(r)
    clauses = {clause for clause, _label in cited}
    links = PolicyLinks(request)
    return [
        PinnedPolicy(
            version=version,
            url=links.version_url(version),
            rules=[
                (rule, bool(rule.clause and rule.clause in clauses)) for rule in _rules(version)
            ],
            cited=cited,
        )
        for version in versions.values()
    ]


def _rules(version) -> list[RuleLine]:
    try:
        return describe_rules(version.rules)
    except (ValueError, KeyError, TypeError):  # a version this code cannot read: no rules
        return []


# --- the buyer's history ----------------------------------------------------------------


def buyer_history(user, r: ReturnRequest) -> tuple[int, list[ReturnRequest]]:
    """The buyer's other returns the staff member may see: how many, and the last few."""
    others = ReturnRequest.objects.exclude(pk=r.pk)
    if r.buyer_id:
        others = others.filter(buyer_id=r.buyer_id)
    else:
        others = others.filter(order__buyer_email=r.order.buyer_email)
    others = scope_of_user(user).filter(others)
    latest = list(
        others.select_related("order", "seller").order_by("-created_at", "-pk")[:HISTORY_SHOWN]
    )
    count = len(latest) if len(latest) < HISTORY_SHOWN else others.count()
    return count, latest


# --- the page ---------------------------------------------------------------------------

EVENT_LABELS = {verb: message for verb, _label, message in LOG_ACTIONS}


def timeline(r: ReturnRequest) -> list[tuple[object, str]]:
    """Each event with what happened in words: a status change reads its status;
    another event its audit message, its code beside it."""
    return [(event, str(EVENT_LABELS.get(event.code, ""))) for event in r.events.all()]


def section_context(request, r: ReturnRequest, bound: dict, can_act: bool) -> dict:
    scope = scope_of_user(request.user)
    count, latest = buyer_history(request.user, r)
    return {
        "pinned_policies": pinned_policies(request, r),
        "history_count": count,
        "history": latest,
        "notes": list(notes.notes_of(r)),
        "note_form": (
            bound.get(NOTE_ACTION)
            or NoteForm(prefix=NOTE_ACTION, initial={"key": uuid.uuid4().hex})
        )
        if can_act
        else None,
        "assign_form": (
            bound.get(ASSIGN_ACTION)
            or AssignForm(return_request=r, scope=scope, prefix=ASSIGN_ACTION)
        )
        if can_act
        else None,
        "timeline": timeline(r),
        # A seller's staff answer as the seller; the operator's as the marketplace.
        "reply_as": None if scope.is_operator else r.seller,
    }
