"""Seller staff open the KPI dashboard in a real browser, drill from a reason to
its returns, export the CSV, and see no other seller; axe passes."""

import csv
import datetime as dt
import re
from io import StringIO
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_policy_review import sign_in_to_admin


@pytest.fixture
def insights_site(live_site):
    from accounts.demo import seed_users
    from insights.history import seed_history
    from policy_pages.demo_orders import seed_demo_orders
    from policy_pages.seeding import seed_policies
    from return_portal.seeding import seed_reasons, seed_seller_staff, seed_staff_permissions

    seed_users()
    seed_policies()
    seed_demo_orders()
    seed_reasons()
    seed_staff_permissions()
    seed_seller_staff()
    seed_history(days=30, orders_per_day=16)
    return live_site


def test_seller_staff_drill_from_a_reason_to_its_returns_and_export(
    insights_site, page, assert_accessible
):
    base = insights_site.url
    sign_in_to_admin(page, base, "seller2@example.com")  # Atelier Lumière's staff
    end = dt.date.today()
    start = end - dt.timedelta(days=35)
    page.goto(f"{base}/admin/insights/?start={start}&end={end}&by=seller")
    results = page.locator("#insights-results")
    expect(results.get_by_role("rowheader", name="Atelier Lumière")).to_be_visible()
    for other in ("Maison Durand", "Lumen & Co"):
        expect(results.get_by_role("rowheader", name=other)).to_have_count(0)
    assert_accessible(page)

    # From the parent reason to its leaves (htmx, the URL follows), then to the returns.
    page.locator('[data-drill="item-problem"]').click()
    expect(page).to_have_url(re.compile(r"reason=item-problem"))
    expect(page.locator('[data-returns-link="arrived-damaged"]')).to_be_visible()
    assert_accessible(page)
    page.locator('[data-returns-link="arrived-damaged"]').click()
    expect(page).to_have_url(re.compile(r"/admin/returns/\?.*reason=arrived-damaged"))
    rows = page.locator("table.listing tbody tr")
    expect(rows.first).to_be_visible()
    assert "Maison Durand" not in page.locator("table.listing").inner_text()

    # The CSV of the rates, with the staff's own session.
    page.goto(f"{base}/admin/insights/?start={start}&end={end}&by=seller")
    with page.expect_download() as download:
        page.locator('a[href*="export=rates"]').click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    table = list(csv.reader(StringIO(text)))
    names = {row[0] for row in table[2:]}
    assert names == {"Atelier Lumière"}
    assert int(table[1][1]) > 0
