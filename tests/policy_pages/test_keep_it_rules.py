"""Keep-it rules and credit validity on the policy page: edited in the Rules tab,
frozen in the version, named in the prose by placeholders."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from policy_pages import prose
from policy_pages.models import PolicyKeepItRule, PolicyPage
from policy_pages.services import version_in_force
from tests.policy_pages.test_editing import edit_form_data, post_edit

pytestmark = pytest.mark.django_db


def seller_policy():
    return PolicyPage.objects.get(slug="atelier-lumiere-returns", locale__language_code="en")


def test_a_rule_without_value_or_reasons_is_refused():
    with pytest.raises(ValidationError):
        PolicyKeepItRule(clause="5").clean()
    rule = PolicyKeepItRule(clause="5", reason_codes=" wrong-item, arrived-damaged ,")
    rule.full_clean(exclude=["page"])
    assert rule.to_rule().reasons == ("arrived-damaged", "wrong-item")


def test_the_version_freezes_the_rule_and_the_prose_names_its_value(policies):
    version = version_in_force(seller_policy())
    rules = version.rules
    assert [(r.max_value, r.reasons, r.clause) for r in rules.keep_it] == [
        (Decimal("250.00"), ("arrived-damaged",), "5.1")
    ]
    text = "Worth {keep_it_value} or less; credit lasts {store_credit_months} months."
    assert prose.render_text(text, rules, "en") == "Worth €250.00 or less; credit lasts 24 months."
    assert prose.render_text("{keep_it_value}", rules, "fr") == "250,00\u00a0€"
    assert "{keep_it_value}" in prose.available_placeholders(rules)
    # The marketplace policy has neither: the placeholders are not offered there.
    marketplace = version_in_force(policies).rules
    assert "{keep_it_value}" not in prose.available_placeholders(marketplace)
    assert "{store_credit_months}" not in prose.available_placeholders(marketplace)


def test_the_editor_shows_and_saves_the_rules(client, policies, legal_approver):
    page = seller_policy()
    client.force_login(legal_approver)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert "Refund without return" in html and "store credit valid for (months)" in html.lower()

    data = edit_form_data(client, page)
    data["effective_from"] = ""  # the new version takes effect when approved
    data["keep_it_rules-0-max_value"] = "300.00"
    data["store_credit_validity_months"] = "6"  # below the floor of 12
    response = post_edit(client, page, data, "action-submit")
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 12." in response.content.decode()

    data["store_credit_validity_months"] = "18"
    data["change_reason"] = "Larger items kept"
    response = post_edit(client, page, data, "action-submit")
    assert response.status_code == 302, [
        line for line in response.content.decode().splitlines() if "error" in line.lower()
    ][:20]
    latest = PolicyPage.objects.get(pk=page.pk).get_latest_revision_as_object()
    assert latest.build_rules().keep_it[0].max_value == Decimal("300.00")
    assert latest.build_rules().store_credit_validity_months == 18
