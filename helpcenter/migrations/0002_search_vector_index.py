"""PostgreSQL: a GIN index on the expression Wagtail's database search backend
filters on, `title || body` of wagtailsearch_indexentry.

The backend ships GIN indexes on `title` and on `body` separately, but its
query tests `(title || body) @@ tsquery`, which neither can serve: every
search scanned every index entry of the locale. With this index a search of
10,000 articles reads only the matching entries (bench/help_search_bench.py).
Other databases: nothing to do.
"""

from django.db import migrations

INDEX = "helpcenter_search_vector_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON wagtailsearch_indexentry "
            "USING gin ((title || body))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("helpcenter", "0001_initial"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
