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

        from accounts.privacy import register_anonymiser, register_exporter

        from . import privacy

        register_exporter("orders", privacy.export_orders)
        register_anonymiser("orders", privacy.anonymise_orders)
