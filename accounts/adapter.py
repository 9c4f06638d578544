from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation

from .guest_access import guest_holding


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # Signing up with an email a guest row holds (accounts/guest_access.py) takes
        # that row over, so the orders and returns opened by magic link stay with it.
        # It stays a guest, showing no order without a link, until the email is
        # confirmed (`confirm_email`): a sign-up alone proves nothing.
        guest = guest_holding(form.cleaned_data.get("email"))
        if guest is not None:
            user = guest
        # Remember the language the buyer signed up in: their emails use it.
        user.preferred_language = translation.get_language() or user.preferred_language
        return super().save_user(request, user, form, commit=commit)

    def confirm_email(self, request, email_address):
        confirmed = super().confirm_email(request, email_address)
        user = email_address.user
        if confirmed and getattr(user, "is_guest", False) and user.has_usable_password():
            # The email is proven and the buyer chose a password: an account now.
            user.is_guest = False
            user.save(update_fields=["is_guest"])
        return confirmed
