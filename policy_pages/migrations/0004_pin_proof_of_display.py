"""Proof of display on the pin: the version the buyer was shown at checkout, and
whether it is the one in force.

Like the version (migration 0003), these never change once written: a trigger
refuses an UPDATE that changes either, on PostgreSQL and SQLite (the model
refuses it too).
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "policy_pages_linepin"
TRIGGER = f"{TABLE}_display_pinned"

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION policy_pages_refuse_redisplay() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the version shown at checkout never changes (line %)', OLD.line_id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def create_trigger(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION)
            cursor.execute(
                f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OF displayed_version_id, "
                f"display_matches ON {TABLE} FOR EACH ROW WHEN ("
                "OLD.displayed_version_id IS DISTINCT FROM NEW.displayed_version_id "
                "OR OLD.display_matches IS DISTINCT FROM NEW.display_matches) "
                "EXECUTE FUNCTION policy_pages_refuse_redisplay()"
            )
        elif connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OF displayed_version_id, "
                f"display_matches ON {TABLE} "
                "WHEN OLD.displayed_version_id IS NOT NEW.displayed_version_id "
                "OR OLD.display_matches IS NOT NEW.display_matches "
                "BEGIN SELECT RAISE(ABORT, 'the version shown at checkout never changes'); END"
            )


def drop_trigger(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE}")
            cursor.execute("DROP FUNCTION IF EXISTS policy_pages_refuse_redisplay()")
        elif connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")


class Migration(migrations.Migration):
    dependencies = [
        ("policy_pages", "0003_line_pins"),
    ]

    operations = [
        migrations.AddField(
            model_name="linepin",
            name="displayed_version",
            field=models.ForeignKey(
                blank=True,
                help_text="The version the storefront says the buyer was shown, if it said so.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="displays",
                to="policy_pages.policyversion",
                verbose_name="version shown at checkout",
            ),
        ),
        migrations.AddField(
            model_name="linepin",
            name="display_matches",
            field=models.BooleanField(
                blank=True,
                help_text="Whether the version shown is the one in force; empty without proof.",
                null=True,
                verbose_name="shown version matches",
            ),
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
