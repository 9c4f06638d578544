"""Help center search latency on PostgreSQL with 10,000 articles.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/returnshub_helpbench \\
        .venv/bin/python bench/help_search_bench.py [--articles 10000] [--rounds 5]

Migrates the database named by DATABASE_URL (PostgreSQL only: on SQLite the
search is FTS5, not what production runs), seeds the site tree and, once,
`--articles` help articles spread over en, fr and de (about 45/35/20 %), in
20 categories per language. Their text is synthetic but shaped like prose:
a Zipf-distributed vocabulary of 4,000 words, one word in seven from the
help center's own vocabulary (refund, label, colis, Erstattung…), so a
query term matches a few hundred to a few thousand articles. The search index is
built in one pass (update_index), as after an import.

Then, in-process (no HTTP), it times the two search paths the help center
serves, for a fixed list of queries in each language, after a warm-up:
  * full search: search.run_search (Wagtail search, count, first page of 10,
    highlighted snippets), what /support/search/?q= renders;
    measured cold (cache generation bumped before each query) and cached;
  * instant: search.instant_results (autocomplete, 5 results), what the
    as-you-type partial renders.
It prints p50, p95 and max per path. Goal: full-search p95 under 50 ms.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


def _vocabulary(text: str) -> list[str]:
    return text.split()


WORDS = {
    "en": _vocabulary(
        "return refund label parcel drop-off exchange store credit damaged wrong item missing "
        "withdrawal button deadline weekend holiday tracking courier seller order delivery "
        "invoice warranty guarantee size colour shoes jacket lamp phone charger packaging "
        "receipt bank card payment account email confirmation policy window days free cost"
    ),
    "fr": _vocabulary(
        "retour remboursement étiquette colis point relais échange avoir endommagé erroné article "
        "manquant rétractation bouton délai week-end férié suivi transporteur vendeur commande "
        "livraison facture garantie taille couleur chaussures veste lampe téléphone chargeur "
        "emballage reçu banque carte paiement compte confirmation politique jours gratuit frais"
    ),
    "de": _vocabulary(
        "Rücksendung Erstattung Etikett Paket Annahmestelle Umtausch Guthaben beschädigt falsch "
        "Artikel fehlend Widerruf Button Frist Wochenende Feiertag Sendungsverfolgung Verkäufer "
        "Bestellung Lieferung Rechnung Gewährleistung Größe Farbe Schuhe Jacke Lampe Telefon "
        "Ladegerät Verpackung Beleg Bank Karte Zahlung Konto Bestätigung Richtlinie Tage kostenlos"
    ),
}
QUERIES = {
    "en": [
        "refund",
        "return label",
        "damaged lamp",
        "withdrawal button",
        "store credit",
        "missing item parcel",
        "how do i track my return",
        "xylophone",
        "exchange size",
        "bank",
    ],
    "fr": [
        "remboursement",
        "étiquette retour",
        "colis endommagé",
        "bouton rétractation",
        "avoir",
        "article manquant",
        "suivi du retour",
        "xylophone",
        "échange taille",
        "banque",
    ],
    "de": [
        "Erstattung",
        "Rücksendung Etikett",
        "beschädigt",
        "Widerruf",
        "Guthaben",
        "fehlend Paket",
        "Sendungsverfolgung",
        "Xylophon",
        "Umtausch Größe",
        "Bank",
    ],
}
SHARE = {"en": 0.45, "fr": 0.35, "de": 0.20}
CATEGORIES_PER_LANGUAGE = 20


def setup_django():
    if not (os.environ.get("DATABASE_URL") or "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    import django
    from django.conf import settings

    django.setup()
    logging.disable(logging.INFO)  # one log line per page created is noise here
    settings.DEBUG = False
    # An in-process cache: nothing shared is read or written.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Index once at the end rather than on every save, as a bulk import would.
    settings.WAGTAILSEARCH_BACKENDS["default"]["AUTO_UPDATE"] = False


SYLLABLES = _vocabulary("ka lo mi re tu sa ne vo di pa be go ru fi la te mo si na do ke ri bu za")
DOMAIN_SHARE = 0.15  # one word in seven is about returns; the rest is ordinary prose


def filler_words(rng, count=4000):
    words = {
        "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(count * 2)
    }
    return sorted(words)[:count]


class Prose:
    """Words drawn like real text: a few frequent, a long tail (Zipf), and
    the help center's own vocabulary at a realistic rate."""

    def __init__(self, rng):
        self.rng = rng
        self.filler = filler_words(rng)
        weights = [1 / rank for rank in range(1, len(self.filler) + 1)]
        total, running, self.cumulative = sum(weights), 0.0, []
        for weight in weights:
            running += weight / total
            self.cumulative.append(running)

    def word(self, language):
        if self.rng.random() < DOMAIN_SHARE:
            return self.rng.choice(WORDS[language])
        return self.rng.choices(self.filler, cum_weights=self.cumulative)[0]

    def sentence(self, language, words=12):
        text = " ".join(self.word(language) for _ in range(words))
        return text.capitalize() + "."


