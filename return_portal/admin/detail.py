"""A return's page for staff (everything about it, and the forms of what may come
next) and its history (Wagtail's audit log of the return).

A post that cannot be done is answered with the page again, nothing changed:
422 with the form's errors, 409 when the return's state refuses the action (it
moved on meanwhile: approved in another tab)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from wagtail.admin.views.generic import InspectView
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.widgets.button import HeaderButton

from marketplace.scoping import scope_of_user
from policy_pages.pinning import display_note

from .. import abuse, lifecycle, support
from ..actors import Step
from ..approval import SCREENING_FLAGGED
from ..lifecycle import TransitionError
from ..models import (
    FINAL_STATUSES,
    BackOfficeSettings,
    ReturnEvent,
    ReturnLine,
    ReturnMessage,
    ReturnRequest,
)
from ..refunds.estimate import stored_figures
from . import exchange_actions, refund_actions, sections, settlement_actions
from .actions import ACTIONS, step_open
from .forms import ReplyForm
from .listing import buyer_email

UNPROCESSABLE = 422
CONFLICT = 409


class ReturnDetailView(InspectView):
    """Everything about one return, and the forms of what staff may do next."""

    template_name = "return_portal/admin/detail.html"
    inspect_url_name = None
    history_url_name = None
    photo_url_name = None

    def get_object(self, queryset=None):
        queryset = support.with_deadlines(
            ReturnRequest.objects.select_related(
                "order", "buyer", "reason", "seller", "assignee"
            ).prefetch_related(
                Prefetch(
                    "lines",
                    queryset=ReturnLine.objects.select_related(
                        "order_line",
                        "order_line__pin__version__policy",
                        "order_line__pin__displayed_version__policy",
                    ).order_by("pk"),
                ),
                "photos",
                Prefetch("events", queryset=ReturnEvent.objects.select_related("actor")),
                Prefetch(
                    "messages", queryset=ReturnMessage.objects.select_related("author", "as_seller")
                ),
                "refunds",
                "notifications",
            )
        )
        # Another seller's return answers 404, as if it did not exist.
        return get_object_or_404(scope_of_user(self.request.user).filter(queryset), pk=self.pk)

    def get_page_subtitle(self):
        return self.object.rma

    def get_fields_context(self):
        return []  # the template lays the return out itself

    def get_page_title(self):
        return _("Return")

    @cached_property
    def can_act(self) -> bool:
        return self.user_has_permission("change")

    def post(self, request, *args, **kwargs):
        if not self.can_act:
            raise PermissionDenied
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            messages.error(request, _("Choose one of the actions offered."))
            return redirect(self.detail_url)
        form = action.form(self.object, request.POST, request.FILES, user=request.user)
        if form is not None and not form.is_valid():
            messages.error(request, _("The form has errors: correct them below."))
            context = self.get_context_data(bound={action.slug: form})
            return self.render_to_response(context, status=UNPROCESSABLE)
        try:
            # The action checks the permission again, and logs itself.
            action.run(self.object, request.user, form)
        except TransitionError as error:
            # The return is no longer where the page showed it: the page as it is now.
            messages.error(request, str(error))
            self.object = self.get_object()
            return self.render_to_response(self.get_context_data(), status=CONFLICT)
        except ValueError as error:
            messages.error(request, str(error))
            return redirect(self.detail_url)
        messages.success(request, str(action.done))
        return redirect(self.detail_url)

    @property
    def detail_url(self) -> str:
        return reverse(self.inspect_url_name, args=[self.object.pk])

    def get_context_data(self, bound=None, **kwargs):
        context = super().get_context_data(**kwargs)
        bound = bound or {}
        r = self.object
        user = self.request.user
        settings = BackOfficeSettings.load(request_or_site=self.request)
        # Refunds (retry, record, refund an amount, goodwill) are the SETTLE step's.
        settles = self.can_act and step_open(user, Step.SETTLE, settings)
        forms_by_action = []
        if self.can_act:
            for action in ACTIONS.values():
                # What the return's state allows, in a step the marketplace leaves
                # to this user (the action would refuse it otherwise).
                if (
                    action.to
                    and lifecycle.allowed(r, action.to)
                    and step_open(user, action.step, settings)
                ):
                    form = bound.get(action.slug) or action.form(r, user=user)
                    forms_by_action.append((action, form))
        reply_form = bound.get("reply") or ReplyForm(
            prefix="reply", initial={"key": uuid.uuid4().hex}
        )
        context.update(
            {
                "return": r,
                # With the proof of display of each order line, if the storefront sent it.
                "lines": [(line, display_note(line.order_line)) for line in r.lines.all()],
                "photos": [
                    (photo, reverse(self.photo_url_name, args=[photo.public_id]))
                    for photo in r.photos.all()
                ],
                "estimate_rows": stored_figures(r.estimate or {}),
                "events": list(r.events.all()),
                "thread": list(r.messages.all()),
                "refunds": list(r.refunds.all()),
                **refund_actions.section_context(r, bound, settles),
                **sections.section_context(self.request, r, bound, self.can_act),
                **settlement_actions.section_context(r, bound, settles, user),
                **exchange_actions.section_context(
                    r, bound, self.can_act and step_open(user, Step.APPROVE, settings)
                ),
                "notifications": list(r.notifications.all()),
                "actions": forms_by_action,
                "reply": ACTIONS["reply"] if self.can_act else None,
                "reply_form": reply_form,
                "can_act": self.can_act,
                "is_final": r.status in FINAL_STATUSES,
                "history_url": (
                    reverse(self.history_url_name, args=[r.pk])
                    if self.history_url_name and self.can_act
                    else None
                ),
                "buyer_email": buyer_email(r),
                # Why abuse screening held it (the decision section lists them).
                "screening": screening_signals(r.events.all()),
            }
        )
        return context


def screening_signals(events) -> list:
    """The signals of the return's screening events (prefetched: no query)."""
    return [
        signal
        for event in events
        if event.code == SCREENING_FLAGGED
        for signal in abuse.parse_note(event.note)
    ]


class ReturnHistoryView(HistoryView):
    """Wagtail's history of the return (its audit log, written by every action,
    the buyer's and the system's too); the header links back to the return
    instead of an edit form there is none of."""

    inspect_url_name = None

    def get_base_object_queryset(self):
        # Another seller's return answers 404 (marketplace.scoping).
        return scope_of_user(self.request.user).filter(super().get_base_object_queryset())

    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(
                label=_("Back to the return"),
                url=reverse(self.inspect_url_name, args=[self.object.pk]),
                icon_name="arrow-left",
            )
        ]
