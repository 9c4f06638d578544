from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoreCreditConfig(AppConfig):
    name = "store_credit"
    verbose_name = _("Store credit")
