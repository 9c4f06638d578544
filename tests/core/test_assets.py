"""The site's icon and web manifest, and an admin that asks no third party for avatars."""

import json

import pytest
from bs4 import BeautifulSoup
from django.conf import settings as django_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def static_served(settings):
    # Tests do not collect static files: let WhiteNoise serve them from the finders.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


def _head_links(response):
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    return {" ".join(link["rel"]): link["href"] for link in soup.head.find_all("link")}


def test_the_favicon_is_an_svg(client, static_served):
    response = client.get("/static/favicon.svg")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(response.streaming_content)


def test_browsers_default_favicon_request_finds_the_icon(client, static_served):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
    assert client.get(response["Location"]).status_code == 200


def test_the_web_manifest_names_the_site_and_its_icons(client, static_served):
    response = client.get("/static/site.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(b"".join(response.streaming_content))
    assert manifest["name"] == "Returns Hub"
    assert manifest["short_name"]
    assert manifest["theme_color"] == "#0b5cad"  # --accent in static/css/site.css
    sizes = {icon["sizes"]: icon for icon in manifest["icons"]}
    assert {"any", "192x192", "512x512"} <= sizes.keys()
    for icon in manifest["icons"]:  # each icon, relative to the manifest, is served
        icon_response = client.get(f"/static/{icon['src']}")
        assert icon_response.status_code == 200, icon["src"]
        assert icon_response["Content-Type"].startswith(icon["type"])


def test_the_theme_colour_is_the_sites_accent():
    css = (django_settings.BASE_DIR / "static" / "css" / "site.css").read_text()

    assert "--accent: #0b5cad;" in css


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/fr/"])
def test_every_page_links_the_icon_and_the_manifest(client, site_tree, path):
    response = client.get(path)

    assert response.status_code == 200
    links = _head_links(response)
    assert links["icon"] == "/static/favicon.svg"
    assert links["manifest"] == "/static/site.webmanifest"
    assert links["apple-touch-icon"] == "/static/apple-touch-icon.png"


def test_gravatar_is_turned_off():
    assert django_settings.WAGTAIL_GRAVATAR_PROVIDER_URL is None


def test_the_admin_shows_its_default_avatar_without_gravatar(client, site_tree, staff_with_totp):
    client.force_login(staff_with_totp)

    response = client.get("/admin/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "gravatar.com" not in html
    assert "wagtailadmin/images/default-user-avatar" in html
