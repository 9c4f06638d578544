from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyPagesConfig(AppConfig):
    name = "policy_pages"
    verbose_name = _("Policies")

    def ready(self):
        from accounts.privacy import register_exporter

        from . import privacy, signals  # noqa: F401  (signals: connects the receivers)

        register_exporter("orders", privacy.export_orders)
