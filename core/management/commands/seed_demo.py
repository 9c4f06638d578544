"""Build the demo site: locales, pages, users and sample data. Idempotent."""

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from accounts.demo import DEMO_PASSWORD

# Each app seeds its own data; order matters (pages before the content in them).
SEEDERS = [
    "core.seeding.seed_site",
    "accounts.demo.seed_users",
    "policy_pages.seeding.seed_policies",
    "helpcenter.seeding.seed_help_center",
    "policy_pages.demo_orders.seed_demo_orders",
    "marketplace.demo_images.seed_line_images",  # after the orders: drawn, never fetched
    "return_portal.seeding.seed_reasons",
    "return_portal.seeding.seed_demo_returns",  # after the orders and the reasons
    "return_portal.seeding.seed_staff_permissions",  # after accounts' staff groups
    "return_portal.seeding.seed_seller_staff",  # after the users and the orders' sellers
    "insights.history.seed_demo_history",  # a year for the KPI dashboard, after the reasons
]


class Command(BaseCommand):
    help = "Create (or complete) the demo site, users and data. Safe to run again."

    def handle(self, *args, **options):
        for path in SEEDERS:
            import_string(path)()
            self.stdout.write(f"  seeded {path.rsplit('.', 2)[0]}")
        from accounts.demo import DEMO_USERS

        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for user in DEMO_USERS:
            self.stdout.write(f"  {user.email:<24} {user.role}")
        self.stdout.write(
            "Staff accounts use TOTP: `.venv/bin/python manage.py demo_totp EMAIL` "
            "prints the current code."
        )
