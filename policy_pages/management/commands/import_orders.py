import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from policy_pages.intake import import_orders


class Command(BaseCommand):
    help = (
        "Import orders from a JSON Lines file (one order per line, as POST /api/v1/orders "
        "takes them). Bad lines are reported with their number and skipped; orders already "
        "imported with the same content are skipped too. Exits with status 1 if any line failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the .jsonl file ('-' for standard input).")
        parser.add_argument("--chunk-size", type=int, default=1000)

    def handle(self, *args, file, chunk_size, **options):
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        started = time.perf_counter()
        if file == "-":
            import sys

            report = import_orders(sys.stdin, chunk_size=chunk_size)
        else:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"No such file: {file}")
            with path.open(encoding="utf-8", errors="replace") as stream:
                report = import_orders(stream, chunk_size=chunk_size)
        elapsed = time.perf_counter() - started
        for number, errors in sorted(report.failed.items()):
            for field, messages in errors.items():
                for message in messages:
                    self.stderr.write(f"line {number}: {field}: {message}")
        rate = report.created / elapsed if elapsed > 0 else 0.0
        self.stdout.write(
            f"{report.created} created, {report.replayed} already imported, "
            f"{len(report.failed)} failed in {elapsed:.2f} s ({rate:,.0f} orders/s)."
        )
        if report.failed:
            raise CommandError(f"{len(report.failed)} line(s) failed; see above.")
