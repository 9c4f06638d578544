"""A return's page: RMA, lines, estimate, the polled timeline, how to send the
parcel (QR code, label, address), the message thread, cancelling, the label PDF,
the QR code and the buyer's photos."""

import uuid
import zlib
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils import timezone

from return_portal import labels, lifecycle
from return_portal.confirm import confirm_return
from return_portal.draft import Draft
from return_portal.models import (
    ReturnEvent,
    ReturnMessage,
    ReturnPhoto,
    ReturnStatus,
)
from return_portal.views import detail as detail_views
from return_portal.withdrawal import withdraw
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import returns_staff_user

HTMX = {"HTTP_HX_REQUEST": "true"}


def ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


@pytest.fixture
def order(policies, reasons, buyer):
    order = OrderFactory(
        buyer=buyer, reference="F-DETAIL", placed_at=ago(8), payment_amount=Decimal("104.70")
    )
    OrderLineFactory(order=order, reference="A", title="Oxford shirt", quantity=2)
    return order


def make_return(buyer, order, shipping="drop_off", **changes):
    values = {
        "quantities": {"A": 1},
        "reason_code": "too-small",
        "condition": "like_new",
        "resolution": "refund",
        "shipping_method": shipping,
        "comment": "Runs small.",
    }
    values.update(changes)
    created, _ = confirm_return(buyer, order, Draft(order_id=order.pk, **values))
    # A change of mind waits for a decision (test_approval.py): the seller approved it.
    return lifecycle.approve(created, actor=returns_staff_user(), actor_kind="staff")


@pytest.fixture
def drop_off(order, buyer):
    return make_return(buyer, order, "drop_off")


@pytest.fixture
def prepaid(order, buyer):
    return make_return(buyer, order, "prepaid_label")


def url(name, return_request, *extra):
    return reverse(f"return_portal:{name}", args=[return_request.public_id, *extra])


def html_of(response) -> str:
    return response.content.decode()


# --- the page ---------------------------------------------------------------------------


def test_the_page_shows_rma_kind_order_lines_reason_resolution_and_dates(signed_in, drop_off):
    html = html_of(signed_in.get(url("detail", drop_off)))

    assert '<p class="rma">' in html and f"<strong>{drop_off.rma}</strong>" in html
    assert "F-DETAIL" in html
    assert "1 × Oxford shirt" in html
    assert "Too small" in html
    assert "Refund to the original payment" in html
    assert "Send by" in html
    assert "Runs small." in html


def test_the_estimate_shows_each_figure_with_its_label_and_the_total(signed_in, drop_off):
    html = html_of(signed_in.get(url("detail", drop_off)))

    assert "Items returned" in html
    assert "€49.90" in html
    total = Decimal(drop_off.estimated_total)
    assert f"€{total:.2f}" in html


def test_a_withdrawal_says_so_and_shows_the_refund_deadline(signed_in, order, buyer):
    [withdrawal], _ = withdraw(buyer, order, [], key="k-detail")

    html = html_of(signed_in.get(url("detail", withdrawal)))

    assert "Your withdrawal" in html
    assert "Withdrawal received" in html  # first event of the timeline
    assert "Refund due by" in html


def test_the_timeline_polls_the_status_until_the_return_is_final(signed_in, drop_off, buyer):
    status_url = url("status", drop_off)

    live = html_of(signed_in.get(url("detail", drop_off)))
    assert f'hx-get="{status_url}?shown=approved"' in live
    assert 'hx-trigger="every 20s"' in live

    lifecycle.cancel(drop_off, actor=buyer)
    partial = html_of(signed_in.get(status_url))

    assert 'id="timeline"' in partial
    assert "<html" not in partial
    assert "Cancelled" in partial
    assert "hx-trigger" not in partial


def test_the_timeline_shows_each_event_in_the_market_time_zone(signed_in, drop_off):
    html = html_of(signed_in.get(url("status", drop_off)))
    event = ReturnEvent.objects.filter(return_request=drop_off).first()

    assert event.at.astimezone(timezone.get_default_timezone()).isoformat()[:16] in html
    assert "Europe/Paris" in html
    assert "Approved" in html


# --- sending the parcel -----------------------------------------------------------------


