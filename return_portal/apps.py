from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnPortalConfig(AppConfig):
    name = "return_portal"
    verbose_name = _("Return portal")

    def ready(self):
        from accounts.privacy import register_anonymiser, register_exporter

        # The tasks register with Celery here, in every process (web too): the
        # refunds queue their payout by the task's name (refunds.payout).
        from . import privacy, tasks  # noqa: F401

        register_exporter("returns", privacy.export_returns)
        register_anonymiser("returns", privacy.anonymise_returns)
