"""Items grouped by seller, with the seller's name and each item's product image (or
its placeholder): the return wizard's items step, My orders and the withdrawal's
choice of items, within their query budgets."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from marketplace import product_images
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory


@pytest.fixture(autouse=True)
def english():
    translation.activate("en")
    yield
    translation.activate("en")


def png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (300, 200), "#55613a").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def order(policies, reasons, buyer):
    """Three lines of two sellers, interleaved: Maison Durand's, then Atelier
    Lumière's, then Maison Durand's again (with a kept image)."""
    placed = timezone.now() - timedelta(days=6)
    order = OrderFactory(buyer=buyer, placed_at=placed, payment_amount=Decimal("240.00"))
    durand = SellerFactory(reference="maison-durand", name="Maison Durand")
    lumiere = SellerFactory(reference="atelier-lumiere", name="Atelier Lumière")
    OrderLineFactory(order=order, reference="A", seller=durand, title="Oxford shirt")
    OrderLineFactory(order=order, reference="B", seller=lumiere, title="Arc lamp")
    jacket = OrderLineFactory(order=order, reference="C", seller=durand, title="Field jacket")
    product_images.store(jacket, product_images.thumbnail(png()))
    return order


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


def sections(html: str) -> list[tuple[str, list[str]]]:
    """(seller heading, product titles under it), in page order."""
    found = []
    for part in re.split(r'<h[24] class="seller-title"[^>]*>', html)[1:]:
        heading = part.split("</h", 1)[0]
        titles = re.findall(r"(Oxford shirt|Arc lamp|Field jacket)", part)
        found.append((heading, list(dict.fromkeys(titles))))
    return found


def items_step(client, order):
    response = client.post(reverse("return_portal:start", args=[order.public_id]))
    assert response.status_code == 302
    return response["Location"]


def test_the_items_step_lists_the_items_under_their_sellers_name(signed_in, order):
    html = signed_in.get(items_step(signed_in, order)).content.decode()

    assert sections(html) == [
        ("Sold by Maison Durand", ["Oxford shirt", "Field jacket"]),
        ("Sold by Atelier Lumière", ["Arc lamp"]),
    ]
    # Told before choosing, not only as an error after.
    assert "These items come from different sellers" in html
    # Each group is a region named by its heading; the items are level 3 below it.
    assert 'aria-labelledby="seller-group-1"' in html and 'id="seller-group-1"' in html
    assert html.count('<h3 class="line-title"') == 3


def test_the_items_step_shows_each_items_image_or_its_placeholder(signed_in, order):
    html = signed_in.get(items_step(signed_in, order)).content.decode()

    jacket = order.lines.get(reference="C")
    src = reverse("return_portal:line_image", args=[order.public_id, "C"])
    assert f'src="{src}?v=' in html and jacket.image.name.split("/")[-1][:-5] in html
    assert re.search(r'<img class="line-thumb"[^>]*width="56" height="56" alt=""', html)
    # The others: a tile with the product's initial, hidden from assistive technology.
    placeholders = re.findall(r'<svg class="line-thumb line-thumb-placeholder".*?</svg>', html)
    assert len(placeholders) == 2
    assert all('aria-hidden="true"' in svg and 'width="56"' in svg for svg in placeholders)
    assert [re.search(r">(\w)</text>", svg).group(1) for svg in placeholders] == ["O", "A"]


def test_one_sellers_order_says_nothing_of_different_sellers(signed_in, policies, reasons, buyer):
    order = OrderFactory(buyer=buyer)
    OrderLineFactory(order=order, reference="A", title="Oxford shirt")
    html = signed_in.get(items_step(signed_in, order)).content.decode()

    assert len(sections(html)) == 1
    assert "different sellers" not in html


def test_the_items_step_keeps_its_query_budget(signed_in, order, django_assert_max_num_queries):
    for reference in ("D", "E", "F", "G"):
        OrderLineFactory(order=order, reference=reference, seller=SellerFactory())
    url = items_step(signed_in, order)

    with django_assert_max_num_queries(10):
        response = signed_in.get(url)

    assert len(sections(response.content.decode())) == 6


def test_my_orders_groups_each_orders_lines_by_seller_with_images(
    signed_in, order, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = signed_in.get(reverse("return_portal:orders"))

    html = response.content.decode()
    assert sections(html) == [
        ("Sold by Maison Durand", ["Oxford shirt", "Field jacket"]),
        ("Sold by Atelier Lumière", ["Arc lamp"]),
    ]
    assert html.count('class="line-thumb') == 3
    assert reverse("return_portal:line_image", args=[order.public_id, "C"]) in html


def test_the_withdrawal_shows_each_items_image_under_its_seller(signed_in, order):
    response = signed_in.get(reverse("return_portal:withdraw", args=[order.public_id]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Sold by Maison Durand" in html and "Sold by Atelier Lumière" in html
    assert html.count('class="line-thumb') == 3
