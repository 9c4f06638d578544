"""The carrier-style label and the packing slip: what they say, where, and that
nothing overlaps; the barcode carries the tracking number; the buyer and staff
download them."""

import re
from itertools import combinations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import translation

from marketplace.models import Order
from return_portal import carriers, labels, lifecycle, packing_slip
from return_portal.carriers import LabelRequest, LocalCarrier
from return_portal.models import ReturnRequest
from return_portal.seeding import seed_staff_permissions
from tests.factories import StaffUserFactory
from tests.return_portal.test_detail import (  # noqa: F401 (fixtures)
    make_return,
    order,
    signed_in,
)

PT = 72 / 25.4  # points per mm
TEXT = re.compile(rb"BT ([\d.]+) ([\d.]+) Td \((.*?)\) Tj ET")
RECT = re.compile(rb"([\d.]+) ([\d.]+) ([\d.]+) -([\d.]+) re f")
LONG_NAME = "Atelier Lumière et Compagnie des Grands Magasins Réunis de la Rive Gauche"
LONG_ADDRESS = ", ".join(f"Bâtiment {n}, escalier {n}, porte {n}" for n in range(1, 12))
SHIPPED_TO = {
    "shipping_name": "Camille Martin",
    "shipping_line1": "4 rue Oberkampf",
    "shipping_line2": "Bâtiment B, 3e étage",
    "shipping_postal_code": "75011",
    "shipping_city": "Paris",
    "shipping_country": "FR",
}
# What the order's address prints as: name, two street lines, town, country.
SENDER = ["Camille Martin", "4 rue Oberkampf", "Bâtiment B, 3e étage", "75011 Paris", "FRANCE"]


def render(**changes):
    placed = labels.Placed()
    values = {
        "rma": "RMA-ABCD2345",
        "order_reference": "F-1",
        "return_to": "\n".join(
            labels.address_lines(
                "Maison Durand", "Maison Durand, 12 rue des Lilas, 69003 Lyon, France"
            )
        ),
        "sender": "Camille Martin\ncamille@example.com",
        "qr": labels.qr_payload("RMA-ABCD2345"),
        "tracking": "RHABCD2345K",
        "compress": False,
        "unicode_font": False,
        "placed": placed,
    }
    values.update(changes)
    return labels.prepaid_label_pdf(**values), placed


def texts(pdf: bytes) -> list[tuple[float, float, str]]:
    """Each text drawn: x and baseline y from the top, in mm, and the text."""
    return [
        (float(x) / PT, labels.A6[1] - float(y) / PT, value.decode("latin-1"))
        for x, y, value in TEXT.findall(pdf)
    ]


def bars(pdf: bytes) -> list[tuple[float, float, float, float]]:
    """Each filled rectangle (a bar): x, top, width, height in mm."""
    return [
        (float(x) / PT, labels.A6[1] - float(y) / PT, float(w) / PT, float(h) / PT)
        for x, y, w, h in RECT.findall(pdf)
    ]


def inside(box, x, y) -> bool:
    return box.x - 0.01 <= x <= box.right + 0.01 and box.y - 0.01 <= y <= box.bottom + 0.01


def test_the_returns_address_says_the_sellers_name_once():
    assert labels.address_lines("Maison Durand", "Maison Durand, 12 rue des Lilas, Lyon") == [
        "Maison Durand",
        "12 rue des Lilas",
        "Lyon",
    ]
    assert labels.address_lines("Maison Durand", "maison durand\n12 rue des Lilas") == [
        "Maison Durand",
        "12 rue des Lilas",
    ]
    assert labels.address_lines(
        "Maison Durand", "Maison Durand, 1 rue X, Lyon", split_commas=False
    ) == [
        "Maison Durand",
        "1 rue X, Lyon",
    ]
    assert labels.address_lines("Nordlicht", "Hafenstraße 4, Hamburg") == [
        "Nordlicht",
        "Hafenstraße 4",
        "Hamburg",
    ]

    pdf, _placed = render()

    shown = [value for _x, _y, value in texts(pdf)]
    assert shown.count("Maison Durand") == 1
    assert "RETURN TO" in shown and "FROM" in shown


