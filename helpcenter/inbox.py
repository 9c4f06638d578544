"""The staff inbox of support requests: a Wagtail snippet viewset with
filters by status and assignee. Replying is part of the edit form; saving it
runs the desk's actions (desk.assign, desk.add_reply, desk.change_status),
which log and email, instead of Wagtail's generic edit.

Every view of it is scoped (support_scope): the listing and its export show
only the requests the user may see, and a view of another request (edit,
inspect, history, delete, the bulk delete...) answers 404. There is no chooser: nothing picks
a support request, and a chooser would list every one.
"""

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_list_or_404
from django.urls import URLPattern, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.actions.edit import EditAction
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList, Panel
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.views.snippets import EditView, SnippetViewSet

from core.models import OutboxMessage

from . import desk
from .choices import SupportStatus
from .models import HelpArticlePage, SupportReply, SupportRequest
from .support_scope import assignable_staff, scoped_by_pk, visible_requests


class SupportRequestForm(WagtailAdminModelForm):
    reply = forms.CharField(
        label=_("Reply to the buyer"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Emailed to the buyer when you save. Unless you choose another status, "
            "the request then waits on the buyer."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "assignee" in self.fields and self.for_user is not None:
            self.fields["assignee"].queryset = assignable_staff(
                self.for_user, current=self.instance.assignee
            )

    def clean_status(self):
        # The instance still holds the saved status here (the desk checks again under lock).
        status, current = self.cleaned_data["status"], self.instance.status
        if self.instance.pk and not desk.can_change_status(current, status):
            raise desk.transition_error(current, status)
        return status


class SupportRequestEditAction(EditAction):
    """Saving the inbox form: each change is the desk's action, which checks
    permission, locks, logs its own entry and queues the email (registered
    for SupportRequest by wagtail_hooks.register_actions)."""

    @transaction.atomic
    def _edit(self, skip_permission_checks=False):
        self._clean_instance()
        data, changed, support = self.form.cleaned_data, self.form.changed_data, self.instance
        if "assignee" in changed:
            desk.assign(support, self.user, data["assignee"])
        status = data["status"] if "status" in changed else None
        body = data.get("reply", "").strip()
        if body:
            desk.add_reply(support, self.user, body, status=status)
        elif status is not None:
            desk.change_status(support, self.user, status)
        return support


class ConversationPanel(Panel):
    class BoundPanel(Panel.BoundPanel):
        template_name = "helpcenter/admin/conversation_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            support = self.instance
            # A reply's email waits while its outbox row is unsent (core.outbox);
            # replies from before the outbox have no row and were sent by then.
            replies = list(support.replies.all()) if support.pk else []
            unsent = set(
                OutboxMessage.objects.filter(
                    about_type=ContentType.objects.get_for_model(SupportReply),
                    about_id__in=[reply.pk for reply in replies],
                    sent_at__isnull=True,
                ).values_list("about_id", flat=True)
            )
            context["conversation"] = [(reply, reply.pk in unsent) for reply in replies]
            context["opened_articles"] = opened_articles(support)
            return context


def opened_articles(support) -> list:
    """The help articles the buyer opened from the suggestions before writing,
    in the order opened (deleted ones left out). One query."""
    ids = [pk for pk in (support.suggestions_opened or []) if isinstance(pk, int)]
    if not ids:
        return []
    pages = HelpArticlePage.objects.defer_streamfields().select_related("locale").in_bulk(ids)
    return [pages[pk] for pk in ids if pk in pages]


def staff_users(request):
    return assignable_staff(request.user)


class SupportRequestFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=SupportStatus.choices, empty_label=_("All")
    )
    assignee = django_filters.ModelChoiceFilter(
        label=_("Assignee"), queryset=staff_users, empty_label=_("Anyone")
    )
    unassigned = django_filters.BooleanFilter(
        label=_("Unassigned"), field_name="assignee", lookup_expr="isnull"
    )

    class Meta:
        model = SupportRequest
        fields = ["status", "assignee", "unassigned"]


class InboxPermissionPolicy(ModelPermissionPolicy):
    """Requests come from buyers through the contact form: staff never add one."""

    def user_has_permission(self, user, action):
        return action != "add" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return super().user_has_any_permission(user, [a for a in actions if a != "add"])


class ScopedSupportRequestDelete(DeleteBulkAction):
    """The snippets' bulk delete, for support requests: it loads only those the
    user may see (another seller's id is not found), where Wagtail's would list
    any request named in the URL, with its reference, in its confirmation."""

    models = [SupportRequest]

    def get_queryset(self, model, object_ids):
        ids = [i for i in object_ids if i.isascii() and i.isdigit() and len(i) <= 18]
        return get_list_or_404(visible_requests(self.request.user), pk__in=ids)


class SupportRequestEditView(EditView):
    def form_valid(self, form):
        # The desk re-checks under the row lock: a status moved by someone else since
        # the form was validated is a form error here, not a 500.
        try:
            return super().form_valid(form)
        except ValidationError as error:
            form.add_error(None, error)
            self.produced_error_code = "validation_error"  # what Wagtail's post() sets
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class SupportRequestViewSet(SnippetViewSet):
    model = SupportRequest
    edit_view_class = SupportRequestEditView
    icon = "mail"
    menu_label = _("Support inbox")
    menu_name = "support-inbox"
    add_to_admin_menu = True
    menu_order = 250
    list_display = [
        TitleColumn(
            "reference",
            label=_("Reference"),
            sort_key="reference",
            get_url=lambda support: reverse(
                "wagtailsnippets_helpcenter_supportrequest:edit", args=[support.pk]
            ),
        ),
        Column("get_topic_display", label=_("Topic")),
        Column("email", label=_("Buyer")),
        Column("get_status_display", label=_("Status"), sort_key="status"),
        Column("assignee", label=_("Assignee")),
        DateColumn("created_at", label=_("Received"), sort_key="created_at"),
    ]
    list_export = ["reference", "topic", "email", "language", "status", "assignee", "created_at"]
    filterset_class = SupportRequestFilterSet
    search_fields = ["reference", "email", "order_reference", "message"]
    search_backend_name = None
    ordering = ["-created_at"]
    inspect_view_enabled = True
    edit_handler = ObjectList(
        [
            ConversationPanel(heading=_("Conversation")),
            FieldPanel("status"),
            FieldPanel("assignee"),
            FieldPanel("reply"),
        ],
        base_form_class=SupportRequestForm,
    )

    def get_queryset(self, request):
        return visible_requests(request.user)

    def get_urlpatterns(self):
        return [
            URLPattern(p.pattern, scoped_by_pk(p.callback), p.default_args, p.name)
            for p in super().get_urlpatterns()
        ]

    def register_chooser_viewset(self):
        """No chooser (see the module docstring)."""