def test_a_drop_off_return_shows_the_qr_code_and_its_code(signed_in, drop_off):
    html = html_of(signed_in.get(url("detail", drop_off)))

    assert f'src="{url("qr", drop_off)}"' in html
    assert f'alt="QR code for drop-off, {drop_off.rma}"' in html
    assert drop_off.drop_off_code in html
    assert "Show this at the drop-off point" in html
    assert url("label", drop_off) not in html


def test_the_qr_code_is_a_private_svg_carrying_the_rma_and_code(signed_in, drop_off):
    response = signed_in.get(url("qr", drop_off))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    svg = response.content.decode()
    assert svg.startswith("<svg") and f"<title>QR code for drop-off, {drop_off.rma}</title>" in svg


def test_the_qr_payload_names_the_rma_and_the_drop_off_code():
    assert labels.qr_payload("RMA-ABCD2345", "123") == "RETURNSHUB:RMA-ABCD2345:123"


def test_a_prepaid_return_links_its_label_and_has_no_qr(signed_in, prepaid):
    html = html_of(signed_in.get(url("detail", prepaid)))

    assert "Download the label (PDF)" in html
    assert url("label", prepaid) in html
    assert url("qr", prepaid) not in html
    assert signed_in.get(url("qr", prepaid)).status_code == 404


def test_the_label_is_a_private_pdf_attachment_named_after_the_rma(signed_in, prepaid):
    response = signed_in.get(url("label", prepaid))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{prepaid.rma}.pdf"'
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    assert prepaid.rma.encode() in response.content  # the document's title


def test_no_label_for_a_drop_off_return_nor_once_cancelled(signed_in, drop_off, prepaid, buyer):
    assert signed_in.get(url("label", drop_off)).status_code == 404

    lifecycle.cancel(prepaid, actor=buyer)

    assert signed_in.get(url("label", prepaid)).status_code == 404


def test_the_label_pdf_carries_the_rma_addresses_and_barcode():
    pdf = labels.prepaid_label_pdf(
        rma="RMA-ABCD2345",
        order_reference="F-1",
        return_to="Maison Durand\n12 rue des Lilas, 69003 Lyon",
        sender="Camille <camille@example.com>",
        qr=labels.qr_payload("RMA-ABCD2345"),
        compress=False,
        unicode_font=False,
    )

    assert pdf.startswith(b"%PDF")
    assert b"(RMA-ABCD2345)" in pdf  # shown as text
    assert b"Prepaid - no postage needed" in pdf
    assert b"12 rue des Lilas" in pdf
    assert b"/Subtype /Image" in pdf  # the QR code


def test_the_compressed_unicode_label_keeps_the_rma_in_its_metadata():
    pdf = labels.prepaid_label_pdf(
        rma="RMA-ZZZZ2345",
        order_reference="F-1",
        return_to="Nordlicht Medien GmbH\nHafenstraße 4, 20457 Hamburg",
        sender="Łukasz <l@example.com>",
        qr=labels.qr_payload("RMA-ZZZZ2345"),
    )

    assert pdf.startswith(b"%PDF")
    assert b"RMA-ZZZZ2345" in pdf
    streams = [
        zlib.decompress(part.split(b"stream\n", 1)[1].split(b"\nendstream")[0])
        for part in pdf.split(b"/FlateDecode")[1:]
        if b"stream\n" in part
    ]
    assert streams  # the content is compressed


def test_an_own_carrier_return_shows_the_sellers_returns_address(signed_in, drop_off):
    seller = drop_off.lines.get().order_line.seller
    seller.returns_address = "12 rue des Lilas, 69003 Lyon"
    seller.save()
    type(drop_off).objects.filter(pk=drop_off.pk).update(shipping_method="own_carrier")

    html = html_of(signed_in.get(url("detail", drop_off)))

    assert "12 rue des Lilas, 69003 Lyon" in html
    assert "<address>" in html


@pytest.fixture
def own_carrier(drop_off):
    type(drop_off).objects.filter(pk=drop_off.pk).update(shipping_method="own_carrier")
    drop_off.refresh_from_db()
    return drop_off