def test_the_label_shows_sender_seller_rma_tracking_and_qr():
    pdf, _placed = render()

    shown = [value for _x, _y, value in texts(pdf)]
    assert {"Camille Martin", "camille@example.com", "12 rue des Lilas", "69003 Lyon"} <= set(shown)
    assert "RMA-ABCD2345" in shown and "Order F-1" in shown
    assert "Tracking RHABCD2345K" in shown
    assert shown[-1] == "RHABCD2345K"  # under the barcode
    assert b"/Subtype /Image" in pdf  # the QR code


def test_the_sender_is_the_orders_shipping_address_else_the_buyer(settings):
    settings.LANGUAGE_CODE = "en"
    address = Order(**SHIPPED_TO).sender_lines

    assert address == SENDER
    assert labels.sender_lines(address, name="Camille", email="c@example.com") == SENDER
    assert Order().sender_lines == []
    assert labels.sender_lines([], name=" Camille ", email="c@example.com") == [
        "Camille",
        "c@example.com",
    ]
    assert labels.sender_lines([], email="c@example.com") == ["c@example.com"]
    british = {
        **SHIPPED_TO,
        "shipping_line2": "",
        "shipping_postal_code": "SW1A 1AA",
        "shipping_city": "London",
        "shipping_country": "GB",
    }
    assert Order(**british).sender_lines[2:] == [
        "London",
        "SW1A 1AA",
        "UNITED KINGDOM",
    ]


@pytest.mark.parametrize(
    "return_to, sender",
    [
        ("Maison Durand\n12 rue des Lilas", "Camille\nc@example.com"),
        ("Maison Durand\n12 rue des Lilas\n69003 Lyon\nFrance", "order"),
        (LONG_NAME + "\n" + LONG_ADDRESS.replace(", ", "\n"), (LONG_NAME + "\n") * 8),
    ],
    ids=["short", "postal-address", "long"],
)
def test_nothing_on_the_label_overlaps_and_everything_is_inside_its_box(return_to, sender):
    if sender == "order":  # the sender as the portal gives it: the order's address
        with translation.override("en"):
            sender = "\n".join(labels.sender_lines(Order(**SHIPPED_TO).sender_lines))
        assert sender.splitlines() == SENDER
    pdf, placed = render(return_to=return_to, sender=sender)

    page = labels.Box("page", 0, 0, *labels.A6)
    margin = labels.MARGIN
    for box in placed.boxes:
        assert box.x >= margin and box.y >= margin, box
        assert box.right <= page.w - margin and box.bottom <= page.h - margin, box
    for first, second in combinations(placed.boxes, 2):
        assert not first.intersects(second), (first, second)
    boxes = {box.name: box for box in placed.boxes}
    # Every text's baseline lies in one of the boxes, in order down the page.
    for x, y, value in texts(pdf):
        assert any(inside(box, x, y) for box in placed.boxes), (value, x, y)
    # The bars are the barcode's, inside its box; the QR image inside its box.
    assert bars(pdf)
    for x, top, width, height in bars(pdf):
        assert inside(boxes["barcode"], x, top) and inside(
            boxes["barcode"], x + width, top + height
        )
    qr = re.search(rb"q ([\d.]+) 0 0 ([\d.]+) ([\d.]+) ([\d.]+) cm /I1 Do Q", pdf)
    size, x = float(qr.group(1)) / PT, float(qr.group(3)) / PT
    bottom = labels.A6[1] - float(qr.group(4)) / PT
    assert inside(boxes["qr"], x, bottom - size) and inside(boxes["qr"], x + size, bottom)
    # The sender's lines are all shown, in its box, whole and in order, when they fit.
    shown = [(y, value) for x, y, value in texts(pdf) if inside(boxes["sender"], x, y)]
    if len(sender.splitlines()) <= 6:
        assert [value for _y, value in shown] == ["FROM", *sender.splitlines()]


