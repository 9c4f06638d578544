"""Four eyes: a policy version goes live only by a Legal review approval, given
by someone other than its submitter and last editor, and the version records
(and hashes) who submitted, who approved, the approval comment and the reason."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Locale,
    Revision,
    Task,
    TaskState,
    WorkflowState,
)

from policy_pages.models import PolicyIndexPage
from policy_pages.seeding import LEGAL_TASK_NAME, ensure_legal_review
from policy_pages.versions import PolicyVersion
from policy_pages.workflow import FourEyesError, LegalReviewTask
from tests.factories import StaffUserFactory
from tests.policy_pages.test_editing import edit_form_data, post_edit, versions_of

pytestmark = pytest.mark.django_db

REASON = "Longer window for the holidays."


def member_of(group_name):
    user = StaffUserFactory(with_totp=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def submit(client, page, user, **changes):
    client.force_login(user)
    data = edit_form_data(client, page)
    data["effective_from"] = ""
    data["schedule_choice"] = "replace"
    data["change_reason"] = REASON
    for field, value in changes.items():
        data[field] = value
    response = post_edit(client, page, data, "action-submit")
    assert response.status_code == 302, response.content.decode()[:2000]
    return WorkflowState.objects.for_instance(page).get(status="in_progress")


def approve(client, page, user, comment="Checked against L221-18."):
    client.force_login(user)
    task_state = TaskState.objects.for_instance(page).get(status="in_progress")
    return client.post(
        reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk]),
        {"comment": comment},
    )


def action_names(page, user):
    page = type(page).objects.get(pk=page.pk)
    task = page.current_workflow_task
    return {name for name, _label, _modal in task.get_actions(page, user)} if task else set()


def test_the_seeded_groups_have_no_publish_permission_and_the_seed_corrects_old_databases(
    policies,
):
    indexes = list(PolicyIndexPage.objects.order_by("pk"))  # the source locale's first
    publish = Permission.objects.get(content_type__app_label="wagtailcore", codename="publish_page")
    approvers = Group.objects.get(name="Legal approvers")
    # A database seeded before four eyes: approvers may publish, the task is a plain one.
    GroupPagePermission.objects.create(group=approvers, page=indexes[0], permission=publish)
    LegalReviewTask.objects.all().delete()
    old_task = GroupApprovalTask.objects.create(name=LEGAL_TASK_NAME)
    old_task.groups.set([approvers])

    ensure_legal_review(indexes)

    granted = GroupPagePermission.objects.filter(permission=publish)
    assert not granted.filter(group__name="Policy editors").exists()
    # Approvers publish translations (text of an existing version), never a policy.
    assert set(
        granted.filter(group=approvers).values_list("page__locale__language_code", flat=True)
    ) == {"fr", "de"}
    task = Task.objects.get(pk=old_task.pk).specific
    assert isinstance(task, LegalReviewTask)
    assert list(task.groups.all()) == [approvers]
    assert Task.objects.filter(name=LEGAL_TASK_NAME).count() == 1


def test_each_role_can_or_cannot_edit_submit_approve_and_publish(client, policies, roles):
    page = policies
    expected_edit = {
        "editor": True,
        "legal": True,
        "other_legal": True,
        "returns": False,
        "seller": False,
        "admin": True,
    }
    for role, user in roles.items():
        perms = page.permissions_for_user(user)
        assert perms.can_edit() is expected_edit[role], role
        assert perms.can_publish() is False, role  # nobody publishes a policy directly
        # Submitting needs the editor: the roles that can edit can submit.
        assert (perms.can_edit() and perms.can_submit_for_moderation()) is expected_edit[role], role

    # A translation creates no version: legal approvers publish it as before.
    french = page.get_translation(Locale.objects.get(language_code="fr"))
    assert french.permissions_for_user(roles["legal"]).can_publish() is True
    assert french.permissions_for_user(roles["editor"]).can_publish() is False

    submit(client, page, roles["editor"], window_days="40")

    approvers = {role for role, user in roles.items() if "approve" in action_names(page, user)}
    assert approvers == {"legal", "other_legal", "admin"}  # never the submitter


def test_no_role_sees_or_can_use_a_direct_publish(client, policies, roles):
    for role in ("editor", "legal", "admin"):
        client.force_login(roles[role])
        html = client.get(reverse("wagtailadmin_pages:edit", args=[policies.pk])).content.decode()
        assert 'name="action-publish"' not in html, role
        assert "Submit to Legal review" in html, role

    client.force_login(roles["admin"])
    data = edit_form_data(client, policies)
    data["window_days"] = "40"
    data["effective_from"] = ""
    data["schedule_choice"] = "replace"
    post_edit(client, policies, data, "action-publish")

    assert versions_of(policies) == 3
    policies.refresh_from_db()
    assert policies.window_days != 40  # saved as a draft at most, never live


def test_a_superuser_cannot_publish_a_policy_in_code_either(policies, roles):
    from wagtail.actions.publish_page_revision import PublishPagePermissionError

    revision = policies.save_revision(user=roles["admin"])
    with pytest.raises(PublishPagePermissionError):
        revision.publish(user=roles["admin"])
    assert versions_of(policies) == 3


def test_submitting_without_a_change_reason_is_a_field_error(client, policies, roles):
    client.force_login(roles["editor"])
    data = edit_form_data(client, policies)
    assert data.get("change_reason", "").strip() == ""  # each version starts blank
    data["window_days"] = "40"
    data["change_reason"] = "  "

    response = post_edit(client, policies, data, "action-submit")

    assert response.status_code == 200
    assert "Say why this version changes the policy" in response.content.decode()
    assert not WorkflowState.objects.for_instance(policies).filter(status="in_progress").exists()


def test_the_submitter_cannot_approve_their_own_submission(client, policies, roles):
    legal = roles["legal"]
    submit(client, policies, legal, window_days="40")  # a legal approver may edit and submit

    assert "approve" not in action_names(policies, legal)
    response = approve(client, policies, legal)
    assert response.status_code in (302, 403)
    assert versions_of(policies) == 3
    task_state = TaskState.objects.for_instance(policies).get(status="in_progress")
    with pytest.raises(FourEyesError):
        task_state.task.specific.on_action(task_state, legal, "approve", comment="")

    approve(client, policies, roles["other_legal"])
    assert versions_of(policies) == 4


def test_the_last_editor_cannot_approve(client, policies, roles):
    legal, editor = roles["legal"], roles["editor"]
    submit(client, policies, editor, window_days="40")
    # The approver edits during the review: the revision to publish is now theirs.
    page = type(policies).objects.get(pk=policies.pk)
    page.window_days = 41
    page.schedule_choice = "replace"
    page.save_revision(user=legal)

    assert "approve" not in action_names(policies, legal)
    approve(client, policies, legal)
    assert versions_of(policies) == 3

    approve(client, policies, roles["other_legal"])
    assert PolicyVersion.objects.get(policy=policies, number=4).rules.window_days == 41


def test_an_approval_records_submitter_approver_comment_and_reason_in_the_hash(
    client, policies, roles, django_capture_on_commit_callbacks
):
    editor, legal = roles["editor"], roles["legal"]
    submit(client, policies, editor, window_days="40")
    with django_capture_on_commit_callbacks(execute=True):
        response = approve(client, policies, legal, comment="Checked against L221-18.")
    assert response.status_code in (200, 302)

    version = PolicyVersion.objects.get(policy=policies, number=4)
    assert version.submitted_by == editor
    assert version.approved_by == legal
    assert version.published_by == legal
    assert version.approval_comment == "Checked against L221-18."
    assert version.change_reason == REASON
    assert version.hash_format == 2
    source_text = version.texts.get(page=policies)
    assert version.compute_hash(source_text) == version.hash
    content = version.hashed_content(source_text)
    assert REASON in content and "Checked against L221-18." in content
    for field, value in (("approval_comment", "Fine."), ("change_reason", "Other reason.")):
        altered = PolicyVersion.objects.get(pk=version.pk)
        setattr(altered, field, value)
        assert altered.compute_hash(source_text) != version.hash, field

    # The next edit starts with a blank reason: v4's is not carried into v5.
    client.force_login(editor)
    assert edit_form_data(client, policies).get("change_reason", "").strip() == ""


def test_versions_stored_before_four_eyes_keep_their_hash(policies):
    version = PolicyVersion.objects.get(policy=policies, number=1)
    source_text = version.texts.get(page=policies)
    legacy = PolicyVersion.objects.get(pk=version.pk)
    legacy.hash_format = None
    legacy.change_reason = legacy.approval_comment = None
    content = legacy.hashed_content(source_text)

    assert '"change_reason"' not in content and '"approval_comment"' not in content
    assert '"change_reason"' in version.hashed_content(source_text)


def test_a_scheduled_approval_goes_live_later_with_its_approval(
    client, policies, roles, django_capture_on_commit_callbacks
):
    editor, legal = roles["editor"], roles["legal"]
    go_live = timezone.now() + timedelta(days=2)
    submit(
        client, policies, editor, window_days="40", go_live_at=go_live.strftime("%Y-%m-%d %H:%M")
    )
    approve(client, policies, legal, comment="Scheduled.")
    assert versions_of(policies) == 3  # approved, scheduled: not live yet
    revision = Revision.objects.filter(object_id=str(policies.pk)).order_by("-pk").first()
    assert revision.approved_go_live_at is not None

    # Move the schedule into the past, as if those two days had gone by.
    past = timezone.now() - timedelta(minutes=1)
    revision.approved_go_live_at = past
    revision.content["go_live_at"] = past.isoformat()
    revision.save(update_fields=["approved_go_live_at", "content"])
    with django_capture_on_commit_callbacks(execute=True):
        call_command("publish_scheduled", verbosity=0)

    version = PolicyVersion.objects.get(policy=policies, number=4)
    assert (version.submitted_by, version.approved_by) == (editor, legal)
    assert version.approval_comment == "Scheduled."
    assert version.rules.window_days == 40


def test_the_demo_seed_passes_its_versions_through_legal_review(
    site_tree, django_capture_on_commit_callbacks
):
    from policy_pages.seeding import seed_policies
    from tests.factories import demo_legal_approver

    legal = demo_legal_approver()  # with editor@example.com
    with django_capture_on_commit_callbacks(execute=True):
        seed_policies(site_tree)

    versions = list(PolicyVersion.objects.select_related("submitted_by", "approved_by"))
    assert len(versions) == 4
    for version in versions:
        assert version.submitted_by.email == "editor@example.com"
        assert version.approved_by == legal
        assert version.change_reason and version.approval_comment
        assert version.compute_hash(version.texts.get(page=version.policy)) == version.hash


def test_the_audit_report_and_its_exports_show_the_approval_trail(
    client, policies, roles, django_capture_on_commit_callbacks
):
    import csv
    import io
    import json

    editor, legal = roles["editor"], roles["legal"]
    submit(client, policies, editor, window_days="40")
    with django_capture_on_commit_callbacks(execute=True):
        approve(client, policies, legal, comment="Checked against L221-18.")

    client.force_login(roles["admin"])
    report = "/admin/reports/policy-versions/"
    html = client.get(report).content.decode()
    assert REASON in html and "Checked against L221-18." in html
    assert f"submitted by {editor}" in html

    payload = json.loads(client.get(report, {"export": "json"}).content)
    v4 = next(v for v in payload["versions"] if v["number"] == 4)
    assert v4["change_reason"] == REASON
    assert v4["approval_comment"] == "Checked against L221-18."
    assert editor.email in v4["submitter"] and legal.email in v4["approver"]

    response = client.get(report, {"export": "csv"})
    text = b"".join(response.streaming_content).decode() if response.streaming else ""
    text = text or response.content.decode()
    lines = list(csv.reader(io.StringIO(text)))
    header = lines[0]
    assert {"Submitted by", "Approval comment", "Reason for the change"} <= set(header)
    row = next(dict(zip(header, line, strict=True)) for line in lines[1:] if line[2] == "4")
    assert row["Reason for the change"] == REASON
    assert editor.email in row["Submitted by"]
