from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnPortalConfig(AppConfig):
    name = "return_portal"
    verbose_name = _("Return portal")
