from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self):
        from policy_pages.api import set_category_resolver

        from . import openapi, services, signals  # noqa: F401 - connects the receivers

        openapi.register()
        # The policy API and embed check categories against the catalogue, and
        # apply a parent category's override to its sub-categories.
        set_category_resolver(services.category_path)
