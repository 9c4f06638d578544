"""The archive of a policy version per language (policy_pages.archive): the
stored PDF's name, SHA-256, size and generation date, append-only.

Like the versions, the database refuses to change or delete an archive row
(triggers; PostgreSQL with the function of migration 0002): the recorded hash
is what a download checks the stored file against, so it must not be
rewritable to cover an altered file. The project's SQLite backend lifts the
DELETE trigger for Django's flush only. A later migration that makes SQLite
rebuild this table (a NOT NULL column, say) drops these triggers with it and
must create them again.
"""

import django.db.models.deletion
from django.db import migrations, models

import core.storage
import policy_pages.archive

TABLE = "policy_pages_policyversionarchive"


def create_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE OR DELETE ON {TABLE} "
                "FOR EACH ROW EXECUTE FUNCTION policy_pages_refuse_change()"
            )
        elif connection.vendor == "sqlite":
            for event, suffix in (("UPDATE", "_immutable"), ("DELETE", "_immutable_delete")):
                cursor.execute(
                    f"CREATE TRIGGER {TABLE}{suffix} BEFORE {event} ON {TABLE} "
                    "BEGIN SELECT RAISE(ABORT, 'policy version archives are immutable'); END"
                )


def drop_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_immutable ON {TABLE}")
        elif connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_immutable")
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_immutable_delete")


class Migration(migrations.Migration):
    dependencies = [
        ("policy_pages", "0008_prose_override"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.CreateModel(
            name="PolicyVersionArchive",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "file",
                    models.FileField(
                        max_length=255,
                        storage=core.storage.private_storage,
                        upload_to=policy_pages.archive.archive_path,
                        verbose_name="file",
                    ),
                ),
                ("sha256", models.CharField(max_length=64, verbose_name="SHA-256 of the file")),
                ("size", models.PositiveIntegerField(verbose_name="size (bytes)")),
                ("generated_at", models.DateTimeField(verbose_name="generated at")),
                (
                    "locale",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="wagtailcore.locale",
                        verbose_name="language",
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="archives",
                        to="policy_pages.policyversion",
                        verbose_name="version",
                    ),
                ),
            ],
            options={
                "verbose_name": "policy version archive",
                "verbose_name_plural": "policy version archives",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("version", "locale"), name="unique_version_archive"
                    )
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
