from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import translation
from wagtail.models import Page

register = template.Library()


def _page_translation_urls(page: Page) -> dict[str, str]:
    urls = {}
    for translated in page.get_translations(inclusive=True).live().select_related("locale"):
        url = translated.get_url()
        if url:
            urls[translated.locale.language_code] = url
    return urls


def _locale_home_urls() -> dict[str, str]:
    homes = Page.objects.live().filter(depth=2).select_related("locale")
    return {home.locale.language_code: home.get_url() for home in homes if home.get_url()}


@register.inclusion_tag("core/language_switcher.html", takes_context=True)
def language_switcher(context):
    """Links to this page in every language: its translation where one exists,
    else that language's home page; for non-Wagtail views, the same URL in the
    other language."""
    request = context.get("request")
    page = context.get("page")
    current = translation.get_language()
    translated_urls: dict[str, str] = {}
    fallback_urls: dict[str, str] = {}
    if isinstance(page, Page) and page.pk:
        translated_urls = _page_translation_urls(page)
        if len(translated_urls) < len(settings.LANGUAGES):
            fallback_urls = _locale_home_urls()
    links = []
    for code, name in settings.LANGUAGES:
        if code in translated_urls:
            url = translated_urls[code]
        elif page is not None and isinstance(page, Page):
            url = fallback_urls.get(code, "/")
        elif request is not None:
            url = translate_url(request.get_full_path(), code)
        else:
            url = "/"
        with translation.override(code):
            native_name = translation.gettext(name)
        links.append({"code": code, "name": native_name, "url": url, "current": code == current})
    return {"languages": links}
