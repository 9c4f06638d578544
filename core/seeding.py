"""The site tree: one home page per locale."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import Collection, Locale, Page, Site

from .localization import publish_translation
from .models import HomePage
from .public_url import site_address

HOME_EN = {
    "title": "Returns, made simple",
    "intro": "Read our return policies, find answers in the help center, "
    "and start or follow a return in a minute.",
}
HOME_TRANSLATIONS = {
    "fr": {
        "Returns, made simple": "Les retours, en toute simplicité",
        HOME_EN["intro"]: "Consultez nos politiques de retour, trouvez des réponses dans le "
        "centre d'aide, et lancez ou suivez un retour en une minute.",
    },
    "de": {
        "Returns, made simple": "Rücksendungen – ganz einfach",
        HOME_EN["intro"]: "Lesen Sie unsere Rückgaberichtlinien, finden Sie Antworten im "
        "Hilfe-Center und starten oder verfolgen Sie eine Rücksendung in einer Minute.",
    },
}


def ensure_locales() -> dict[str, Locale]:
    return {
        code: Locale.objects.get_or_create(language_code=code)[0] for code, _ in settings.LANGUAGES
    }


def ensure_tree_roots() -> Page:
    """The page and collection roots Wagtail's migrations create; a database
    flushed since (as browser tests do between tests) no longer has them."""
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(
            instance=Page(
                title="Root", slug="root", content_type=ContentType.objects.get_for_model(Page)
            )
        )
    return root


@transaction.atomic
def seed_site() -> HomePage:
    locales = ensure_locales()
    root = ensure_tree_roots()
    home = HomePage.objects.filter(locale=locales["en"], depth=2).first()
    if home is None:
        # Wagtail's initial "Welcome" page (and the site on it) is replaced.
        Page.objects.filter(depth=2).not_type(HomePage).delete()
        home = HomePage(slug="home", locale=locales["en"], **HOME_EN)
        root.add_child(instance=home)
        home.save_revision().publish()
    hostname, port = site_address()
    site, _ = Site.objects.get_or_create(
        is_default_site=True,
        defaults={"hostname": hostname, "port": port, "root_page": home},
    )
    wanted = (home.pk, "Returns Hub", hostname, port)
    if (site.root_page_id, site.site_name, site.hostname, site.port) != wanted:
        # The site answers as SITE_URL: canonical links, hreflang and the sitemap use it.
        site.root_page = home
        site.site_name = "Returns Hub"
        site.hostname, site.port = hostname, port
        site.save()
    for code, strings in HOME_TRANSLATIONS.items():
        if not home.has_translation(locales[code]):
            publish_translation(home, code, strings)
    return home