def test_the_label_shows_the_postal_address_of_the_order_as_sender(settings):
    settings.LANGUAGE_CODE = "en"
    sender = "\n".join(labels.sender_lines(Order(**SHIPPED_TO).sender_lines, email="c@x.example"))

    pdf, placed = render(sender=sender)

    box = {b.name: b for b in placed.boxes}["sender"]
    shown = [value for x, y, value in texts(pdf) if inside(box, x, y)]
    assert shown == ["FROM", *SENDER]
    assert "c@x.example" not in [value for _x, _y, value in texts(pdf)]


def test_long_addresses_shrink_and_stay_in_their_box():
    pdf, placed = render(return_to=LONG_NAME + "\n" + LONG_ADDRESS.replace(", ", "\n"))

    box = {b.name: b for b in placed.boxes}["return_to"]
    lines = [(x, y) for x, y, value in texts(pdf) if value.startswith(("Atelier", "Bât"))]
    assert lines and all(inside(box, x, y) for x, y in lines)


def modules_drawn(pdf: bytes) -> str:
    """The barcode read back from its bars: "1" per bar module, "0" per space."""
    drawn = sorted(bars(pdf))
    width = min(w for _x, _t, w, _h in drawn)
    start = drawn[0][0]
    modules = []
    for x, _top, w, _height in drawn:
        offset = round((x - start) / width)
        modules.extend("0" * (offset - len(modules)))
        modules.extend("1" * round(w / width))
    return "".join(modules)


def test_the_barcode_is_code_128_of_the_tracking_number():
    # No barcode decoder is installed: the bars drawn are read back into modules
    # and compared with python-barcode's own Code 128 encoding of the number.
    pdf, placed = render(tracking="RHABCD2345K")

    assert placed.barcode_value == "RHABCD2345K"
    assert modules_drawn(pdf) == labels.code128_modules("RHABCD2345K")
    assert modules_drawn(pdf) != labels.code128_modules("RMA-ABCD2345")


def test_without_a_tracking_number_the_barcode_carries_the_rma():
    pdf, placed = render(tracking="")

    assert placed.barcode_value == "RMA-ABCD2345"
    assert modules_drawn(pdf) == labels.code128_modules("RMA-ABCD2345")
    assert "Tracking" not in " ".join(value for _x, _y, value in texts(pdf))


def test_the_local_carrier_issues_one_checked_number_per_rma():
    carrier = LocalCarrier()
    first = carrier.issue(LabelRequest("RMA-ABCD2345", "F-1", "maison-durand"))

    assert first == carrier.issue(LabelRequest("RMA-ABCD2345", "F-2", "other"))
    assert re.fullmatch(r"RHABCD2345[0-9A-Z]", first)
    assert carriers.valid(first)
    assert not carriers.valid(first[:-1] + ("0" if first[-1] != "0" else "1"))
    assert not carriers.valid("RHABCD2354" + first[-1])  # two characters swapped
    assert carrier.issue(LabelRequest("RMA-ABCD2346", "F-1", "")) != first


def test_the_packing_slip_lists_each_item():
    pdf = packing_slip.packing_slip_pdf(
        rma="RMA-ABCD2345",
        order_reference="F-1",
        seller="Maison Durand",
        items=[
            packing_slip.SlipItem("Oxford shirt", "SKU-OX-1", 2),
            packing_slip.SlipItem("Linen trousers", "SKU-LT-9", 1),
        ],
        compress=False,
        unicode_font=False,
    )

    shown = [value.decode("latin-1") for _x, _y, value in TEXT.findall(pdf)]
    assert "Packing slip RMA-ABCD2345" in shown
    for expected in ("Oxford shirt", "SKU-OX-1", "2", "Linen trousers", "SKU-LT-9", "1"):
        assert expected in shown
    assert shown.index("Oxford shirt") < shown.index("SKU-OX-1") < shown.index("Linen trousers")


# --- the portal and the admin ---------------------------------------------------------


@pytest.fixture
def prepaid(order, buyer):  # noqa: F811
    return make_return(buyer, order, "prepaid_label")


