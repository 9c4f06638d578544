"""Browser tests: Playwright driving Debian's chromium against live_server.

Playwright's own browser download is never used (no general internet on the
build machines). Without chromium these tests skip, saying why, unless
E2E_REQUIRED is set (CI), where a missing browser is a failure.
"""

import os
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe

# Playwright's sync API runs an event loop in this thread; the Django ORM calls
# the tests make for setup are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SEVERE_IMPACTS = {"serious", "critical"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        message = "chromium is not installed (apt-get install chromium, or `make browsers`)"
        if os.environ.get("E2E_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


DESKTOP = {"locale": "en-GB", "viewport": {"width": 1280, "height": 900}}
PHONE = {"locale": "fr-FR", "viewport": {"width": 390, "height": 844}}


def _open_page(browser, settings):
    context = browser.new_context(**settings)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def page(browser):
    context, page = _open_page(browser, DESKTOP)
    # E2E_CONSOLE_STRICT=1: any console error or uncaught exception fails the test
    # (tests/e2e/test_console_clean.py always checks its own pages).
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    if os.environ.get("E2E_CONSOLE_STRICT") and errors:
        pytest.fail(f"console errors: {errors}")


@pytest.fixture
def phone_page(browser):
    """A small touch screen, for the portal's "usable on a phone" checks."""
    context, page = _open_page(browser, PHONE)
    yield page
    context.close()


@pytest.fixture
def live_site(transactional_db, live_server):
    from core.seeding import seed_site

    seed_site()
    return live_server


# Waits for the page's short animations and transitions, such as a message fading
# in; not for a spinner or an attention "ping" (Wagtail's badge pings for 25 s).
SETTLED = """Promise.all(document.getAnimations()
    .filter((a) => a.effect && a.effect.getComputedTiming().endTime <= 2000)
    .map((a) => a.finished.catch(() => null)))"""


@pytest.fixture(scope="session")
def axe():
    return Axe()


@pytest.fixture
def assert_accessible(axe):
    """No serious or critical axe (WCAG 2.x A/AA) violation on the current page."""

    def check(page):
        # Colours are judged once they settle: a message fading in (Wagtail's admin
        # animates them) has, for a few frames, less contrast than it will have.
        page.evaluate(SETTLED)
        results = axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]}
            },
        )
        severe = [
            f"{violation['id']} ({violation['impact']}): {violation['help']} "
            f"-> {[node['target'] for node in violation['nodes']][:3]}"
            for violation in results.response["violations"]
            if violation["impact"] in SEVERE_IMPACTS
        ]
        assert severe == [], f"{page.url}: " + "; ".join(severe)

    return check
