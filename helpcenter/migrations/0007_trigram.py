"""PostgreSQL: pg_trgm and trigram GIN indexes on the plain text Wagtail keeps
in its index entries (`title_text`, `body_text`), for the help search's typo
tolerance (helpcenter.search_backend.trigram_candidates: "retrun" → "return").

The index names are those of modelsearch's `enable_trigram` command, so running
it as well creates nothing twice. Other databases: nothing to do (Django's
TrigramExtension already skips them going forwards).

Going back drops the indexes but keeps the extension: it is not this app's
alone (return_portal 0009_queue's trigram indexes need it too), and Django's
operation would drop it, or on SQLite ask for pg_extension.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "modelsearch_title_text_trgm": "title_text",
    "modelsearch_body_text_trgm": "body_text",
}


class KeepTrigramExtension(TrigramExtension):
    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON wagtailsearch_indexentry "
            f"USING gin ({column} gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("helpcenter", "0006_buyer_replies"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [
        KeepTrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
