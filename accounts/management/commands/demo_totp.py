from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.mfa import current_totp_code


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo staff account (development only)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, email, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp only runs with DEBUG on: it reveals a second factor.")
        authenticator = Authenticator.objects.filter(
            user__email__iexact=email, type=Authenticator.Type.TOTP
        ).first()
        if authenticator is None:
            raise CommandError(f"{email} has no TOTP authenticator.")
        self.stdout.write(current_totp_code(authenticator))
