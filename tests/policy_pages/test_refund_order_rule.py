"""The policy's refund order of the means of payment (PolicyRules.refund_order):
optional, left out of the canonical JSON while empty so older versions hash as
they did; edited in Wagtail with the other rules, validated, shown on the page.
The booking's split that follows it: tests/return_portal/test_refund_order.py."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from policy_pages.integrity import verify
from policy_pages.models import PolicyPage
from policy_pages.presentation import describe_rules
from policy_pages.rules import PolicyRules
from policy_pages.services import record_version
from policy_pages.versions import PolicyVersion
from tests.policy_pages.test_editing import edit_form_data, post_edit

pytestmark = pytest.mark.django_db


def version_with_refund_order(page, refund_order) -> PolicyVersion:
    """A new version of `page` with `refund_order`, after the scheduled one."""
    last = PolicyVersion.objects.filter(policy=page).order_by("-number").first()
    page.refund_order = list(refund_order)
    page.schedule_choice, page.effective_from = "after", last.effective_from + timedelta(days=1)
    return record_version(page, page.save_revision())


# --- the rule ------------------------------------------------------------------------


def test_without_a_refund_order_the_canonical_json_and_hashes_are_unchanged(policies):
    for version in PolicyVersion.objects.filter(policy=policies):
        assert "refund_order" not in version.rules_json
        assert version.rules.refund_order == ()
        assert version.rules.to_canonical_json() == version.rules_json
    assert verify(policies).intact


def test_a_refund_order_is_frozen_in_the_version_and_read_back(policies):
    v4 = version_with_refund_order(policies, ["store_credit", "voucher", "card"])

    assert '"refund_order":["store_credit","voucher","card"]' in v4.rules_json
    assert v4.rules.refund_order == ("store_credit", "voucher", "card")
    assert PolicyRules.from_json(v4.rules_json).to_canonical_json() == v4.rules_json
    assert verify(policies).intact
    line = next(line for line in describe_rules(v4.rules) if line.key == "refund_order")
    assert line.value.startswith("store credit → voucher → card")


def test_the_policy_page_shows_the_refund_order(client, policies):
    policies.refund_order = ["voucher", "card"]
    version_with_refund_order(policies, ["voucher", "card"])
    version = PolicyVersion.objects.filter(policy=policies).order_by("-number").first()
    html = client.get(policies.url + f"v/{version.number}/").content.decode()

    assert "Refund order of the means of payment" in html
    assert "voucher → card" in html


# --- editing it in Wagtail -------------------------------------------------------------


def test_an_editor_sets_the_refund_order_with_the_other_rules(client, policies, policy_editor):
    client.force_login(policy_editor)
    data = edit_form_data(client, policies)
    data["refund_order_0"], data["refund_order_1"] = "store_credit", "card"

    response = post_edit(client, policies, data, "action-save")

    assert response.status_code == 302
    draft = PolicyPage.objects.get(pk=policies.pk).get_latest_revision_as_object()
    assert draft.refund_order == ["store_credit", "card"]
    assert draft.build_rules().refund_order == ("store_credit", "card")


@pytest.mark.parametrize(
    ("places", "error"),
    [
        (("card", "voucher", "card"), "card is listed more than once."),
        (("bitcoin",), "Select a valid choice. bitcoin is not one of the available choices."),
    ],
)
def test_a_repeated_or_unknown_means_is_a_field_error(
    client, policies, policy_editor, places, error
):
    client.force_login(policy_editor)
    data = edit_form_data(client, policies)
    for number, method in enumerate(places):
        data[f"refund_order_{number}"] = method

    response = post_edit(client, policies, data, "action-save")

    assert response.status_code == 200
    assert error in response.content.decode()
    assert PolicyPage.objects.get(pk=policies.pk).get_latest_revision_as_object().refund_order in (
        [],
        None,
    )


def test_the_model_refuses_unknown_or_repeated_means(policies):
    field = PolicyPage._meta.get_field("refund_order")
    field.validate(["card", "voucher"], policies)
    for bad in (["card", "card"], ["cheque"], "card"):
        with pytest.raises(ValidationError):
            field.validate(bad, policies)
