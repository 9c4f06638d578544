"""Wagtail search with stemming in each page's own language.

Wagtail's database backend on PostgreSQL stems every index entry and every
query with one text-search configuration (`SEARCH_CONFIG`, else the server's
`default_text_search_config`): French and German pages were stemmed as if
they were English, so "remboursées" did not find "remboursement" nor
"Erstattungen" find "Erstattung".

This backend (settings.WAGTAILSEARCH_BACKENDS["default"]["BACKEND"]) is that
same backend with two changes on PostgreSQL:

* indexing: each object that has a locale (pages, snippets with
  TranslatableMixin) is indexed with the configuration of its language
  ("french" for fr, ...); objects without a locale keep `SEARCH_CONFIG`;
* searching: a query is stemmed with the configuration of the language it is
  made in: the one set by `search_language(code)` around the `.search()` call
  (the help center sets it to the locale it searches), else the active
  language, else `SEARCH_CONFIG`. It is read when `.search()` is called, so
  the results may be sliced or counted later, outside the block.

The language configurations are LANGUAGE_CONFIGS below, overridable with a
"LANGUAGE_CONFIGS" entry in the backend's settings. Autocomplete keeps
Wagtail's "simple" configuration (prefixes, no stemming).

After switching to this backend (or changing a configuration) an existing
index must be rebuilt once: `manage.py update_index`.

Other databases get Wagtail's own database backend unchanged: SQLite's FTS5
matches whole words in any language, without stemming (helpcenter.search adds
each word's forms from the articles' vocabulary instead).

Also here: the trigram look-up behind "did you mean" on PostgreSQL
(`trigram_candidates`, pg_trgm) and the result sets the help search chains
(`ChainedResults`, `WithoutNestedLoops`).
"""

from __future__ import annotations

import contextvars
import copy
from collections import defaultdict
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils import translation
from wagtail.models import Locale
from wagtail.search.backends.database import SearchBackend as DatabaseSearchBackend
from wagtail.search.backends.database.postgres.postgres import (
    PostgresIndex,
    PostgresSearchBackend,
    PostgresSearchQueryCompiler,
)

LANGUAGE_CONFIGS = {"en": "english", "fr": "french", "de": "german"}

_search_language: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "helpcenter_search_language", default=None
)


@contextmanager
def search_language(language_code: str | None):
    """Stem the searches started in this block as `language_code` text."""
    token = _search_language.set(language_code)
    try:
        yield
    finally:
        _search_language.reset(token)


