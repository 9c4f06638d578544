from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # Remember the language the buyer signed up in: their emails use it.
        user.preferred_language = translation.get_language() or user.preferred_language
        return super().save_user(request, user, form, commit=commit)
