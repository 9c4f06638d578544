"""The PostgreSQL half of helpcenter.search_backend (imported only on PostgreSQL)."""

from __future__ import annotations

from wagtail.search.backends.database.postgres.postgres import (
    PostgresIndex,
    PostgresSearchBackend,
    PostgresSearchQueryCompiler,
)

from .search_backend import LanguageConfigs, with_config


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
