"""The chain head record, the record of verification runs, and DELETE
refused on SQLite too.

PolicyChainHead is append-only like the versions: PostgreSQL refuses UPDATE
and DELETE on it (the function of migration 0002), SQLite as well. SQLite now
also refuses DELETE on the version tables: the project's SQLite backend
(config/db_backends/sqlite3) lifts these DELETE triggers for Django's flush.
Existing versions get their head rows here.
"""

import django.db.models.deletion
from django.db import migrations, models

VERSION_TABLES = [
    "policy_pages_policyversion",
    "policy_pages_policyversionmarket",
    "policy_pages_policyversiontext",
]
HEAD_TABLE = "policy_pages_policychainhead"


def record_existing_heads(apps, schema_editor):
    PolicyVersion = apps.get_model("policy_pages", "PolicyVersion")
    PolicyChainHead = apps.get_model("policy_pages", "PolicyChainHead")
    PolicyChainHead.objects.bulk_create(
        PolicyChainHead(
            policy_id=version.policy_id,
            number=version.number,
            hash=version.hash,
            recorded_at=version.published_at,
        )
        for version in PolicyVersion.objects.order_by("policy_id", "number")
    )


def _sqlite_trigger(table, event):
    suffix = "_immutable" if event == "UPDATE" else "_immutable_delete"
    return (
        f"CREATE TRIGGER {table}{suffix} BEFORE {event} ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'policy versions are immutable'); END"
    )


def create_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TRIGGER {HEAD_TABLE}_immutable BEFORE UPDATE OR DELETE ON {HEAD_TABLE} "
                "FOR EACH ROW EXECUTE FUNCTION policy_pages_refuse_change()"
            )
        elif connection.vendor == "sqlite":
            cursor.execute(_sqlite_trigger(HEAD_TABLE, "UPDATE"))
            for table in [*VERSION_TABLES, HEAD_TABLE]:
                cursor.execute(_sqlite_trigger(table, "DELETE"))


def drop_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {HEAD_TABLE}_immutable ON {HEAD_TABLE}")
        elif connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {HEAD_TABLE}_immutable")
            for table in [*VERSION_TABLES, HEAD_TABLE]:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable_delete")


class Migration(migrations.Migration):
    dependencies = [
        ("policy_pages", "0004_pin_proof_of_display"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChainVerification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("ran_at", models.DateTimeField(db_index=True, verbose_name="ran at")),
                ("intact", models.BooleanField(verbose_name="intact")),
                ("versions_checked", models.PositiveIntegerField(verbose_name="versions checked")),
                ("problems", models.JSONField(blank=True, default=list, verbose_name="problems")),
            ],
            options={
                "verbose_name": "chain verification",
                "verbose_name_plural": "chain verifications",
                "ordering": ["-ran_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="PolicyChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField(verbose_name="version")),
                ("hash", models.CharField(max_length=64, verbose_name="hash")),
                ("recorded_at", models.DateTimeField(verbose_name="recorded at")),
                (
                    "policy",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="policy_pages.policypage",
                        verbose_name="policy",
                    ),
                ),
            ],
            options={
                "verbose_name": "policy chain head",
                "verbose_name_plural": "policy chain heads",
                "ordering": ["policy_id", "number"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("policy", "number"), name="unique_policy_chain_head"
                    )
                ],
            },
        ),
        migrations.RunPython(record_existing_heads, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
