"""The database itself refuses to move an order line to another policy version.

PostgreSQL and SQLite alike: a trigger refuses an UPDATE that changes
policy_version_id (other columns, such as delivered_at, stay writable).
"""

from django.db import migrations

TABLE = "marketplace_orderline"

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION marketplace_refuse_repin() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the policy version of an order line never changes (line %)', OLD.id
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
                f"CREATE TRIGGER {TABLE}_pinned BEFORE UPDATE OF policy_version_id ON {TABLE} "
                "FOR EACH ROW WHEN (OLD.policy_version_id IS DISTINCT FROM NEW.policy_version_id) "
                "EXECUTE FUNCTION marketplace_refuse_repin()"
            )
        elif connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE TRIGGER {TABLE}_pinned BEFORE UPDATE OF policy_version_id ON {TABLE} "
                "WHEN OLD.policy_version_id IS NOT NEW.policy_version_id "
                "BEGIN SELECT RAISE(ABORT, 'the policy version of an order line never changes'); END"
            )


def drop_trigger(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_pinned ON {TABLE}")
            cursor.execute("DROP FUNCTION IF EXISTS marketplace_refuse_repin()")
        elif connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_pinned")


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
