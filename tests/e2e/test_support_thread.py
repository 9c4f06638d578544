"""Scenario 2: after a staff reply, the buyer answers on their request's page
with a photo; staff open the inbox and find the answer, the photo and the
request "Waiting on support". In a real browser."""

import re
from io import BytesIO

from PIL import Image
from playwright.sync_api import expect

from tests.e2e.test_policy_review import sign_in_to_admin
from tests.factories import PASSWORD, StaffUserFactory, UserFactory


def jpeg() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_a_buyer_replies_in_a_support_thread_and_staff_see_it(
    live_site, browser, assert_accessible
):
    from helpcenter import desk
    from helpcenter.models import SupportAttachment, SupportReply

    base = live_site.url
    buyer = UserFactory(email="bea@example.com")
    staff = StaffUserFactory(with_totp=True, is_superuser=True)
    support = desk.create_support_request(
        user=buyer,
        email=buyer.email,
        language="en",
        topic="damaged",
        order_reference="",
        message="The lamp arrived broken; what should I do now?",
    )
    desk.add_reply(support, staff, "Hello Bea,\n\nCould you send us a photo of the lamp?")

    # 1. The buyer opens the request after the staff reply and answers with a photo.
    reader = browser.new_context(locale="en-GB").new_page()
    reader.set_default_timeout(15_000)
    reader.goto(f"{base}/accounts/login/")
    reader.locator("input[name=login]").fill(buyer.email)
    reader.locator("input[name=password]").fill(PASSWORD)
    reader.locator("main form button[type=submit]").first.click()
    expect(reader).not_to_have_url(re.compile(r"/accounts/login/"))
    reader.goto(f"{base}/support/requests/{support.reference}/")
    expect(reader.locator(".conversation-reply")).to_contain_text("photo of the lamp")
    expect(reader.locator(".request-status")).to_have_text("Waiting on buyer")
    assert_accessible(reader)
    reader.get_by_label("Your reply").fill("Here is the photo of the broken lamp.")
    reader.get_by_label("Photos (optional)").set_input_files(
        {"name": "lamp.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    reader.get_by_role("button", name="Send reply").click()
    expect(reader.locator(".messages")).to_contain_text("Your reply was sent.")
    expect(reader.locator(".conversation-buyer")).to_contain_text("broken lamp")
    expect(reader.locator(".conversation-buyer a", has_text="lamp.jpg")).to_be_visible()
    expect(reader.locator(".request-status")).to_have_text("Waiting on support")
    assert_accessible(reader)
    reply = SupportReply.objects.get(from_buyer=True)
    assert SupportAttachment.objects.filter(reply=reply).count() == 1

    # 2. Staff sign in (password and TOTP) and find it in the inbox.
    desk_page = browser.new_context().new_page()
    desk_page.set_default_timeout(15_000)
    sign_in_to_admin(desk_page, base, staff.email)
    desk_page.goto(f"{base}/admin/snippets/helpcenter/supportrequest/")
    row = desk_page.locator("tr", has_text=support.reference)
    expect(row).to_contain_text("Waiting on support")
    desk_page.get_by_role("link", name=support.reference).first.click()
    conversation = desk_page.locator(".help-conversation")
    expect(conversation.locator(".help-buyer-reply")).to_contain_text("The buyer's reply")
    expect(conversation).to_contain_text("Here is the photo of the broken lamp.")
    expect(conversation.locator("a", has_text="lamp.jpg")).to_be_visible()
