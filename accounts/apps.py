from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from allauth.account.signals import password_reset

        from .guest_access import promote_guest_on_password_reset

        password_reset.connect(
            promote_guest_on_password_reset, dispatch_uid="accounts.guest_promote"
        )
