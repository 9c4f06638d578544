from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpcenterConfig(AppConfig):
    name = "helpcenter"
    verbose_name = _("Help center")

    def ready(self):
        from accounts.privacy import register_anonymiser, register_exporter

        from . import privacy, signals  # noqa: F401

        register_exporter("support_requests", privacy.export_support_requests)
        register_anonymiser("support_requests", privacy.anonymise_support_requests)
