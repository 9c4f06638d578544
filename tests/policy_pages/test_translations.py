import pytest
from django.utils import timezone

from policy_pages.services import record_version
from policy_pages.versions import PolicyVersion, PolicyVersionText
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def publish_new_version(page, **changes):
    for field, value in changes.items():
        setattr(page, field, value)
    page.effective_from, page.schedule_choice = None, "replace"
    revision = page.save_revision()
    revision.publish()
    page.refresh_from_db()
    return PolicyVersion.objects.filter(policy=page).order_by("-number").first()


def test_the_rules_are_synchronised_not_translated(policies):
    from policy_pages.models import PolicyPage

    french = PolicyPage.objects.get(
        translation_key=policies.translation_key, locale__language_code="fr"
    )

    assert french.build_rules() == policies.build_rules()
    assert french.title == "Politique de retour"


def test_a_translation_published_later_attaches_to_the_version_it_translates(
    policies, django_capture_on_commit_callbacks
):
    from core.localization import publish_translation as translate
    from policy_pages import demo_content

    with django_capture_on_commit_callbacks(execute=True):
        v4 = publish_new_version(policies, window_days=50)
    assert not v4.texts.filter(locale__language_code="de").exists()

    with django_capture_on_commit_callbacks(execute=True):
        translate(policies, "de", demo_content.strings_for("de"))
        # Legal signs the submitted German text off (test_version_translations.py).
        from policy_pages.translations import PolicyVersionTranslation, sign_off
        from tests.factories import StaffUserFactory

        pending = PolicyVersionTranslation.objects.get(version=v4)
        sign_off(pending.pk, StaffUserFactory(with_totp=True, is_superuser=True))

    german = PolicyVersionText.objects.get(version=v4, locale__language_code="de")
    assert german.title == "Rückgaberichtlinie"
    assert german.hash == german.compute_hash()
    # Earlier versions keep the German text they had, or none.
    assert not PolicyVersionText.objects.filter(
        version__policy=policies, version__number=2, locale__language_code="de"
    ).exists()


def test_the_translation_editor_names_the_version_being_translated(client, policies):
    from policy_pages.models import PolicyPage

    french = PolicyPage.objects.get(
        translation_key=policies.translation_key, locale__language_code="fr"
    )
    admin = StaffUserFactory(with_totp=True, is_superuser=True)
    client.force_login(admin)

    response = client.get(f"/admin/pages/{french.pk}/edit/")

    assert response.status_code == 200
    assert "You are translating version 3, effective from" in response.content.decode()


def test_scheduled_publishing_writes_the_version_when_the_page_goes_live(
    policies, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    go_live = timezone.now() + timezone.timedelta(days=60)
    policies.window_days = 35
    policies.schedule_choice, policies.effective_from = "replace", None
    policies.go_live_at = go_live
    revision = policies.save_revision(approved_go_live_at=go_live)
    revision.publish()
    assert PolicyVersion.objects.filter(policy=policies).count() == 3  # not live yet

    from policy_pages.models import PolicyPage

    # Move the schedule into the past, as if those 60 days had gone by.
    past = timezone.now() - timezone.timedelta(seconds=1)
    revision.refresh_from_db()
    revision.approved_go_live_at = past
    revision.content["go_live_at"] = past.isoformat()
    revision.save(update_fields=["approved_go_live_at", "content"])
    with django_capture_on_commit_callbacks(execute=True):
        call_command("publish_scheduled", verbosity=0)

    version = PolicyVersion.objects.filter(policy=policies).order_by("-number").first()
    assert version.number == 4
    assert version.rules.window_days == 35
    # It replaced the scheduled v3, which never comes into force.
    v3 = PolicyVersion.objects.get(policy=policies, number=3)
    assert v3.markets.filter(superseded_by=version).count() == v3.markets.count() > 0
    assert version.effective_from <= timezone.now()
    assert PolicyPage.objects.get(pk=policies.pk).live


def test_record_version_is_numbered_under_a_row_lock_and_chained(policies):
    page = policies
    page.window_days = 31
    page.schedule_choice = "replace"
    revision = page.save_revision()
    version = record_version(page, revision, now=timezone.now())

    previous = PolicyVersion.objects.get(policy=page, number=version.number - 1)
    assert version.previous_hash == previous.hash
    assert version.effective_from >= previous.effective_from