def test_an_own_carrier_buyer_gives_the_tracking_number_and_the_return_is_in_transit(
    signed_in, own_carrier
):
    assert 'name="tracking"' in html_of(signed_in.get(url("detail", own_carrier)))

    response = signed_in.post(url("tracking", own_carrier), {"tracking": " 6A 1234 5678 9 "})

    own_carrier.refresh_from_db()
    assert response.status_code == 302
    assert own_carrier.status == ReturnStatus.IN_TRANSIT
    assert own_carrier.carrier_tracking == "6A 1234 5678 9"
    event = own_carrier.events.latest("pk")
    assert (event.to_status, event.actor_kind) == (ReturnStatus.IN_TRANSIT, "buyer")
    page = html_of(signed_in.get(url("detail", own_carrier)))
    assert "Tracking number: 6A 1234 5678 9" in page and 'name="tracking"' not in page


@pytest.mark.parametrize("number", ["", "12", "<script>", "x" * 70])
def test_a_wrong_tracking_number_is_refused_inline_and_kept(signed_in, own_carrier, number):
    response = signed_in.post(url("tracking", own_carrier), {"tracking": number})

    own_carrier.refresh_from_db()
    assert response.status_code == 422
    assert "Enter the tracking number the carrier gave you" in html_of(response)
    assert 'aria-invalid="true"' in html_of(response)
    assert own_carrier.status == ReturnStatus.APPROVED


def test_no_tracking_form_for_a_drop_off_return_and_a_post_is_refused(signed_in, drop_off):
    assert 'name="tracking"' not in html_of(signed_in.get(url("detail", drop_off)))

    response = signed_in.post(url("tracking", drop_off), {"tracking": "6A12345678"})

    drop_off.refresh_from_db()
    assert response.status_code == 409
    assert drop_off.status == ReturnStatus.APPROVED


# --- messages ---------------------------------------------------------------------------


def message_key(client, return_request) -> str:
    html = html_of(client.get(url("detail", return_request)))
    return html.split('name="key" value="')[1].split('"')[0]


def test_a_message_is_added_to_the_thread(signed_in, drop_off, buyer):
    key = message_key(signed_in, drop_off)

    response = signed_in.post(url("messages", drop_off), {"body": "Where is it?", "key": key})

    assert response.status_code == 302
    message = ReturnMessage.objects.get()
    assert (message.body, message.author, message.from_staff) == ("Where is it?", buyer, False)
    assert "Where is it?" in html_of(signed_in.get(url("detail", drop_off)))


def test_a_double_submit_adds_one_message(signed_in, drop_off):
    key = message_key(signed_in, drop_off)
    data = {"body": "Twice?", "key": key}

    signed_in.post(url("messages", drop_off), data, **HTMX)
    signed_in.post(url("messages", drop_off), data, **HTMX)

    assert ReturnMessage.objects.count() == 1


def test_with_htmx_the_answer_is_the_thread_with_a_fresh_form(signed_in, drop_off):
    key = message_key(signed_in, drop_off)

    response = signed_in.post(url("messages", drop_off), {"body": "Hello", "key": key}, **HTMX)
    html = html_of(response)

    assert response.status_code == 200
    assert html.startswith('<section id="messages"')
    assert "Hello" in html and "Your message was sent." in html
    assert f'value="{key}"' not in html  # the next message gets its own key


def test_the_thread_shows_support_replies(signed_in, drop_off):
    ReturnMessage.objects.create(return_request=drop_off, from_staff=True, body="On its way.")

    html = html_of(signed_in.get(url("messages", drop_off)))

    assert "Marketplace support" in html and "On its way." in html


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("   ", "Write your message"),
        ("x" * 4001, "under 4,000 characters"),
        ("Where is it?\x00", "Control characters are not allowed."),
    ],
)
def test_an_empty_or_too_long_message_is_refused_inline(signed_in, drop_off, body, error):
    key = message_key(signed_in, drop_off)

    page = signed_in.post(url("messages", drop_off), {"body": body, "key": key})
    partial = signed_in.post(url("messages", drop_off), {"body": body, "key": key}, **HTMX)

    assert page.status_code == 422
    for html in (html_of(page), html_of(partial)):
        assert error in html
        assert 'aria-describedby="message-help message-error"' in html
        assert 'aria-invalid="true"' in html
    assert not ReturnMessage.objects.exists()


def test_a_message_without_a_valid_key_is_refused(signed_in, drop_off):
    response = signed_in.post(url("messages", drop_off), {"body": "Hi", "key": "nope"})

    assert response.status_code == 422
    assert not ReturnMessage.objects.exists()


