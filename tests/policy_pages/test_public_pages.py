import pytest

pytestmark = pytest.mark.django_db


def test_policy_page_shows_the_version_in_force_and_announces_the_scheduled_change(
    client, policies
):
    html = client.get("/policies/return-policy/").content.decode()

    assert "Version 2, effective from" in html
    assert "This policy changes on" in html
    assert 'href="/policies/return-policy/compare/2/3/"' in html
    assert "Withdrawal button" in html  # clause 9 exists from v2 on
    assert 'id="clause-2.1"' in html


def test_policy_page_in_french_reads_the_french_text(client, policies):
    html = client.get("/fr/policies/return-policy/").content.decode()

    assert '<html lang="fr">' in html
    assert "Politique de retour" in html
    assert "Bouton de rétractation" in html
    assert "original text is shown" not in html


def test_a_locale_without_text_for_the_version_gets_the_source_text_with_a_notice(client, policies):
    html = client.get("/de/policies/return-policy/").content.decode()

    assert "Withdrawal button" in html  # v2 has no German text: English is shown
    assert 'class="notice"' in html


def test_versions_page_lists_every_version_with_its_range_and_status(client, policies):
    html = client.get("/policies/return-policy/versions/").content.decode()

    assert html.count("<tr data-version=") == 3  # one row per version
    assert "In force" in html and "Scheduled" in html and "Previous" in html


def test_a_superseded_version_permalink_says_it_is_not_current(client, policies):
    html = client.get("/policies/return-policy/v/1/").content.decode()

    assert "Version 1 is not current" in html
    assert "We refund the price to your original means of payment." in html


def test_the_scheduled_version_permalink_says_when_it_takes_effect(client, policies):
    html = client.get("/policies/return-policy/v/3/").content.decode()

    assert "This version is scheduled" in html
    assert "45 days" in html


def test_compare_page_shows_the_window_change_in_words(client, policies):
    html = client.get("/policies/return-policy/compare/2/3/").content.decode()

    assert "Changed:" in html
    assert "<del>30</del><ins>45</ins>" in html
    assert "Return window" in html


@pytest.mark.parametrize(
    "url",
    [
        "/policies/no-such-policy/",
        "/policies/return-policy/v/9/",
        "/policies/return-policy/compare/1/9/",
        "/policies/return-policy/compare/2/2/",
        "/policies/atelier-lumiere-returns/compare/1/2/",
        "/fr/policies/return-policy/v/0/",
    ],
)
def test_unknown_slug_version_or_comparison_gives_a_404(client, policies, url):
    response = client.get(url)

    assert response.status_code == 404


def test_a_404_under_french_policies_is_in_french(client, policies):
    response = client.get("/fr/policies/return-policy/v/9/")

    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_cold_render_of_a_policy_page_stays_within_its_query_budget(
    client, policies, django_assert_max_num_queries
):
    # Cold: nothing cached yet, not even Wagtail's site root paths. One query
    # of these (the texts' locales) is the hash check on read (read_check.py);
    # warm, its verdict is cached and costs none.
    with django_assert_max_num_queries(18):
        response = client.get("/fr/policies/return-policy/")
    assert response.status_code == 200


def test_policy_index_lists_policies_with_their_version_in_force(client, policies):
    html = client.get("/policies/").content.decode()

    assert "Return policy" in html and "Atelier Lumière return policy" in html
    assert "Version 2, effective from" in html


def test_footer_links_the_policies(client, policies):
    html = client.get("/fr/").content.decode()

    assert 'href="/fr/policies/return-policy/"' in html


def test_policy_index_reads_versions_in_a_constant_number_of_queries(
    client, policies, django_assert_max_num_queries
):
    client.get("/fr/policies/")  # warm the site chrome's cache
    # 13: the versions of every policy and their texts (the summary shown is
    # the in-force version's, in the reader's language) are two of them.
    with django_assert_max_num_queries(13):
        response = client.get("/fr/policies/")
    assert "Version 2" in response.content.decode()
