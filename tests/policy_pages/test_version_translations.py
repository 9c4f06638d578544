"""Issue 11 point 4: a version's text per language is complete or absent, any
version can be translated later, legal signs each language off, and compare
pages diff one language.

The demo policy: v1 and v3 have French and German texts, v2 only French.
"""

import pytest
from django.urls import reverse
from wagtail.models import Locale, PageLogEntry
from wagtail.test.utils.form_data import rich_text

from core.localization import publish_translation
from policy_pages import demo_content
from policy_pages.integrity import verify
from policy_pages.translations import (
    PolicyVersionTranslation,
    TranslationError,
    TranslationStatus,
    sign_off,
    submit_translation,
)
from policy_pages.versions import PolicyVersion, PolicyVersionText
from tests.policy_pages.test_translations import publish_new_version

pytestmark = pytest.mark.django_db


def version(policy, number):
    return PolicyVersion.objects.get(policy=policy, number=number)


def german():
    return Locale.objects.get(language_code="de")


def english_text(v):
    return v.texts.get(page_id=v.policy_id)


def complete_german(v):
    """A complete German text of `v`, segment by segment."""
    source = english_text(v)
    return {
        "title": "Rückgaberichtlinie",
        "summary": f"Rückgabe innerhalb von {v.rules.window_days} Tagen.",
        "clauses": [
            {
                "anchor": clause["anchor"],
                "heading": f"Abschnitt {clause['anchor']}",
                "html": f"<p>Deutscher Text von §{clause['anchor']}.</p>",
            }
            for clause in source.clauses
        ],
    }


# --- complete or absent ------------------------------------------------------------


def test_a_translation_with_untranslated_segments_is_not_submitted_and_readers_get_the_original(
    client, policies, roles, django_capture_on_commit_callbacks
):
    # v4 rewords the summary; the translator syncs and publishes German
    # without translating the new sentence (the reported bug).
    with django_capture_on_commit_callbacks(execute=True):
        v4 = publish_new_version(
            policies, window_days=50, summary="Returns within {window_days} days, free pick-up."
        )

    with django_capture_on_commit_callbacks(execute=True):
        publish_translation(policies, "de", demo_content.strings_for("de"))

    assert not PolicyVersionText.objects.filter(version=v4, locale=german()).exists()
    assert not PolicyVersionTranslation.objects.filter(version=v4).exists()
    entry = PageLogEntry.objects.get(page=policies, action="policy_pages.translation_incomplete")
    assert "The summary is not translated." in entry.data["gaps"]
    html = client.get("/de/policies/return-policy/").content.decode()
    assert 'class="notice"' in html
    assert '<div class="clauses" lang="en">' in html
    # The translator is told, in the translation editor, what is left to translate.
    from policy_pages.models import PolicyPage

    page = PolicyPage.objects.get(translation_key=policies.translation_key, locale=german())
    client.force_login(roles["admin"])
    editor = client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    assert "was not submitted for sign-off" in editor
    assert "The summary is not translated." in editor


