import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "lang", "title"),
    [
        ("/", "en", "Returns, made simple"),
        ("/fr/", "fr", "Les retours, en toute simplicité"),
        ("/de/", "de", "Rücksendungen – ganz einfach"),
    ],
)
def test_home_page_is_served_in_each_language(client, site_tree, url, lang, title):
    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    assert title in html


def test_base_template_has_skip_link_landmarks_and_htmx_with_csrf(client, site_tree):
    html = client.get("/").content.decode()

    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html
    assert "<header" in html and "<footer" in html
    assert 'aria-label="Main"' in html
    assert "X-CSRFToken" in html and "hx-headers" in html
    # htmx is served locally by django-htmx, never from a CDN.
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "cdn" not in html.lower()


def test_header_nav_offers_login_to_visitors_and_account_to_buyers(client, site_tree, buyer):
    assert reverse("account_login") + "?next=/" in client.get("/").content.decode()

    client.force_login(buyer)
    html = client.get("/").content.decode()
    assert "My account" in html and "Log out" in html


def test_language_switcher_points_to_the_translation_of_the_page(client, site_tree):
    html = client.get("/fr/").content.decode()

    assert 'href="/" hreflang="en"' in html
    assert 'href="/de/" hreflang="de"' in html
    assert 'href="/fr/" hreflang="fr" lang="fr" aria-current="true"' in html


def test_language_switcher_on_a_django_view_keeps_the_same_view(client, site_tree):
    html = client.get("/fr/accounts/login/").content.decode()

    assert 'href="/accounts/login/" hreflang="en"' in html
    assert 'href="/de/accounts/login/" hreflang="de"' in html


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/no-such-page/", "Page not found"),
        ("/fr/pas-de-page/", "Page introuvable"),
        ("/de/keine-seite/", "Seite nicht gefunden"),
        ("/xx/", "Page not found"),
        ("/zz/accounts/login/", "Page not found"),
    ],
)
def test_unknown_paths_and_language_prefixes_give_a_translated_404(
    client, site_tree, url, expected
):
    response = client.get(url)

    assert response.status_code == 404
    assert expected in response.content.decode()


def test_500_page_is_translated(rf, settings):
    from django.utils import translation
    from django.views.defaults import server_error

    with translation.override("fr"):
        response = server_error(rf.get("/fr/"))

    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()


def test_django_admin_is_not_installed(client, site_tree):
    from django.conf import settings

    assert "django.contrib.admin" not in settings.INSTALLED_APPS
    assert client.get("/django-admin/").status_code == 404


def test_health_endpoint_checks_the_database(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_stylesheet_is_served_locally(client, site_tree):
    html = client.get("/").content.decode()
    assert "/static/css/site.css" in html
