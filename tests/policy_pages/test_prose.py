"""Prose bound to the rules (issue 11 point 5): placeholders in the clauses and
the summary, filled in from each version's rules in the reader's language, and
numbers typed by hand that contradict the rules, flagged at save and blocking
the submission to Legal review unless a legal approver overrides them."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from wagtail.models import PageLogEntry, TaskState, WorkflowState
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from helpcenter.citations import cited_clause
from policy_pages import prose
from policy_pages.integrity import verify
from policy_pages.models import PolicyPage
from policy_pages.prose_override import OVERRIDE_ACTION
from policy_pages.rules import (
    ItemException,
    ItemFlag,
    Payer,
    PolicyRules,
    ShippingMethod,
    ShippingOption,
    WindowStart,
)
from policy_pages.versions import PolicyVersion
from tests.policy_pages.test_editing import edit_form_data, post_edit
from tests.policy_pages.test_four_eyes import member_of

pytestmark = pytest.mark.django_db

OVERRIDE = "The carrier's new price applies from March; the text follows then."


def rules(**changes) -> PolicyRules:
    values = {
        "currency": "EUR",
        "markets": ("DE", "FR"),
        "window_days": 60,
        "window_start": WindowStart.DELIVERY,
        "window_clause": "2",
        "shipping_options": (
            ShippingOption(
                ShippingMethod.DROP_OFF, Decimal("0"), Payer.MERCHANT, Payer.MERCHANT, "6"
            ),
            ShippingOption(
                ShippingMethod.PREPAID_LABEL, Decimal("3.90"), Payer.BUYER, Payer.MERCHANT, "6"
            ),
        ),
        "item_exceptions": (
            ItemException(ItemFlag.CUSTOM_MADE, "3"),
            ItemException(ItemFlag.PERISHABLE, "3"),
        ),
        "store_credit_bonus_percent": Decimal("12.50"),
        "restocking_fee_percent": Decimal("0"),
    }
    return PolicyRules(**{**values, **changes})


class _RichText:
    def __init__(self, source):
        self.source = source


def page_with(summary="", **clauses):
    """What the checks read of a page: its summary and its clauses by anchor."""
    children = [
        SimpleNamespace(block_type="clause", value={"anchor": anchor, "text": _RichText(html)})
        for anchor, html in clauses.items()
    ]
    return SimpleNamespace(summary=summary, clauses=children)


# --- rendering -----------------------------------------------------------------------


TEMPLATE = (
    "<p>{window_days} days; label {fee:prepaid_label}; bonus {store_credit_bonus}; "
    "not returnable: {excluded_items}.</p>"
)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "<p>60 days; label €3.90; bonus 12.5%; not returnable: "
         "custom-made items and perishable goods.</p>"),
        ("fr", "<p>60 days; label 3,90\u00a0€; bonus 12,5\u00a0%; not returnable: "
         "articles fabriqués sur mesure et biens périssables.</p>"),
        ("de", "<p>60 days; label 3,90\u00a0€; bonus 12,5\u00a0%; not returnable: "
         "Sonderanfertigungen und verderbliche Waren.</p>"),
    ],
)  # fmt: skip
def test_placeholders_render_in_the_readers_number_and_money_format(language, expected):
    assert prose.render_html(TEMPLATE, rules(), language) == expected


def test_the_active_language_is_the_default_and_the_summary_renders_as_plain_text():
    with translation.override("de"):
        assert prose.render_text("Rückgabe binnen {window_days} Tagen", rules()) == (
            "Rückgabe binnen 60 Tagen"
        )
    assert prose.render_text("{restocking_fee} fee", rules(), "en") == "0% fee"


def test_rendered_values_are_escaped_and_unknown_tokens_stay_as_written(monkeypatch):
    monkeypatch.setitem(prose.EXCLUDED_ITEM_WORDS, ItemFlag.CUSTOM_MADE, "<b>made</b> & co")
    html = prose.render_html(
        "<p>{excluded_items} {window_dayz} {fee:own_carrier}</p>", rules(), "en"
    )

    assert html == (
        "<p>&lt;b&gt;made&lt;/b&gt; &amp; co and perishable goods "
        "{window_dayz} {fee:own_carrier}</p>"
    )


# --- checks --------------------------------------------------------------------------


def test_unknown_placeholders_and_values_the_policy_lacks_are_named_with_their_field():
    page = page_with(
        summary="Returns within {window_dayz} days",
        **{
            "6": "<p>Own carrier: {fee:own_carrier}; {fee:prepaid_label}</p>",
            "7": "<p>{<b>window_days</b>}</p>",
        },
    )

    messages = [p.message for p in prose.placeholder_problems(page, rules())]

    assert messages[0].startswith("Summary: {window_dayz} is not a placeholder. This policy has: ")
    assert "{fee:prepaid_label}" in messages[0] and "{fee:own_carrier}" not in messages[0]
    assert messages[1] == (
        "Clauses, §6: {fee:own_carrier}: this policy has no shipping option “own_carrier”."
    )
    assert messages[2].startswith("Clauses, §7: {window_days} is split by formatting")
    assert len(messages) == 3


def test_hand_typed_numbers_against_the_rules_are_flagged_in_english_french_and_german():
    page = page_with(
        summary="Returns within 90 days of delivery.",
        **{
            "6": "<p>A prepaid label costs 4.90 EUR (4,90&nbsp;€, €4.90), a drop-off 0 €.</p>",
            "7": "<p>Rücksendung binnen 45 Tagen, Genehmigung in 5 Werktagen, Bonus 10 %.</p>",
            "8": "<p>Remboursement sous 30 jours ; 3,90 € l'étiquette.</p>",
        },
    )

    flagged = [(p.field, p.anchor, p.number) for p in prose.contradicting_numbers(page, rules())]

    assert flagged == [
        ("summary", "", "90 days"),
        ("clauses", "6", "4.90 EUR"),
        ("clauses", "6", "4,90 €"),
        ("clauses", "6", "€4.90"),
        ("clauses", "7", "45 Tagen"),
        ("clauses", "7", "5 Werktagen"),
        ("clauses", "7", "10 %"),
        ("clauses", "8", "30 jours"),
    ]
    message = prose.contradicting_numbers(page, rules())[1].message
    assert message == (
        "Clauses, §6: “4.90 EUR” matches no fee of this policy. Write a placeholder: "
        "{fee:drop_off} (€0.00), {fee:prepaid_label} (€3.90)."
    )


def test_numbers_that_are_not_rule_values_are_not_flagged():
    page = page_with(
        summary="Returns within 60 days, under Article 9 of Directive 2011/83/EU.",
        **{
            "2": "<p>See § 2 and Art. 16(c). In 2026, 14 June is a Sunday; call 0800 123 456.</p>",
            "2.1": "<p>The statutory 14-day right of withdrawal (14 Tage, 14 jours) remains.</p>",
            "6": "<p>Label 3.90 EUR, drop-off €0, bonus 12.5%, approval in 2 business days.</p>",
        },
    )

    assert prose.contradicting_numbers(page, rules()) == []


def test_flagged_numbers_are_told_in_the_editors_language():
    page = page_with(summary="Retours sous 90 jours.")

    with translation.override("fr"):
        (problem,) = prose.contradicting_numbers(page, rules())

    assert problem.message.startswith("Résumé : « 90 jours » ne correspond à aucune durée")


# --- the editor ------------------------------------------------------------------------


def prepaid_index(data) -> int:
    total = int(data["shipping_options-TOTAL_FORMS"])
    return next(i for i in range(total) if data[f"shipping_options-{i}-method"] == "prepaid_label")


def edited(client, page, *, clause_6=None, **fields):
    """The editor's form data for the page, with §6's text and fields changed."""
    data = edit_form_data(client, page)
    data["effective_from"] = ""
    data["schedule_choice"] = "replace"  # v3 is scheduled: this version replaces it
    data["change_reason"] = "Cheaper prepaid label."
    if clause_6 is not None:
        clauses = [
            (
                "clause",
                {
                    **child.value,
                    "text": rich_text(
                        clause_6 if child.value["anchor"] == "6" else child.value["text"].source
                    ),
                },
            )
            for child in page.clauses
        ]
        data.update(nested_form_data({"clauses": streamfield(clauses)}))
    for name, value in fields.items():
        data[name] = value
    return data


STALE_LABEL_TEXT = "<p>Print a prepaid label (4.90 EUR for a change of mind).</p>"


def cheaper_label(client, page, **fields):
    data = edited(client, page, clause_6=STALE_LABEL_TEXT, **fields)
    data[f"shipping_options-{prepaid_index(data)}-fee"] = "3.90"
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def in_progress(page):
    return WorkflowState.objects.for_instance(page).filter(status="in_progress").exists()


def test_an_unknown_placeholder_is_refused_at_save_naming_the_field(
    client, policies, policy_editor
):
    client.force_login(policy_editor)
    data = edited(client, policies, summary="Returns within {window_dayz} days.")

    response = post_edit(client, policies, data, "action-save")

    assert response.status_code == 200  # not saved: the editor again, with the error
    html = response.content.decode()
    assert "Summary: {window_dayz} is not a placeholder." in html
    assert PolicyPage.objects.get(pk=policies.pk).get_latest_revision().content["summary"] != (
        "Returns within {window_dayz} days."
    )


def test_a_fee_typed_against_the_rules_is_a_warning_on_a_draft_and_blocks_the_submission(
    client, policies, policy_editor
):
    client.force_login(policy_editor)
    expected = "Clauses, §6: “4.90 EUR” matches no fee of this policy. Write a placeholder: "

    draft = post_edit(client, policies, cheaper_label(client, policies), "action-save")

    assert draft.status_code == 302  # a draft may hold it…
    assert any(message.startswith(expected) for message in messages_of(draft))

    submitted = post_edit(client, policies, cheaper_label(client, policies), "action-submit")

    assert submitted.status_code == 200  # …a submission to Legal review may not
    html = submitted.content.decode()
    assert expected in html and "{fee:prepaid_label} (€3.90)" in html
    assert "or a legal approver gives the reason they stand" in html
    assert not in_progress(policies)


def test_a_summary_saying_90_days_over_a_60_day_window_is_flagged_and_blocked(
    client, policies, policy_editor
):
    client.force_login(policy_editor)
    fields = {"window_days": "60", "summary": "Returns within 90 days of delivery."}

    draft = post_edit(client, policies, edited(client, policies, **fields), "action-save")

    assert draft.status_code == 302
    assert any(
        message.startswith("Summary: “90 days” matches no number of days of this policy.")
        for message in messages_of(draft)
    )
    submitted = post_edit(client, policies, edited(client, policies, **fields), "action-submit")
    assert submitted.status_code == 200
    assert "Summary: “90 days” matches no number of days" in submitted.content.decode()
    assert not in_progress(policies)


def test_an_override_by_someone_outside_legal_is_ignored(client, policies, policy_editor):
    client.force_login(policy_editor)
    form = client.get(reverse("wagtailadmin_pages:edit", args=[policies.pk])).content.decode()
    assert (
        'name="prose_override_reason"' in form
        and "disabled" in form.split('name="prose_override_reason"')[1].split(">")[0]
    )

    data = cheaper_label(client, policies, prose_override_reason=OVERRIDE)
    submitted = post_edit(client, policies, data, "action-submit")

    assert submitted.status_code == 200 and not in_progress(policies)
    post_edit(
        client, policies, cheaper_label(client, policies, prose_override_reason=OVERRIDE), "x"
    )
    revision = PolicyPage.objects.get(pk=policies.pk).get_latest_revision()
    assert revision.content["prose_override_reason"] == ""
    assert not PageLogEntry.objects.filter(page=policies, action=OVERRIDE_ACTION).exists()


def test_a_legal_override_lets_the_submission_through_and_is_recorded_for_the_reviewer(
    client, policies, legal_approver, django_capture_on_commit_callbacks
):
    client.force_login(legal_approver)
    data = cheaper_label(client, policies, prose_override_reason=OVERRIDE)

    submitted = post_edit(client, policies, data, "action-submit")

    assert submitted.status_code == 302, submitted.content.decode()[:3000]
    assert in_progress(policies)
    entry = PageLogEntry.objects.get(page=policies, action=OVERRIDE_ACTION)
    assert entry.user == legal_approver
    assert entry.data == {
        "reason": OVERRIDE,
        "numbers": [{"field": "clauses", "anchor": "6", "number": "4.90 EUR"}],
    }
    assert entry.revision == PolicyPage.objects.get(pk=policies.pk).get_latest_revision()

    # The other legal approver sees the reason and what it covers, then approves.
    reviewer = member_of("Legal approvers")
    client.force_login(reviewer)
    form = client.get(reverse("wagtailadmin_pages:edit", args=[policies.pk])).content.decode()
    assert OVERRIDE.replace("'", "&#x27;") in form
    assert "Numbers typed by hand against the rules now: §6 “4.90 EUR”." in form
    history = client.get(reverse("wagtailadmin_pages:history", args=[policies.pk]))
    assert "Legal override of numbers typed by hand" in history.content.decode()
    task_state = TaskState.objects.for_instance(policies).get(status="in_progress")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse(
                "wagtailadmin_pages:workflow_action", args=[policies.pk, "approve", task_state.pk]
            ),
            {"comment": "Override accepted."},
        )
    version = PolicyVersion.objects.get(policy=policies, number=4)
    assert version.revision.content["prose_override_reason"] == OVERRIDE

    # The next version starts without it.
    form = client.get(reverse("wagtailadmin_pages:edit", args=[policies.pk])).content.decode()
    assert OVERRIDE.replace("'", "&#x27;") not in form


def test_the_override_is_neither_translated_nor_synchronised():
    names = {field.field_name for field in PolicyPage.translatable_fields}
    assert "prose_override_reason" not in names


# --- readers ------------------------------------------------------------------------------


def test_the_version_keeps_its_placeholders_and_the_chain_still_verifies(policies):
    version = PolicyVersion.objects.get(policy=policies, number=2)
    text = version.texts.get(locale=policies.locale)

    assert (
        text.summary
        == "Returns within {window_days} days of delivery, free returns of defective items."
    )
    assert "{fee:drop_off}" in text.clause("6")["html"]
    assert verify().intact


def test_the_public_page_reads_its_versions_values_in_the_readers_format(client, policies):
    english = client.get("/policies/return-policy/").content.decode()
    german = client.get("/de/policies/return-policy/").content.decode()  # v2: English text
    french = client.get("/fr/policies/return-policy/").content.decode()
    scheduled = client.get("/policies/return-policy/v/3/").content.decode()

    assert "QR code (€3.90 for a change of mind) or print a prepaid label (€5.90)" in english
    assert '<p class="lead">Returns within 30 days of delivery' in english
    assert 'content="Returns within 30 days of delivery' in english
    assert "{fee:" not in english and "{window_days}" not in english
    # The same English text, cached once per language: German numbers for a German reader.
    assert "QR code (3,90\u00a0€ for a change of mind)" in german
    assert "point relais partenaire avec un QR code (3,90\u00a0€ pour un changement" in french
    assert "Retours sous 30 jours après la livraison" in french
    assert "within 45 days of delivery" in scheduled and "label (€4.90 for a change" in scheduled


def test_the_comparison_reads_each_versions_values(client, policies):
    html = client.get("/policies/return-policy/compare/2/3/").content.decode()
    clauses = html.split("<h2>Clauses</h2>")[1]

    assert "§2 Return window" in clauses  # same wording, another value
    assert "<del>30</del><ins>45</ins>" in clauses


def test_the_api_gives_the_summary_with_its_values_in_the_asked_language(client, policies):
    english = client.get("/api/v1/policies/in-force", {"market": "FR"}).json()
    french = client.get("/api/v1/policies/in-force", {"market": "FR", "lang": "fr"}).json()
    seller = client.get(
        "/api/v1/policies/in-force", {"market": "FR", "seller": "atelier-lumiere", "lang": "de"}
    ).json()

    assert english["description"] == (
        "Returns within 30 days of delivery, free returns of defective items."
    )
    assert french["description"] == (
        "Retours sous 30 jours après la livraison, retour gratuit des articles défectueux."
    )
    assert seller["description"] == (
        "Atelier Lumière akzeptiert Rücksendungen innerhalb von 60 Tagen nach der Lieferung."
    )


def test_a_help_center_citation_quotes_the_clause_with_its_values(policies):
    assert "QR code (€3.90 for a change of mind)" in cited_clause(policies, "6", "en").html
    assert "QR code (3,90\u00a0€ pour un changement" in cited_clause(policies, "6", "fr").html
