from django.core.management.base import BaseCommand, CommandError

from marketplace.models import ApiToken, Seller


class Command(BaseCommand):
    help = (
        "Create an API token for the machine API and print it once. Only its SHA-256 is "
        "stored: keep the printed token, it cannot be shown again. With --seller, the token "
        "is that seller's: it sees and acts on that seller's orders and returns only; "
        "without, it is the operator's (every seller)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who or what uses the token, e.g. 'checkout-platform'.")
        parser.add_argument(
            "--seller",
            metavar="REFERENCE",
            help="The reference of the seller the token is scoped to, e.g. 'maison-durand'.",
        )

    def handle(self, *args, name, seller=None, **options):
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError("Give the token a name of 1 to 100 characters.")
        owner = None
        if seller is not None:
            owner = Seller.objects.filter(reference=seller.strip()).first()
            if owner is None:
                raise CommandError(f"No seller has the reference {seller!r}.")
        _token, token = ApiToken.issue(name, seller=owner)
        self.stdout.write(token)
        scope = f"seller {owner.reference!r}" if owner else "the operator (every seller)"
        self.stderr.write(
            f"Token {name!r} created for {scope}. Send it as 'Authorization: Bearer <token>'. "
            "It is not stored and will not be shown again."
        )
