"""Pins of order lines to the policy version that governs them, moved here from
marketplace.OrderLine.policy_version (dropped by marketplace 0005 once copied).

PostgreSQL and SQLite alike: a trigger refuses an UPDATE that changes a pin's
version (the model refuses it too).
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "policy_pages_linepin"

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION policy_pages_refuse_repin() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the policy version of an order line never changes (line %)', OLD.line_id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def copy_pins(apps, schema_editor):
    OrderLine = apps.get_model("marketplace", "OrderLine")
    LinePin = apps.get_model("policy_pages", "LinePin")
    rows = OrderLine.objects.values_list("pk", "policy_version_id").iterator(chunk_size=5000)
    batch = []
    for line_id, version_id in rows:
        batch.append(LinePin(line_id=line_id, version_id=version_id))
        if len(batch) >= 5000:
            LinePin.objects.bulk_create(batch)
            batch = []
    LinePin.objects.bulk_create(batch)


def create_trigger(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION)
            cursor.execute(
                f"CREATE TRIGGER {TABLE}_pinned BEFORE UPDATE OF version_id ON {TABLE} "
                "FOR EACH ROW WHEN (OLD.version_id IS DISTINCT FROM NEW.version_id) "
                "EXECUTE FUNCTION policy_pages_refuse_repin()"
            )
        elif connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE TRIGGER {TABLE}_pinned BEFORE UPDATE OF version_id ON {TABLE} "
                "WHEN OLD.version_id IS NOT NEW.version_id "
                "BEGIN SELECT RAISE(ABORT, 'the policy version of an order line never changes'); END"
            )


def drop_trigger(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_pinned ON {TABLE}")
            cursor.execute("DROP FUNCTION IF EXISTS policy_pages_refuse_repin()")
        elif connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_pinned")


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0004_order_public_id_unique"),
        ("policy_pages", "0002_immutable_versions"),
    ]

    operations = [
        migrations.CreateModel(
            name="LinePin",
            fields=[
                (
                    "line",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="pin",
                        serialize=False,
                        to="marketplace.orderline",
                        verbose_name="order line",
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        help_text="The version in force when the order was placed. It never "
                        "changes.",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="pins",
                        to="policy_pages.policyversion",
                        verbose_name="policy version",
                    ),
                ),
            ],
            options={"verbose_name": "policy pin", "verbose_name_plural": "policy pins"},
        ),
        migrations.RunPython(copy_pins, migrations.RunPython.noop),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
