"""Four eyes on policies: a version goes live only by a Legal review approval,
given by someone other than its submitter and its last editor.

Wagtail's own permission checks enforce it, for superusers too:
- PolicyPage's permission tester says nobody can publish a policy (its source
  page, which makes versions), except while a Legal review approval of that
  very page is publishing it (Wagtail publishes the approved revision as the
  approving user, and checks that user);
- LegalReviewTask offers "Approve" only to a reviewer who neither submitted
  nor last edited the revision, and refuses such an approval however it comes.

Code publishing without a user (the scheduled-publishing command after an
approval, the demo seed, tests) is not a role and is not checked here.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail.models import GroupApprovalTask, PagePermissionTester

# The pk of the page whose Legal review approval is publishing it right now.
_approving_page: ContextVar[int | None] = ContextVar("policy_approving_page", default=None)


class FourEyesError(PermissionDenied):
    """An approval by the person who submitted or last edited the version."""


@contextmanager
def approving(page_pk: int):
    token = _approving_page.set(page_pk)
    try:
        yield
    finally:
        _approving_page.reset(token)


class PolicyPagePermissionTester(PagePermissionTester):
    def can_publish(self):
        if self.page.pk is not None and self.page.source_page.pk != self.page.pk:
            # A translation adds text to an existing version and creates none:
            # Wagtail's publish permission applies (translation sign-off is
            # its own step, issue 11 point 4).
            return super().can_publish()
        # No direct "Publish" of a version for anyone: approving the Legal review publishes.
        return self.user.is_active and _approving_page.get() == self.page.pk


def authors_of(obj, workflow_state) -> set[int]:
    """Who may not approve: the submitter and the last editor of the revision
    the approval would publish (Wagtail publishes the latest revision)."""
    revision = obj.get_latest_revision()
    authors = {
        workflow_state.requested_by_id if workflow_state else None,
        revision.user_id if revision else None,
    }
    return authors - {None}


class LegalReviewTask(GroupApprovalTask):
    """Group approval where the approver is never the submitter or last editor."""

    class Meta:
        verbose_name = _("Legal review task")
        verbose_name_plural = _("Legal review tasks")

    def get_actions(self, obj, user):
        actions = super().get_actions(obj, user)
        if user.pk in authors_of(obj, obj.current_workflow_state):
            return [action for action in actions if action[0] != "approve"]
        return actions

    def on_action(self, task_state, user, action_name, **kwargs):
        if action_name != "approve":
            return super().on_action(task_state, user, action_name, **kwargs)
        workflow_state = task_state.workflow_state
        obj = workflow_state.content_object
        if user is None or user.pk in authors_of(obj, workflow_state):
            raise FourEyesError(
                _(
                    "You submitted or last edited this version: another legal approver "
                    "must approve it."
                )
            )
        with approving(obj.pk):
            return super().on_action(task_state, user, action_name, **kwargs)

    @classmethod
    def get_description(cls):
        return _(
            "Members of the chosen groups approve, which publishes; never the person "
            "who submitted or last edited the version."
        )


def is_legal_approver(user) -> bool:
    """Members of a group that approves an active Legal review, and superusers."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or (
        LegalReviewTask.objects.filter(active=True, groups__user=user).exists()
    )
