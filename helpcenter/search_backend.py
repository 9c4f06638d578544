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
matches whole words in any language, without stemming (the help center's
highlighting still marks word variants).
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
