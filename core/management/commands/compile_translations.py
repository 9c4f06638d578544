"""Compile locale/*/LC_MESSAGES/*.po into .mo files.

Uses GNU gettext (Django's compilemessages) when msgfmt is installed, and
Babel's pure-Python compiler otherwise, so a fresh machine needs nothing more.
"""

import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the project's translation catalogues (with or without gettext)."

    def handle(self, *args, **options):
        if shutil.which("msgfmt"):
            call_command("compilemessages", verbosity=0, ignore_patterns=[".venv", "var"])
            self.stdout.write("Translations compiled with gettext.")
            return
        count = 0
        for locale_dir in map(Path, settings.LOCALE_PATHS):
            for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
                with po_path.open("rb") as po_file:
                    catalog = read_po(po_file, locale=po_path.parts[-3])
                with po_path.with_suffix(".mo").open("wb") as mo_file:
                    write_mo(mo_file, catalog, use_fuzzy=False)
                count += 1
        self.stdout.write(f"Translations compiled with Babel ({count} catalogues).")
