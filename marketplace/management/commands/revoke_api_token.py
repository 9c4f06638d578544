from django.core.management.base import BaseCommand, CommandError

from marketplace.models import ApiToken, hash_token


class Command(BaseCommand):
    help = (
        "Revoke API tokens: by name (every token of that name), or by the token itself "
        "(--token). A revoked token answers 401 at once. --list shows the tokens."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="The name given at create_api_token.")
        parser.add_argument("--token", help="The token itself, when several share a name.")
        parser.add_argument(
            "--list", dest="show_list", action="store_true", help="List tokens and exit."
        )

    def handle(self, *args, name=None, token=None, show_list=False, **options):
        if show_list:
            for row in ApiToken.objects.select_related("seller").order_by("name", "created_at"):
                state = "revoked" if row.revoked else "active"
                used = row.last_used_at.isoformat() if row.last_used_at else "never used"
                owner = f"seller {row.seller.reference}" if row.seller else "operator"
                self.stdout.write(
                    f"{row.name}\t{owner}\t{state}\tcreated {row.created_at:%Y-%m-%d}\t{used}"
                )
            return
        if token:
            tokens = ApiToken.objects.filter(token_hash=hash_token(token.strip()))
        elif name:
            tokens = ApiToken.objects.filter(name=name.strip())
        else:
            raise CommandError("Give a token name, or --token TOKEN, or --list.")
        revoked = tokens.filter(revoked=False).update(revoked=True)
        if not tokens.exists():
            raise CommandError("No such token.")
        self.stdout.write(f"{revoked} token(s) revoked.")