def test_a_complete_translation_waits_for_legal_sign_off_then_reaches_readers(
    client, policies, roles, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        v4 = publish_new_version(policies, window_days=50)
    version_hash = v4.hash

    with django_capture_on_commit_callbacks(execute=True):
        publish_translation(policies, "de", demo_content.strings_for("de"), user=roles["admin"])

    pending = PolicyVersionTranslation.objects.get(version=v4, locale=german())
    assert pending.status == TranslationStatus.SUBMITTED
    assert pending.translated_by == roles["admin"]
    assert not PolicyVersionText.objects.filter(version=v4, locale=german()).exists()
    assert 'class="notice"' in client.get("/de/policies/return-policy/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        text = sign_off(pending.pk, roles["legal"])

    assert text.title == "Rückgaberichtlinie"
    assert (text.translated_by, text.signed_off_by) == (roles["admin"], roles["legal"])
    assert text.hash == text.compute_hash()
    v4.refresh_from_db()
    assert v4.hash == version_hash  # the version's own hash never moves
    assert verify(policies).intact
    html = client.get("/de/policies/return-policy/").content.decode()
    assert "Rückgaberichtlinie" in html and 'class="notice"' not in html


def test_the_signers_are_in_the_texts_hash(policies, roles):
    v2 = version(policies, 2)
    pending = submit_translation(v2, german(), **complete_german(v2), user=roles["editor"])
    text = sign_off(pending.pk, roles["legal"])

    text.signed_off_by_id = roles["other_legal"].pk  # in memory only: rows refuse updates
    assert text.compute_hash() != text.hash


def test_an_incomplete_or_source_copied_text_is_refused_naming_each_segment(policies):
    v2 = version(policies, 2)
    data = complete_german(v2)
    source = english_text(v2)
    data["summary"] = source.summary  # frozen English
    data["clauses"][0]["html"] = ""
    data["clauses"][1]["heading"] = source.clauses[1]["heading"]

    with pytest.raises(TranslationError) as refused:
        submit_translation(v2, german(), **data)

    messages = refused.value.messages
    assert "The summary is not translated." in messages
    assert f"§{source.clauses[0]['anchor']}: its text is not translated." in messages
    assert f"§{source.clauses[1]['anchor']}: its heading is not translated." in messages
    assert not PolicyVersionTranslation.objects.filter(version=v2, locale=german()).exists()


# --- sign-off: four eyes -------------------------------------------------------------


def test_nobody_signs_off_their_own_translation_and_only_legal_signs(policies, roles):
    from django.core.exceptions import PermissionDenied

    v2 = version(policies, 2)
    pending = submit_translation(v2, german(), **complete_german(v2), user=roles["legal"])

    with pytest.raises(PermissionDenied):
        sign_off(pending.pk, roles["legal"])  # the translator
    with pytest.raises(PermissionDenied):
        sign_off(pending.pk, roles["editor"])  # not a legal approver
    assert not PolicyVersionText.objects.filter(version=v2, locale=german()).exists()

    sign_off(pending.pk, roles["other_legal"])
    with pytest.raises(TranslationError):
        submit_translation(v2, german(), **complete_german(v2))  # written once


# --- an earlier version, through the admin ---------------------------------------------


def test_an_earlier_version_is_translated_in_the_admin_and_signed_off(client, policies, roles):
    v2 = version(policies, 2)
    source = english_text(v2)
    url = reverse("policy_pages_translate_version", args=[v2.pk, "de"])
    client.force_login(roles["editor"])

    form = client.get(url)
    assert form.status_code == 200
    html = form.content.decode()
    # Clauses unchanged since a version with German text start from that text.
    v1_german = version(policies, 1).texts.get(locale=german())
    reused = [
        c
        for c in source.clauses
        if (english_text(version(policies, 1)).clause(c["anchor"]) or {}).get("html") == c["html"]
    ]
    assert reused, "the demo keeps some clauses from v1 to v2"
    assert v1_german.clause(reused[0]["anchor"])["heading"] in html

    incomplete = client.post(url, {"title": "Rückgaberichtlinie"})
    assert incomplete.status_code == 400
    assert not PolicyVersionTranslation.objects.filter(version=v2, locale=german()).exists()

    data = complete_german(v2)
    post = {"title": data["title"], "summary": data["summary"]}
    for clause in data["clauses"]:
        post[f"heading_{clause['anchor']}"] = clause["heading"]
        post[f"html_{clause['anchor']}"] = rich_text(clause["html"])
    assert client.post(url, post).status_code == 302
    pending = PolicyVersionTranslation.objects.get(version=v2, locale=german())
    assert pending.translated_by == roles["editor"]

    client.force_login(roles["legal"])
    review = reverse("policy_pages_review_translation", args=[pending.pk])
    assert "Deutscher Text von" in client.get(review).content.decode()
    assert client.post(review, {"action": "sign_off"}).status_code == 302

    text = PolicyVersionText.objects.get(version=v2, locale=german())
    assert text.clause(source.clauses[0]["anchor"])["html"].startswith("<p")
    page = client.get("/de/policies/return-policy/v/2/").content.decode()
    assert "Deutscher Text von" in page and 'class="notice"' not in page
    audit = client.get(reverse("policy_pages_audit_results")).content.decode()
    assert 'data-audit="signed-de"' in audit


@pytest.mark.parametrize(
    "post",
    [
        {"title": "x\x00"},
        {"title": "x" * 300},
        {"title": "Titel", "html_2": "{not json"},
    ],
)
def test_bad_input_to_the_translation_form_is_a_400_not_a_500(client, policies, roles, post):
    v2 = version(policies, 2)
    client.force_login(roles["editor"])

    response = client.post(reverse("policy_pages_translate_version", args=[v2.pk, "de"]), post)

    assert response.status_code == 400


def test_who_may_not_translate_or_review_is_refused(client, policies, roles):
    v2 = version(policies, 2)
    pending = submit_translation(v2, german(), **complete_german(v2), user=roles["editor"])
    client.force_login(roles["returns"])

    assert client.get(
        reverse("policy_pages_translate_version", args=[v2.pk, "de"])
    ).status_code in (302, 403)
    review = reverse("policy_pages_review_translation", args=[pending.pk])
    assert client.post(review, {"action": "sign_off"}).status_code in (302, 403)
    assert not PolicyVersionText.objects.filter(version=v2, locale=german()).exists()


def test_sending_back_needs_a_comment_and_returns_it_to_the_translator(client, policies, roles):
    v2 = version(policies, 2)
    pending = submit_translation(v2, german(), **complete_german(v2), user=roles["editor"])
    client.force_login(roles["legal"])
    review = reverse("policy_pages_review_translation", args=[pending.pk])

    assert client.post(review, {"action": "send_back", "comment": " "}).status_code == 400
    assert (
        client.post(review, {"action": "send_back", "comment": "§2: Frist fehlt."}).status_code
        == 302
    )

    pending.refresh_from_db()
    assert pending.status == TranslationStatus.RETURNED
    client.force_login(roles["editor"])
    form = client.get(reverse("policy_pages_translate_version", args=[v2.pk, "de"]))
    assert "§2: Frist fehlt." in form.content.decode()


# --- compare one language --------------------------------------------------------------


def test_compare_diffs_one_language_and_says_when_a_side_lacks_it(client, policies):
    english = client.get("/policies/return-policy/compare/1/2/").content.decode()
    german_page = client.get("/de/policies/return-policy/compare/1/2/").content.decode()

    # v2 has no German text: both sides are compared in English, and the page says so.
    assert "Version 2 ist noch nicht in Ihrer Sprache verfügbar." in german_page
    assert german_page.count('class="change') == english.count('class="change')
    assert '<ul class="changes" lang="en">' in german_page


def test_compare_in_a_language_both_sides_have_diffs_that_language(client, policies):
    french = client.get("/fr/policies/return-policy/compare/1/2/").content.decode()

    assert "is not available in your language yet" not in french
    assert 'lang="en"' not in french.split("<main")[-1]