def seed(total: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from wagtail.models import Locale

    from core.seeding import seed_site
    from helpcenter.models import HelpArticlePage, HelpCategoryPage, HelpCenterPage

    call_command("migrate", verbosity=0)
    existing = HelpArticlePage.objects.count()
    if existing >= total:
        print(f"{existing} articles already seeded")
        return
    rng = random.Random(2026)
    prose = Prose(rng)
    started = time.perf_counter()
    with transaction.atomic():
        home = seed_site()
    for language, share in SHARE.items():
        locale = Locale.objects.get(language_code=language)
        home_page = home.get_translation(locale)
        center = HelpCenterPage.objects.filter(locale=locale).first()
        if center is None:
            center = HelpCenterPage(title="Help", slug="help", locale=locale, live=True)
            home_page.add_child(instance=center)
        categories = list(HelpCategoryPage.objects.child_of(center))
        for number in range(len(categories), CATEGORIES_PER_LANGUAGE):
            category = HelpCategoryPage(
                title=f"{rng.choice(WORDS[language]).capitalize()} {number}",
                slug=f"topic-{number}",
                locale=locale,
                live=True,
            )
            center.add_child(instance=category)
            categories.append(category)
        wanted = int(total * share)
        have = HelpArticlePage.objects.filter(locale=locale).count()
        for number in range(have, wanted):
            category = categories[number % len(categories)]
            body = [
                {"type": "text", "value": f"<p>{prose.sentence(language, 40)}</p>"},
                {"type": "text", "value": f"<p>{prose.sentence(language, 30)}</p>"},
            ]
            with transaction.atomic():
                category.add_child(
                    instance=HelpArticlePage(
                        title=prose.sentence(language, 5)[:-1],
                        slug=f"article-{number}",
                        summary=prose.sentence(language, 18),
                        body=body,
                        locale=locale,
                        live=True,
                    )
                )
            category.refresh_from_db()
            if number % 1000 == 0:
                print(f"  {language}: {number}/{wanted} articles")
    print(f"Seeded in {time.perf_counter() - started:.0f} s; indexing…")
    started = time.perf_counter()
    call_command("update_index", verbosity=0)
    print(f"Indexed in {time.perf_counter() - started:.0f} s")
    # Fresh statistics, as autovacuum would gather soon after a bulk load: without them
    # the planner takes the locale's 4,500 pages for 3 and probes the index once per page.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(rounds: int) -> None:
    from django.db import connection
    from django.utils import translation

    from helpcenter.models import HelpArticlePage
    from helpcenter.search import bump_search_cache, instant_results, run_search

    def cold_search(query, language):
        bump_search_cache()  # a miss: what the first reader of a query waits
        return run_search(query, language)

    print(f"{HelpArticlePage.objects.count()} articles; PostgreSQL {connection.pg_version}")
    paths = (
        ("full search, cold", cold_search),
        ("full search, cached", run_search),
        ("instant", instant_results),
    )
    for name, function in paths:
        timings = []
        totals = []
        for language, queries in QUERIES.items():
            with translation.override(language):
                for query in queries:  # warm-up (and, for "cached", fill the cache)
                    function(query, language)
                for _ in range(rounds):
                    for query in queries:
                        started = time.perf_counter()
                        outcome = function(query, language)
                        timings.append((time.perf_counter() - started) * 1000)
                        totals.append(outcome.total)
        print(
            f"{name:20} n={len(timings):4}  p50 {statistics.median(timings):6.1f} ms  "
            f"p95 {percentile(timings, 0.95):6.1f} ms  max {max(timings):6.1f} ms  "
            f"(median hits {statistics.median(totals):.0f})"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    setup_django()
    seed(args.articles)
    measure(args.rounds)


if __name__ == "__main__":
    main()
