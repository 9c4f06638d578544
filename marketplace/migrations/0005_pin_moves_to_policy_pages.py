"""The pin of an order line to its policy version moves up to policy_pages
(policy_pages.LinePin, copied by its migration 0003): the marketplace mirror no
longer knows policies. The trigger that guarded the column goes with it."""

from django.db import migrations

TABLE = "marketplace_orderline"


def drop_trigger(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_pinned ON {TABLE}")
            cursor.execute("DROP FUNCTION IF EXISTS marketplace_refuse_repin()")
        elif connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_pinned")


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0004_order_public_id_unique"),
        ("policy_pages", "0003_line_pins"),
    ]

    operations = [
        migrations.RunPython(drop_trigger, migrations.RunPython.noop),
        migrations.RemoveField(model_name="orderline", name="policy_version"),
    ]
