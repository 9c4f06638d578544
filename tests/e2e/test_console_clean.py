"""No console errors: the buyer's whole flow (My orders, each step of a return
with a photo uploaded and removed, the review, the confirm, the return's page)
and the help center (home, search, an article), at desktop width, with every
console error and uncaught exception collected; any one fails the test. Along
the way, focus after each htmx step swap lands on the new heading, which draws
no focus ring (WAI-ARIA practices: the step is announced through its heading)."""

import re

from playwright.sync_api import expect

from tests.e2e.test_help_center import help_site  # noqa: F401 (fixture)
from tests.e2e.test_return_portal import (  # noqa: F401 (fixture)
    STEP_URL,
    open_first_step,
    photo_bytes,
    shop,
    signed_in_page,
)


def collect_errors(page) -> list[str]:
    """Console errors and uncaught exceptions of the page, as they happen."""
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(f"console: {message.text} @ {message.location.get('url', '')}")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    return errors


def heading_focused_without_ring(page):
    heading = page.locator("#step-heading")
    expect(heading).to_be_focused()
    outline = heading.evaluate("h => getComputedStyle(h).outlineStyle")
    assert outline == "none", outline


def test_the_buyers_flow_logs_no_console_error(shop, browser):  # noqa: F811
    live, buyer, order = shop
    page = signed_in_page(browser, live.url, buyer)
    errors = collect_errors(page)

    open_first_step(page, live.url, order)
    assert errors == [], errors
    page.get_by_label("Quantity to return: Oxford shirt").fill("1")
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(STEP_URL % "reason"))
    heading_focused_without_ring(page)
    # A step sent incomplete: the error summary takes the focus.
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#error-summary")).to_be_focused()
    page.get_by_label("Too small").check()
    page.get_by_label("Opened, like new").check()
    # The upload once caused "hx-disabled-elt … returned no matches" (issue 14).
    page.get_by_label("Add photos").set_input_files(
        files=[{"name": "shirt.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    expect(page.get_by_role("button", name="Remove photo 1")).to_be_visible()
    page.get_by_role("button", name="Remove photo 1").click()
    expect(page.get_by_role("status")).to_contain_text("Photo removed.")
    # The swapped-in file input listens for "change" once htmx has processed it
    # (after its settle); a file chosen before that would go unnoticed.
    page.wait_for_function(
        "() => { const input = document.querySelector('#photo-uploader input[type=file]');"
        " return input && input['htmx-internal-data'] && !document.querySelector("
        "'.htmx-settling, .htmx-swapping, .htmx-request'); }"
    )
    page.get_by_label("Add photos").set_input_files(
        files=[{"name": "seam.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    expect(page.get_by_role("button", name="Remove photo 1")).to_be_visible()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(STEP_URL % "resolution"))
    heading_focused_without_ring(page)
    page.get_by_label("Refund to the original payment").check()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(STEP_URL % "shipping"))
    heading_focused_without_ring(page)
    page.get_by_label(re.compile(r"Drop-off point \(QR code\)")).check()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(STEP_URL % "review"))
    heading_focused_without_ring(page)
    page.get_by_role("button", name="Confirm return").click()

    expect(page.get_by_text(re.compile(r"RMA-[A-Z0-9]{8}")).first).to_be_visible()
    page.goto(f"{live.url}/returns/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert errors == [], errors


def test_the_help_center_logs_no_console_error(help_site, browser):  # noqa: F811
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = collect_errors(page)

    page.goto(f"{help_site.url}/help/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.locator("#help-q").press_sequentially("return", delay=40)
    expect(page.locator("#instant-results a").first).to_be_visible()
    page.locator("#help-q").press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=return"))
    page.locator(".result a").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")
    context.close()

    assert errors == [], errors
