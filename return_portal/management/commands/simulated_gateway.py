"""Tell the simulated payment provider (refunds.simulated) what to do, or read
its ledger: for demos, with RETURNS_PAYMENT_GATEWAY set to it.

    manage.py simulated_gateway RMA-ABCD2345 fail:2   # that return's refunds fail twice
    manage.py simulated_gateway --default timeout      # every other refund times out
    manage.py simulated_gateway --ledger               # the payouts made
    manage.py simulated_gateway --reset
"""

from django.core.management.base import BaseCommand, CommandError

from return_portal.models import Refund
from return_portal.refunds import simulated


class Command(BaseCommand):
    help = (
        "Script the simulated payment provider (succeed, fail, timeout, fail:N) or list its ledger."
    )

    def add_arguments(self, parser):
        parser.add_argument("target", nargs="?", help="an RMA or a refund's idempotency key")
        parser.add_argument("script", nargs="?", help="succeed, fail, timeout, fail:N, timeout:N")
        parser.add_argument("--default", metavar="SCRIPT", help="for every other refund")
        parser.add_argument("--ledger", action="store_true", help="list the payouts made")
        parser.add_argument("--reset", action="store_true", help="forget scripts and payouts")

    def handle(
        self, *args, target=None, script=None, default=None, ledger=False, reset=False, **options
    ):
        try:
            if reset:
                simulated.reset()
            if default:
                simulated.configure_default(default)
            if target:
                if not script:
                    raise CommandError("Give the script too: succeed, fail, timeout, fail:N.")
                keys = list(
                    Refund.objects.filter(return_request__rma=target).values_list(
                        "idempotency_key", flat=True
                    )
                )
                if not keys and target.upper().startswith("RMA-"):
                    raise CommandError("No refund of that return is booked yet: use --default.")
                keys = keys or [target]
                for key in keys:
                    simulated.configure(key, script)
                    self.stdout.write(f"{key}: {script}")
        except ValueError as error:
            raise CommandError(str(error)) from None
        if ledger:
            for payout in simulated.ledger():
                self.stdout.write(
                    f"{payout.paid_at}  {payout.idempotency_key}  {payout.total} "
                    f"{payout.currency}  {payout.reference}"
                )
