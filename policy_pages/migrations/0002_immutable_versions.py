"""The database itself refuses to change policy versions.

PostgreSQL (production, CI): triggers refuse UPDATE and DELETE on versions,
their markets and their texts. SQLite (the embedded dev database): triggers
refuse UPDATE; DELETE stays possible there because Django's test flush
empties tables with DELETE (PostgreSQL's flush uses TRUNCATE, which row
triggers do not see).
"""

from django.db import migrations

TABLES = ["policy_pages_policyversion", "policy_pages_policyversionmarket", "policy_pages_policyversiontext"]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION policy_pages_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'policy versions are immutable: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION)
            for table in TABLES:
                cursor.execute(
                    f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION policy_pages_refuse_change()"
                )
        elif connection.vendor == "sqlite":
            for table in TABLES:
                cursor.execute(
                    f"CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'policy versions are immutable'); END"
                )


def drop_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for table in TABLES:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
            elif connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable")
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS policy_pages_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("policy_pages", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
