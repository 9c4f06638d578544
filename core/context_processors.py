from django.utils import translation
from django.utils.functional import SimpleLazyObject

from .navigation import navigation


def site_chrome(request):
    language = translation.get_language()
    # Lazy: pages that never render the chrome (APIs, fragments) pay nothing.
    return {"site_nav": SimpleLazyObject(lambda: navigation(language))}
