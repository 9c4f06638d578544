from django.core.management.base import BaseCommand, CommandError

from marketplace.models import ApiToken


class Command(BaseCommand):
    help = (
        "Create an API token for the machine API and print it once. Only its SHA-256 is "
        "stored: keep the printed token, it cannot be shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who or what uses the token, e.g. 'checkout-platform'.")

    def handle(self, *args, name, **options):
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError("Give the token a name of 1 to 100 characters.")
        _token, token = ApiToken.issue(name)
        self.stdout.write(token)
        self.stderr.write(
            f"Token {name!r} created. Send it as 'Authorization: Bearer <token>'. "
            "It is not stored and will not be shown again."
        )
