"""Versions never collide: a scheduled version can be superseded, and two live
versions of one scope never share an effective instant.

The index rows (PolicyVersionMarket) stay immutable except for one change the
triggers now allow: superseded_by from NULL to a version, nothing else.
Existing rows that share an instant keep the meaning they had (the highest
number won): the others are marked superseded by it before the constraint.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "policy_pages_policyversionmarket"
# Every column but the supersession pair: none of them may change.
FIXED = ("id", "version_id", "market", "kind", "seller_ref", "effective_from")

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION policy_pages_market_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.superseded_by_id IS NULL AND NEW.superseded_by_id IS NOT NULL
       AND ({", ".join(f"NEW.{c}" for c in FIXED)})
           IS NOT DISTINCT FROM ({", ".join(f"OLD.{c}" for c in FIXED)}) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'policy versions are immutable: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""

SQLITE_ALLOWED = " AND ".join(
    ["OLD.superseded_by_id IS NULL", "NEW.superseded_by_id IS NOT NULL"]
    + [f"NEW.{c} IS OLD.{c}" for c in FIXED]
)


def allow_supersession(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION)
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_immutable ON {TABLE}")
            cursor.execute(
                f"CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE OR DELETE ON {TABLE} "
                "FOR EACH ROW EXECUTE FUNCTION policy_pages_market_change()"
            )
        elif connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_immutable")
            cursor.execute(
                f"CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE ON {TABLE} "
                f"WHEN NOT ({SQLITE_ALLOWED}) "
                "BEGIN SELECT RAISE(ABORT, 'policy versions are immutable'); END"
            )


def refuse_every_update(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_immutable ON {TABLE}")
            cursor.execute(
                f"CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE OR DELETE ON {TABLE} "
                "FOR EACH ROW EXECUTE FUNCTION policy_pages_refuse_change()"
            )
            cursor.execute("DROP FUNCTION IF EXISTS policy_pages_market_change()")
        elif connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_immutable")
            cursor.execute(
                f"CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE ON {TABLE} "
                "BEGIN SELECT RAISE(ABORT, 'policy versions are immutable'); END"
            )


def supersede_collisions(apps, schema_editor):
    """Rows sharing a scope and instant: the highest version number was the
    one in force; the others never were, and are marked so."""
    Market = apps.get_model("policy_pages", "PolicyVersionMarket")
    groups = {}
    for row in Market.objects.select_related("version").order_by("version__number"):
        key = (row.market, row.kind, row.seller_ref, row.effective_from)
        groups.setdefault(key, []).append(row)
    for rows in groups.values():
        winner = rows[-1]
        for row in rows[:-1]:
            models.QuerySet.update(
                Market.objects.filter(pk=row.pk),
                superseded_by=winner.version,
                superseded_at=winner.version.published_at,
            )


class Migration(migrations.Migration):
    dependencies = [("policy_pages", "0006_four_eyes")]

    operations = [
        migrations.AddField(
            model_name="policypage",
            name="schedule_choice",
            field=models.CharField(
                blank=True,
                choices=[
                    ("replace", "Replace the scheduled version (it never comes into force)"),
                    ("after", "Take effect after the scheduled version"),
                ],
                help_text="Asked only while a published version waits for its effective date: this version either replaces it or takes effect after it.",
                max_length=16,
                verbose_name="while a version is scheduled",
            ),
        ),
        migrations.AlterField(
            model_name="policypage",
            name="effective_from",
            field=models.DateTimeField(
                blank=True,
                help_text="When this version starts to govern new orders. Blank: when it is published. Always after the version in force; two versions never share an instant.",
                null=True,
                verbose_name="effective from",
            ),
        ),
        migrations.AddField(
            model_name="policyversionmarket",
            name="superseded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="policy_pages.policyversion",
                verbose_name="superseded by",
            ),
        ),
        migrations.AddField(
            model_name="policyversionmarket",
            name="superseded_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="superseded at"),
        ),
        migrations.RunPython(allow_supersession, refuse_every_update),
        migrations.RunPython(supersede_collisions, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="policyversionmarket",
            constraint=models.UniqueConstraint(
                condition=models.Q(("superseded_by__isnull", True)),
                fields=("market", "kind", "seller_ref", "effective_from"),
                name="one_version_per_scope_instant",
                violation_error_message="Another version of this scope already takes effect at this instant.",
            ),
        ),
    ]
