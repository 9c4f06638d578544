from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from policy_pages.rules import PolicyRules
from policy_pages.timeline import policy_in_force
from policy_pages.versions import (
    GENESIS_HASH,
    ImmutableRecordError,
    PolicyVersion,
    PolicyVersionText,
)

pytestmark = pytest.mark.django_db


def test_every_publish_writes_a_numbered_version_with_rules_texts_and_a_chained_hash(policies):
    versions = list(PolicyVersion.objects.filter(policy=policies).order_by("number"))

    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[0].previous_hash == GENESIS_HASH
    assert versions[1].previous_hash == versions[0].hash
    assert versions[2].previous_hash == versions[1].hash
    for version in versions:
        source_text = version.texts.get(page=policies)
        assert version.compute_hash(source_text) == version.hash
        assert PolicyRules.from_json(version.rules_json).to_canonical_json() == version.rules_json
        assert version.revision_id is not None
    assert versions[0].effective_from < versions[1].effective_from < versions[2].effective_from


def test_each_version_keeps_the_text_of_every_locale_published_for_it(policies):
    locales = {
        version.number: sorted(version.texts.values_list("locale__language_code", flat=True))
        for version in PolicyVersion.objects.filter(policy=policies)
    }

    assert locales == {1: ["de", "en", "fr"], 2: ["en", "fr"], 3: ["de", "en", "fr"]}
    french = PolicyVersionText.objects.get(
        version__policy=policies, version__number=2, locale__language_code="fr"
    )
    assert french.title == "Politique de retour"
    assert french.clause("9")["heading"] == "Bouton de rétractation"


def test_a_version_cannot_be_changed_or_deleted_through_the_model(policies):
    version = PolicyVersion.objects.filter(policy=policies).first()

    version.rules_json = "{}"
    with pytest.raises(ImmutableRecordError):
        version.save()
    with pytest.raises(ImmutableRecordError):
        version.delete()
    with pytest.raises(ImmutableRecordError):
        PolicyVersion.objects.filter(pk=version.pk).update(rules_json="{}")
    with pytest.raises(ImmutableRecordError):
        PolicyVersion.objects.filter(pk=version.pk).delete()
    with pytest.raises(ImmutableRecordError):
        PolicyVersionText.objects.filter(version=version).update(title="x")


def test_the_database_refuses_to_update_a_version(policies):
    version = PolicyVersion.objects.filter(policy=policies).first()

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE policy_pages_policyversion SET rules_json = %s WHERE id = %s",
            ["{}", version.pk],
        )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE policy_pages_policyversiontext SET title = %s WHERE version_id = %s",
            ["tampered", version.pk],
        )


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("policy_pages_policyversionmarket", "version_id"),
        ("policy_pages_policyversiontext", "version_id"),
        ("policy_pages_policyversion", "id"),
    ],
)
def test_the_database_refuses_to_delete_a_version(policies, table, column):
    # On SQLite too: its flush lifts the DELETE triggers (config/db_backends).
    version = PolicyVersion.objects.filter(policy=policies).order_by("-number").first()

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [version.pk])
    assert PolicyVersion.objects.filter(pk=version.pk).exists()


def test_in_force_lookup_takes_the_latest_version_effective_at_the_instant(policies):
    v1, v2, v3 = PolicyVersion.objects.filter(policy=policies).order_by("number")

    assert policy_in_force("FR", at=v1.effective_from) == v1
    assert policy_in_force("FR", at=v2.effective_from - timedelta(seconds=1)) == v1
    assert policy_in_force("FR", at=timezone.now()) == v2
    assert policy_in_force("FR", at=v3.effective_from) == v3
    assert policy_in_force("FR", at=v1.effective_from - timedelta(days=1)) is None
    assert policy_in_force("SE") is None


def test_a_seller_policy_overrides_the_marketplace_one_in_its_markets(policies):
    seller_version = PolicyVersion.objects.get(seller_ref="atelier-lumiere")

    assert policy_in_force("FR", seller="atelier-lumiere") == seller_version
    # Outside the seller policy's markets, the marketplace policy governs.
    assert policy_in_force("DE", seller="atelier-lumiere").policy == policies
    # Before the seller policy took effect, the marketplace policy governed.
    earlier = seller_version.effective_from - timedelta(days=1)
    assert policy_in_force("FR", seller="atelier-lumiere", at=earlier).policy == policies
    assert policy_in_force("FR", seller="someone-else").policy == policies


def test_in_force_lookup_uses_at_most_two_queries(policies, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        version = policy_in_force("FR", seller="atelier-lumiere", category="apparel")
        assert version.policy.slug == "atelier-lumiere-returns"