def test_approval_issues_the_local_carriers_tracking_number(prepaid):
    stored = ReturnRequest.objects.get(pk=prepaid.pk)

    assert stored.carrier == "local"
    assert stored.carrier_tracking == "RH" + stored.rma.removeprefix("RMA-") + (
        carriers.check_character("RH" + stored.rma.removeprefix("RMA-"))
    )
    assert prepaid.carrier_tracking == stored.carrier_tracking  # the caller's object follows


def test_a_drop_off_return_gets_no_tracking_number(order, buyer):  # noqa: F811
    drop_off = make_return(buyer, order, "drop_off")

    assert ReturnRequest.objects.get(pk=drop_off.pk).carrier_tracking == ""


def test_the_buyer_downloads_the_label_with_the_tracking_barcode(signed_in, prepaid):  # noqa: F811
    detail = signed_in.get(reverse("return_portal:detail", args=[prepaid.public_id]))
    slip_url = reverse("return_portal:packing_slip", args=[prepaid.public_id])
    assert slip_url in detail.content.decode()
    assert prepaid.carrier_tracking in detail.content.decode()

    response = signed_in.get(reverse("return_portal:label", args=[prepaid.public_id]))
    assert response.status_code == 200
    assert prepaid.carrier_tracking.encode() in response.content  # the subject


@pytest.mark.parametrize("shipped_to", [True, False], ids=["address", "none"])
def test_the_downloaded_label_is_sent_from_the_orders_address(
    signed_in,  # noqa: F811
    prepaid,
    buyer,
    monkeypatch,
    shipped_to,
):
    if shipped_to:
        Order.objects.filter(pk=prepaid.order_id).update(**SHIPPED_TO)
    drawn = {}
    render = labels.prepaid_label_pdf

    def spy(**values):
        drawn.update(values)
        return render(**values)

    monkeypatch.setattr(labels, "prepaid_label_pdf", spy)

    with translation.override("en"):
        response = signed_in.get(
            reverse("return_portal:label", args=[prepaid.public_id]), HTTP_ACCEPT_LANGUAGE="en"
        )

    assert response.status_code == 200
    name = buyer.get_full_name()
    expected = (
        SENDER if shipped_to else [part for part in (name, prepaid.order.buyer_email) if part]
    )
    assert drawn["sender"].splitlines() == expected


def test_the_buyer_downloads_the_packing_slip_and_no_one_else(
    signed_in,  # noqa: F811
    prepaid,
    other_buyer,
):
    response = signed_in.get(reverse("return_portal:packing_slip", args=[prepaid.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].endswith(f'{prepaid.rma}-packing-slip.pdf"')

    signed_in.force_login(other_buyer)
    assert (
        signed_in.get(reverse("return_portal:packing_slip", args=[prepaid.public_id])).status_code
        == 404
    )


@pytest.fixture
def staff_client(policies):
    seed_staff_permissions()
    user = StaffUserFactory(with_totp=True)
    user.groups.add(Group.objects.get(name="Returns staff"))
    client = Client()
    client.force_login(user)
    return client


def test_the_staff_detail_links_the_packing_slip(staff_client, prepaid):
    url = reverse("returns:packing_slip", args=[prepaid.pk])

    page = staff_client.get(reverse("returns:inspect", args=[prepaid.pk]))
    assert url in page.content.decode()
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_a_cancelled_return_has_no_packing_slip(signed_in, prepaid, buyer):  # noqa: F811
    lifecycle.cancel(prepaid, actor=buyer)

    url = reverse("return_portal:packing_slip", args=[prepaid.public_id])
    assert signed_in.get(url).status_code == 404


def test_an_own_carrier_address_names_the_seller_once(signed_in, order, buyer):  # noqa: F811
    own = make_return(buyer, order, "drop_off")
    ReturnRequest.objects.filter(pk=own.pk).update(shipping_method="own_carrier")
    seller = own.lines.get().order_line.seller
    seller.returns_address = f"{seller.name}, 12 rue des Lilas, 69003 Lyon"
    seller.save()

    html = signed_in.get(reverse("return_portal:detail", args=[own.public_id])).content.decode()

    address = html.split("<address>")[1].split("</address>")[0]
    assert address == f"{seller.name}<br>12 rue des Lilas, 69003 Lyon"
