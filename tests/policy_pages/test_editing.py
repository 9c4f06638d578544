"""The Wagtail editor: floors, effective dates, and the legal review workflow."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import TaskState, WorkflowState
from wagtail.test.utils import WagtailTestUtils
from wagtail.test.utils.form_data import (
    nested_form_data,
    querydict_from_html,
    rich_text,
    streamfield,
)

from policy_pages.services import version_in_force
from policy_pages.versions import PolicyVersion

pytestmark = pytest.mark.django_db


def edit_form_data(client, page):
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    data = querydict_from_html(html, form_id="page-edit-form")
    # A browser sends "on" for a ticked checkbox that has no value attribute.
    for checkbox in WagtailTestUtils.get_soup(html).select("input[type=checkbox][checked]"):
        if "value" not in checkbox.attrs:
            data.setlist(checkbox["name"], ["on"])
    # The StreamField editor is drawn by JavaScript; post its current value.
    clauses = [
        ("clause", {**child.value, "text": rich_text(child.value["text"].source)})
        for child in page.clauses
    ]
    data.update(nested_form_data({"clauses": streamfield(clauses)}))
    return data


def post_edit(client, page, data, action):
    data[action] = "1"
    payload = {key: data.getlist(key) for key in data}  # keep every value of multi-valued keys
    return client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), payload)


def versions_of(page):
    return PolicyVersion.objects.filter(policy=page).count()


def test_a_window_below_the_statutory_floor_cannot_be_published(client, policies, legal_approver):
    client.force_login(legal_approver)
    data = edit_form_data(client, policies)
    data["window_days"] = "10"

    response = post_edit(client, policies, data, "action-publish")

    assert response.status_code == 200  # the editor is shown again, with errors
    html = response.content.decode()
    assert (
        "10 days is below the 14-day withdrawal period (Directive 2011/83/EU Art. 9) for "
        "AT, BE, DE, ES, IT, LU, NL" in html
    )
    assert "(Directive 2011/83/EU Art. 9; C. consom. L221-18) for FR" in html
    assert versions_of(policies) == 3


def test_a_buyer_paying_to_return_a_defective_item_is_refused(client, policies, legal_approver):
    client.force_login(legal_approver)
    data = edit_form_data(client, policies)
    data["shipping_options-0-defect_payer"] = "buyer"

    response = post_edit(client, policies, data, "action-publish")

    assert "The buyer cannot pay to return a defective or wrong item" in response.content.decode()
    assert versions_of(policies) == 3


def test_a_category_cannot_lose_the_statutory_right(client, policies, legal_approver):
    client.force_login(legal_approver)
    data = edit_form_data(client, policies)
    data.update(
        {
            "category_overrides-TOTAL_FORMS": "1",
            "category_overrides-0-category_code": "swimwear",
            "category_overrides-0-kind": "not_returnable",
            "category_overrides-0-days": "",
            "category_overrides-0-clause": "3",
            "category_overrides-0-ORDER": "1",
            "category_overrides-0-DELETE": "",
            "category_overrides-0-id": "",
        }
    )

    response = post_edit(client, policies, data, "action-publish")

    assert "Category swimwear cannot have less than the 14-day withdrawal period" in (
        response.content.decode()
    )
    assert versions_of(policies) == 3


def test_a_rule_citing_a_missing_clause_is_refused(client, policies, legal_approver):
    client.force_login(legal_approver)
    data = edit_form_data(client, policies)
    data["window_clause"] = "42"

    response = post_edit(client, policies, data, "action-publish")

    assert "§42 is not a clause of this policy." in response.content.decode()


def test_an_effective_date_before_the_previous_version_is_a_validation_error(
    client, policies, legal_approver
):
    client.force_login(legal_approver)
    latest = PolicyVersion.objects.filter(policy=policies).order_by("-number").first()
    data = edit_form_data(client, policies)
    data["effective_from"] = (latest.effective_from - timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    data["schedule_choice"] = "after"

    response = post_edit(client, policies, data, "action-publish")

    assert "Version 3 takes effect on" in response.content.decode()
    assert "give a later date and time" in response.content.decode()
    assert versions_of(policies) == 3


def test_lawful_but_risky_settings_are_submitted_with_a_warning(client, policies, policy_editor):
    client.force_login(policy_editor)
    data = edit_form_data(client, policies)
    data["restocking_fee_percent"] = "5"
    data["effective_from"] = ""
    data["schedule_choice"] = "replace"
    data["change_reason"] = "Restocking fee on opened items."

    response = post_edit(client, policies, data, "action-submit")

    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert "A restocking fee cannot be charged on a statutory withdrawal" in follow.content.decode()
    assert WorkflowState.objects.for_instance(policies).filter(status="in_progress").exists()
    assert versions_of(policies) == 3  # live only once Legal review approves


def test_a_policy_editor_cannot_publish_without_approval(client, policies, policy_editor):
    client.force_login(policy_editor)
    data = edit_form_data(client, policies)
    data["window_days"] = "40"

    live_revision, live_window = policies.live_revision_id, policies.window_days

    post_edit(client, policies, data, "action-publish")

    assert versions_of(policies) == 3
    policies.refresh_from_db()
    assert policies.live_revision_id == live_revision  # nothing went live
    assert policies.window_days == live_window != 40


def test_legal_review_submit_then_approve_publishes_the_next_version(
    client, policies, policy_editor, legal_approver, django_capture_on_commit_callbacks
):
    client.force_login(policy_editor)
    data = edit_form_data(client, policies)
    data["window_days"] = "40"
    data["effective_from"] = ""
    data["schedule_choice"] = "replace"
    data["change_reason"] = "Longer window for the holidays."
    response = post_edit(client, policies, data, "action-submit")
    assert response.status_code == 302
    assert versions_of(policies) == 3
    state = WorkflowState.objects.for_instance(policies).get(status="in_progress")

    client.force_login(legal_approver)
    task_state = TaskState.objects.get(workflow_state=state, status="in_progress")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(
                "wagtailadmin_pages:workflow_action", args=[policies.pk, "approve", task_state.pk]
            ),
            {"comment": "Checked against L221-18."},
        )
    assert response.status_code in (200, 302)

    version = PolicyVersion.objects.get(policy=policies, number=4)
    assert version.rules.window_days == 40
    assert version.submitted_by == policy_editor
    assert version.approved_by == legal_approver
    assert version.approved_at is not None
    assert version.published_by == legal_approver
    # The editor chose to replace the scheduled v3: v4 is in force now, v3 never will be.
    v3 = PolicyVersion.objects.get(policy=policies, number=3)
    assert set(v3.markets.values_list("superseded_by", flat=True)) == {version.pk}
    assert version.effective_from <= timezone.now()
    assert version_in_force(policies) == version
