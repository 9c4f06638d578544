"""Issue 14, part 6 in a real browser: French instant and full search agree on
"rembours" (a prefix) and forgive the typo "rembousement"."""

import re

import pytest
from playwright.sync_api import expect


@pytest.fixture
def help_site(live_site):
    from helpcenter.demo_content import CATEGORIES
    from helpcenter.seeding import seed_help_center
    from policy_pages.seeding import seed_policies

    seed_policies()
    seed_help_center(categories=[CATEGORIES[0], CATEGORIES[-1]])
    return live_site


COUNT = re.compile(r"(\d+)\s+résultats?\s+pour")


def _count(text):
    match = COUNT.search(text)
    assert match, text
    return int(match.group(1))


@pytest.mark.parametrize("typed", ["rembours", "rembousement"])
def test_french_instant_and_full_search_agree(help_site, browser, typed):
    reader = browser.new_context(locale="fr-FR").new_page()
    reader.set_default_timeout(15_000)
    reader.goto(f"{help_site.url}/fr/help/")
    reader.locator("#help-q").press_sequentially(typed, delay=40)
    instant_count = reader.locator("#instant-results .instant-count")
    expect(instant_count).to_contain_text(typed)
    expect(reader.locator("#instant-results a").first).to_be_visible()
    instant = _count(instant_count.inner_text())
    assert instant >= 1
    reader.locator("#help-q").press("Enter")
    expect(reader).to_have_url(re.compile(rf"/fr/support/search/\?q={typed}"))
    heading = reader.locator("#results-heading")
    expect(heading).to_contain_text(typed)
    assert _count(heading.inner_text()) == instant
    expect(reader.locator(".result").first).to_be_visible()
    if typed == "rembousement":
        expect(reader.locator(".did-you-mean")).to_contain_text("remboursement")