@contextmanager
def full_text_plan():
    """Run the searches of this block without nested-loop joins (PostgreSQL).

    Wagtail's query joins the pages to their index entries. When PostgreSQL
    expects few pages to qualify (it underestimates anti- and semi-joins, such as
    "English articles not yet translated into French"), it loops over the pages and,
    for each one, reads its index entry and concatenates its title and body
    vectors to test the query: 25 ms for 4,500 pages in bench/help_search_bench.py.
    Without nested loops it reads the few hundred matching entries from the GIN
    index and hash-joins them (7 to 14 ms), whatever the estimate. The setting is
    local to a transaction (a savepoint inside one) and put back at the end."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_nestloop'), set_config('enable_nestloop', 'off', true)"
        )
        [(previous, _off)] = cursor.fetchall()
        yield
        cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [previous])


# --- typo tolerance ----------------------------------------------------------------------

# Typo tolerance (PostgreSQL, pg_trgm: migration helpcenter 0007_trigram). Index
# entries whose text holds a word this similar to a typed word are read through
# the trigram GIN indexes on title_text and body_text; 0.4 rather than pg_trgm's
# 0.6, since one swapped letter in a six-letter word ("retrun") leaves 0.43.
WORD_SIMILARITY = "0.4"
# Their words this similar to the typed one are the candidates (best first).
MIN_SIMILARITY = 0.2
MAX_CANDIDATES = 10


def trigram_candidates(terms: list[str], entries) -> dict[str, list[tuple[str, float]]]:
    """For each term, the words of the index entries `entries` (a queryset of
    IndexEntry) nearest to it by trigram similarity, with that similarity.
    One query (and the setting around it, local to a savepoint).
    PostgreSQL with pg_trgm only; elsewhere {}."""
    if connection.vendor != "postgresql" or not terms:
        return {}
    table = connection.ops.quote_name(entries.model._meta.db_table)
    ids_sql, ids_params = entries.values("pk").query.sql_with_params()
    sql = f"""
        WITH terms AS (SELECT DISTINCT unnest(%s::text[]) AS term),
        words AS (
            SELECT DISTINCT t.term, w.word
            FROM terms t
            JOIN {table} e ON (e.title_text %%> t.term OR e.body_text %%> t.term)
            CROSS JOIN LATERAL regexp_split_to_table(
                lower(e.title_text || ' ' || e.body_text), '[^[:alnum:]]+'
            ) AS w(word)
            WHERE e.id IN ({ids_sql}) AND length(w.word) >= 3
        )
        SELECT term, word, score FROM (
            SELECT term, word, similarity(word, term) AS score,
                   row_number() OVER (
                       PARTITION BY term ORDER BY similarity(word, term) DESC, word
                   ) AS n
            FROM words
        ) ranked
        WHERE score >= %s AND n <= %s
        ORDER BY term, n
    """  # noqa: S608 - the table name is the model's, the rest are parameters
    found: dict[str, list[tuple[str, float]]] = defaultdict(list)
    with transaction.atomic(), connection.cursor() as cursor:
        # Local to the transaction, and put back: the request's transaction
        # (a savepoint here) goes on with pg_trgm's own threshold.
        cursor.execute(
            "SELECT COALESCE(current_setting('pg_trgm.word_similarity_threshold', true), '0.6'),"
            " set_config('pg_trgm.word_similarity_threshold', %s, true)",
            [WORD_SIMILARITY],
        )
        [(previous, _set)] = cursor.fetchall()
        cursor.execute(sql, [list(terms), *ids_params, MIN_SIMILARITY, MAX_CANDIDATES])
        for term, word, score in cursor.fetchall():
            found[term].append((word, score))
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [previous]
        )
    return dict(found)


# --- result sets -------------------------------------------------------------------------


class ChainedResults:
    """Result sets read one after the other as one sequence: what a Paginator
    needs (count() and slices). Each set is counted once, and only the sets a
    slice reaches into are fetched."""

    def __init__(self, parts):
        self.parts = list(parts)
        self._counts = None

    def counts(self) -> list[int]:
        if self._counts is None:
            self._counts = [part.count() for part in self.parts]
        return self._counts

    def count(self) -> int:
        return sum(self.counts())

    def __len__(self):
        return self.count()

    def __iter__(self):
        return iter(self[:])

    def __getitem__(self, index):
        if not isinstance(index, slice):
            items = self[index : index + 1]
            if not items:
                raise IndexError(index)
            return items[0]
        if index.step not in (None, 1):
            raise ValueError("ChainedResults slices have no step")
        start = index.start or 0
        stop = self.count() if index.stop is None else index.stop
        items, offset = [], 0
        for part, size in zip(self.parts, self.counts(), strict=True):
            low, high = max(start - offset, 0), min(stop - offset, size)
            if low < high:
                items.extend(part[low:high])
            offset += size
        return items


class WithoutNestedLoops:
    """Search results counted and sliced under `full_text_plan()`: for the
    untranslated source-language articles, whose number PostgreSQL misjudges."""

    def __init__(self, results):
        self.results = results

    def count(self) -> int:
        with full_text_plan():
            return self.results.count()

    def __getitem__(self, index):
        with full_text_plan():
            return list(self.results[index])


class LanguageConfigs:
    """Language code → PostgreSQL text-search configuration."""

    def __init__(self, params):
        self.default = params.get("SEARCH_CONFIG")
        self.by_language = {**LANGUAGE_CONFIGS, **params.get("LANGUAGE_CONFIGS", {})}

    def for_language(self, language_code: str | None) -> str | None:
        if not language_code:
            return self.default
        code = language_code.lower()
        return (
            self.by_language.get(code)
            or self.by_language.get(code.split("-")[0].split("_")[0])
            or self.default
        )

    def for_query(self) -> str | None:
        return self.for_language(_search_language.get() or translation.get_language())

    def group_by_config(self, objs) -> dict[str | None, list]:
        """Objects grouped by the configuration of their locale's language
        (one query for the locales)."""
        locale_ids = {getattr(obj, "locale_id", None) for obj in objs} - {None}
        codes = dict(
            Locale.objects.filter(pk__in=locale_ids).values_list("pk", "language_code")
            if locale_ids
            else []
        )
        groups: dict[str | None, list] = defaultdict(list)
        for obj in objs:
            code = codes.get(getattr(obj, "locale_id", None))
            groups[self.for_language(code) if code else self.default].append(obj)
        return groups


def with_config(backend, config):
    """A copy of `backend` that stems with `config`."""
    clone = copy.copy(backend)
    clone.config = config
    return clone


# --- the PostgreSQL backend -----------------------------------------------------------


class LocalisedPostgresIndex(PostgresIndex):
    def add_items(self, model, objs):
        """Index each object with its language's configuration: Wagtail's
        indexer reads `backend.config`, so each group of objects in one
        language is added through a copy of the backend set to it."""
        objs = list(objs)
        for config, group in self.backend.languages.group_by_config(objs).items():
            if config == self.backend.config:
                super().add_items(model, group)
            else:
                PostgresIndex(with_config(self.backend, config)).add_items(model, group)


class LocalisedSearchQueryCompiler(PostgresSearchQueryCompiler):
    language_config: str | None = None

    def get_config(self, backend):
        return self.language_config or backend.config


class LocalisedPostgresSearchBackend(PostgresSearchBackend):
    query_compiler_class = LocalisedSearchQueryCompiler
    index_class = LocalisedPostgresIndex

    def __init__(self, params):
        super().__init__(params)
        self.languages = LanguageConfigs(params)

    def search(self, *args, **kwargs):
        results = super().search(*args, **kwargs)
        compiler = getattr(results, "query_compiler", None)
        if isinstance(compiler, LocalisedSearchQueryCompiler):
            # Fixed now: the results are evaluated later, maybe elsewhere.
            compiler.language_config = self.languages.for_query()
        return results


def SearchBackend(params):  # the name Wagtail looks up in a backend module
    if connection.vendor == "postgresql":
        return LocalisedPostgresSearchBackend(params)
    return DatabaseSearchBackend(params)
