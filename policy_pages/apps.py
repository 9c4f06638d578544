from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyPagesConfig(AppConfig):
    name = "policy_pages"
    verbose_name = _("Policies")

    def ready(self):
        from . import signals  # noqa: F401
