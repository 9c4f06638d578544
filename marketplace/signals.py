"""Orders taken in for an email join the account that proves it owns that email."""

from allauth.account.signals import email_confirmed
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .services import link_orders_to


@receiver(user_logged_in, dispatch_uid="marketplace_link_orders_on_login")
def _on_login(sender, request, user, **kwargs):
    link_orders_to(user)


@receiver(email_confirmed, dispatch_uid="marketplace_link_orders_on_confirmation")
def _on_email_confirmed(sender, request, email_address, **kwargs):
    link_orders_to(email_address.user)
