from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self):
        from accounts.privacy import register_anonymiser

        from . import privacy, signals  # noqa: F401 - signals connects the receivers

        register_anonymiser("orders", privacy.anonymise_orders)
