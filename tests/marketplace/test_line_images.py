"""Product images: intake takes an optional image address per line, the hub fetches
it once from a real HTTP server (here, one on 127.0.0.1 in a thread, serving a PNG
drawn by Pillow), keeps a small WebP in the private storage and serves it to the
order's buyer only; what it must not fetch (its own network in production, other
schemes, too large, not an image) it refuses, and pages draw a placeholder."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

from marketplace import product_images
from marketplace.demo_images import DEMO_IMAGES, seed_line_images
from marketplace.models import OrderLine
from marketplace.tasks import sweep_line_images
from tests.marketplace.conftest import api, api_token  # fixtures
from tests.marketplace.factories import LinePayloadFactory, OrderLineFactory, OrderPayloadFactory

__all__ = ["api", "api_token"]

URL = "/api/v1/orders"


def png(width=800, height=600, colour="#2f5d8a") -> bytes:
    out = BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


class _Images(BaseHTTPRequestHandler):
    routes: dict = {}
    hits: list = []

    def do_GET(self):  # http.server calls it by this name
        self.hits.append(self.path)
        status, headers, body = self.routes.get(self.path, (404, {}, b"missing"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def image_server():
    """A real HTTP server on 127.0.0.1 serving a generated PNG and a few bad answers."""
    picture = png()
    _Images.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    _Images.routes = {
        "/shirt.png": (200, {"Content-Type": "image/png"}, picture),
        "/page.html": (200, {"Content-Type": "text/html"}, b"<html></html>"),
        "/fake.png": (200, {"Content-Type": "image/png"}, b"not an image at all"),
        "/moved": (302, {"Location": "/shirt.png"}, b""),
        "/to-file": (302, {"Location": "file:///etc/passwd"}, b""),
    }
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base, server.picture = base, picture
    yield server
    server.shutdown()
    server.server_close()


def order_with_image(image_url, **line):
    return OrderPayloadFactory(lines=[LinePayloadFactory(image_url=image_url, **line)])


def in_production(settings):
    settings.PRODUCT_IMAGES_ALLOW_PRIVATE_ADDRESSES = False
    settings.DEBUG = False


# --- fetching ------------------------------------------------------------------------------


def test_fetch_reads_the_image_a_real_server_sends(image_server):
    assert product_images.fetch(image_server.base + "/shirt.png") == image_server.picture


def test_fetch_follows_a_redirect_to_another_image_address(image_server):
    assert product_images.fetch(image_server.base + "/moved") == image_server.picture


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/page.html", "not an image"),
        ("/missing", "fetch failed"),
        ("/to-file", "not allowed|refused"),
    ],
)
def test_fetch_refuses_what_is_not_an_image_over_http(image_server, path, why):
    with pytest.raises(product_images.ImageError, match=why):
        product_images.fetch(image_server.base + path)


def test_fetch_stops_reading_past_its_byte_limit(image_server):
    with pytest.raises(product_images.ImageError, match="too large"):
        product_images.fetch(image_server.base + "/shirt.png", max_bytes=1000)


def test_in_production_the_hubs_own_network_is_never_fetched(image_server, settings):
    in_production(settings)
    for url in (
        image_server.base.replace("http:", "https:") + "/shirt.png",
        "https://localhost/shirt.png",
        "https://10.0.0.8/shirt.png",
        "https://169.254.169.254/latest/meta-data",
    ):
        with pytest.raises(product_images.ImageError, match="refused"):
            product_images.fetch(url)
    assert _Images.hits == []


def test_the_thumbnail_is_a_small_square_webp_checked_by_content():
    small = Image.open(BytesIO(product_images.thumbnail(png(1200, 600))))
    assert (small.format, small.size) == ("WEBP", (400, 400))
    # The product is centred on the square, never stretched: the top band is padding.
    assert small.convert("RGB").getpixel((200, 10)) == (255, 255, 255)
    with pytest.raises(product_images.ImageError):
        product_images.thumbnail(b"GIF89a not really")


# --- intake --------------------------------------------------------------------------------


def test_intake_takes_an_image_address_and_keeps_the_image_privately(
    policies, api, image_server, django_capture_on_commit_callbacks
):
    url = image_server.base + "/shirt.png"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, order_with_image(url, reference="1"))

    assert response.status_code == 201, response.json()
    line = OrderLine.objects.get(order__reference=response.json()["reference"])
    assert line.image_url == url
    assert line.image.name.startswith("line-images/") and line.image.name.endswith(".webp")
    stored = Path(settings.PRIVATE_MEDIA_ROOT) / line.image.name
    assert stored.is_file() and not str(stored).startswith(str(settings.MEDIA_ROOT))
    assert Image.open(stored).size == (400, 400)


def test_a_line_without_an_image_address_is_taken_as_before(policies, api):
    response = api.post(URL, OrderPayloadFactory())

    assert response.status_code == 201, response.json()
    line = OrderLine.objects.get(order__reference=response.json()["reference"])
    assert (line.image_url, line.image.name) == ("", "")


@pytest.mark.parametrize(
    ("image_url", "code"),
    [
        ("ftp://example.com/a.png", "invalid"),
        ("javascript:alert(1)", "invalid"),
        ("https://example.com/" + "a" * 2000, "invalid"),
        ("https://example.com/\x00.png", "invalid"),
        (42, "invalid"),
        ("https://exa mple.com/a.png", "invalid"),
        ("https://-/a.png", "constraint"),
        ("http://example.com/a.png", "constraint"),
        ("https://127.0.0.1/a.png", "constraint"),
        ("https://user:secret@example.com/a.png", "constraint"),
    ],
)
def test_a_bad_image_address_is_refused_at_its_field(policies, api, settings, image_url, code):
    in_production(settings)
    response = api.post(URL, order_with_image(image_url))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code, body
    assert list(body["errors"]) == ["lines[0].image_url"], body
    assert not OrderLine.objects.exists()


def test_https_addresses_are_taken_in_production(policies, api, settings):
    in_production(settings)
    response = api.post(URL, order_with_image("https://cdn.example.com/p/shirt.jpg"))

    assert response.status_code == 201, response.json()


# --- when the fetch cannot happen at intake ------------------------------------------------


def test_beat_fetches_the_images_intake_could_not(policies, image_server):
    """The broker was down at commit (nothing queued): the sweep fetches it."""
    line = OrderLineFactory(image_url=image_server.base + "/shirt.png")

    assert sweep_line_images() == 1

    line.refresh_from_db()
    assert line.image.name.endswith(".webp")
    assert sweep_line_images() == 0  # kept: not fetched again
    assert _Images.hits == ["/shirt.png"]


def test_a_failing_address_is_tried_a_few_times_then_left_to_the_placeholder(
    policies, image_server
):
    line = OrderLineFactory(image_url=image_server.base + "/fake.png")

    for _attempt in range(product_images.MAX_ATTEMPTS + 2):
        sweep_line_images()

    line.refresh_from_db()
    assert (line.image.name, line.image_attempts) == ("", product_images.MAX_ATTEMPTS)
    assert len(_Images.hits) == product_images.MAX_ATTEMPTS


# --- serving -------------------------------------------------------------------------------


@pytest.fixture
def line_with_image(policies, buyer):
    line = OrderLineFactory(order__buyer=buyer, reference="A-1", title="Oxford shirt")
    product_images.store(line, product_images.thumbnail(png()))
    return line


def image_url_of(line):
    return reverse("return_portal:line_image", args=[line.order.public_id, line.reference])


def test_the_buyer_gets_the_kept_image_with_private_caching(client, buyer, line_with_image):
    client.force_login(buyer)
    response = client.get(image_url_of(line_with_image))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "private, max-age=86400"
    assert Image.open(BytesIO(b"".join(response.streaming_content))).format == "WEBP"


def test_another_buyer_and_a_visitor_do_not(client, other_buyer, line_with_image):
    assert client.get(image_url_of(line_with_image)).status_code == 302  # to sign in
    client.force_login(other_buyer)
    assert client.get(image_url_of(line_with_image)).status_code == 404


def test_a_line_without_an_image_answers_the_placeholder(client, buyer, policies):
    line = OrderLineFactory(order__buyer=buyer, title="derby shoes")
    client.force_login(buyer)
    response = client.get(image_url_of(line))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b">D</text>" in response.content


@pytest.mark.parametrize("reference", ["NOPE", "A%00", "x" * 300])
def test_an_unknown_or_malformed_line_is_a_404(client, buyer, line_with_image, reference):
    client.force_login(buyer)
    url = image_url_of(line_with_image).replace("/A-1/", f"/{reference}/")
    # A NUL never reaches the lookup: the site answers 400 before any view.
    assert client.get(url).status_code == (400 if "%00" in reference else 404)


# --- the demo ------------------------------------------------------------------------------


def test_the_demo_draws_its_images_without_the_network(policies):
    from policy_pages.demo_orders import seed_demo_orders

    seed_demo_orders()

    assert seed_line_images() == len(DEMO_IMAGES)
    drawn = OrderLine.objects.exclude(image="")
    assert {line.sku for line in drawn} == set(DEMO_IMAGES)
    assert not OrderLine.objects.exclude(image_url="").exists()  # no outside address
    assert all((Path(settings.PRIVATE_MEDIA_ROOT) / line.image.name).is_file() for line in drawn)
    assert seed_line_images() == 0  # idempotent
