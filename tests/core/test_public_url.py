"""One public base URL (SITE_URL) drives Wagtail's site, hence canonical links,
hreflang and the sitemap, and every link in a buyer's email."""

import pytest
from django.urls import reverse
from wagtail.models import Site

from core.public_url import public_url, site_address
from core.seeding import seed_site

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url, address",
    [
        ("https://returns.example.com", ("returns.example.com", 443)),
        ("http://127.0.0.1:8123", ("127.0.0.1", 8123)),
        ("http://shop.example", ("shop.example", 80)),
    ],
)
def test_the_site_address_is_read_from_site_url(settings, url, address):
    settings.SITE_URL = url
    assert site_address() == address


def test_seeding_makes_the_default_site_answer_as_site_url(settings, client):
    settings.SITE_URL = "https://returns.example.com"
    home = seed_site()
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("returns.example.com", 443)
    assert home.get_full_url() == "https://returns.example.com/"
    # A site seeded earlier under another address follows a new SITE_URL.
    settings.SITE_URL = "http://127.0.0.1:8123"
    seed_site()
    assert Site.objects.get(is_default_site=True).root_url == "http://127.0.0.1:8123"
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://127.0.0.1:8123/</loc>" in sitemap


def test_buyer_email_links_start_with_site_url(settings):
    from return_portal import notifications
    from tests.return_portal.factories import ReturnRequestFactory

    settings.SITE_URL = "https://returns.example.com"
    return_request = ReturnRequestFactory()
    assert notifications.detail_url(return_request) == (
        "https://returns.example.com"
        + reverse("return_portal:detail", args=[return_request.public_id])
    )
    assert public_url("/returns/") == "https://returns.example.com/returns/"