def test_messages_are_rate_limited(signed_in, drop_off, monkeypatch):
    monkeypatch.setattr(detail_views, "MESSAGE_LIMIT", (2, 3600))
    for number in range(2):
        data = {"body": f"Message {number}", "key": uuid.uuid4().hex}
        assert signed_in.post(url("messages", drop_off), data).status_code == 302

    response = signed_in.post(
        url("messages", drop_off), {"body": "One more", "key": uuid.uuid4().hex}
    )

    assert response.status_code == 429
    assert "many messages in a short time" in html_of(response)
    assert ReturnMessage.objects.count() == 2


# --- cancelling -------------------------------------------------------------------------


def test_cancelling_needs_the_confirmation_box(signed_in, drop_off):
    response = signed_in.post(url("cancel", drop_off), {})

    assert response.status_code == 422
    assert "Tick the box" in html_of(response)
    drop_off.refresh_from_db()
    assert drop_off.status == ReturnStatus.APPROVED


def test_a_confirmed_cancel_cancels_and_records_who(signed_in, drop_off, buyer):
    response = signed_in.post(url("cancel", drop_off), {"confirm": "yes"})

    assert response.status_code == 302
    drop_off.refresh_from_db()
    assert drop_off.status == ReturnStatus.CANCELLED
    event = drop_off.events.last()
    assert (event.to_status, event.actor) == (ReturnStatus.CANCELLED, buyer)
    html = html_of(signed_in.get(url("detail", drop_off)))
    assert f"Your return {drop_off.rma} is cancelled." in html
    assert url("cancel", drop_off) not in html


def test_a_return_on_its_way_cannot_be_cancelled(signed_in, drop_off):
    lifecycle.mark_in_transit(drop_off, tracking="TRACK1")

    page = html_of(signed_in.get(url("detail", drop_off)))
    response = signed_in.post(url("cancel", drop_off), {"confirm": "yes"})

    assert url("cancel", drop_off) not in page
    assert response.status_code == 409
    assert "can no longer be cancelled" in html_of(response)
    drop_off.refresh_from_db()
    assert drop_off.status == ReturnStatus.IN_TRANSIT


def test_cancel_only_takes_a_post(signed_in, drop_off):
    assert signed_in.get(url("cancel", drop_off)).status_code == 405


# --- photos -----------------------------------------------------------------------------


@pytest.fixture
def photo(drop_off, buyer, monkeypatch, tmp_path):
    # The field resolved its storage at import: point it at a temporary folder.
    field = ReturnPhoto._meta.get_field("file")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=tmp_path))
    item = ReturnPhoto(
        buyer=buyer,
        draft=uuid.uuid4(),
        return_request=drop_off,
        original_name="box.jpg",
        content_type="image/jpeg",
        size=4,
    )
    item.file.save("box.jpg", ContentFile(b"\xff\xd8\xff\xe0"), save=True)
    return item


def test_a_photo_is_served_privately_to_its_buyer(signed_in, photo, drop_off):
    response = signed_in.get(reverse("return_portal:photo", args=[photo.public_id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == "inline"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == b"\xff\xd8\xff\xe0"
    detail = html_of(signed_in.get(url("detail", drop_off)))
    assert 'alt="Photo you sent: box.jpg"' in detail


def test_a_photo_whose_file_is_gone_is_not_found(signed_in, photo):
    photo.file.storage.delete(photo.file.name)

    response = signed_in.get(reverse("return_portal:photo", args=[photo.public_id]))

    assert response.status_code == 404


# --- a session that ends while the page is open ---------------------------------------


def test_a_status_poll_after_the_session_ended_sends_the_window_to_sign_in(client, drop_off):
    page = url("detail", drop_off)
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": f"http://testserver{page}"}

    polled = client.get(url("status", drop_off), **headers)
    plain = client.get(url("status", drop_off))

    # The whole window goes to sign in and comes back to the page, not to the fragment.
    assert polled.status_code == 200
    assert polled["HX-Redirect"] == reverse("account_login") + "?" + urlencode({"next": page})
    assert plain.status_code == 302 and plain["Location"].startswith(reverse("account_login"))


def test_a_foreign_current_url_is_not_where_sign_in_leads(client, drop_off):
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "https://evil.example/x"}

    polled = client.get(url("status", drop_off), **headers)

    assert "evil.example" not in polled["HX-Redirect"]
    assert polled["HX-Redirect"].startswith(reverse("account_login"))
