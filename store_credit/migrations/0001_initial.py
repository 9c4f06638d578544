"""The store-credit ledger. Its entries are append-only, in the database too.

PostgreSQL: triggers refuse UPDATE and DELETE on entries. SQLite (the dev
database): UPDATE only, because Django's test flush empties tables with DELETE
(PostgreSQL's uses TRUNCATE, which row triggers do not see), as policy versions do.
"""

import django.db.models.deletion
import uuid
from django.db import migrations, models

TABLE = "store_credit_creditentry"
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION store_credit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'store-credit entries are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION)
            cursor.execute(
                f"CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE OR DELETE ON {TABLE} "
                "FOR EACH ROW EXECUTE FUNCTION store_credit_refuse_change()"
            )
        elif connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE ON {TABLE} "
                "BEGIN SELECT RAISE(ABORT, 'store-credit entries are append-only'); END"
            )


def drop_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_immutable ON {TABLE}")
            cursor.execute("DROP FUNCTION IF EXISTS store_credit_refuse_change()")
        elif connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_immutable")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("marketplace", "0006_sellers_staff_payments"),
    ]

    operations = [
        migrations.CreateModel(
            name="CreditBalance",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("buyer_email", models.EmailField(max_length=254, verbose_name="buyer email")),
                ("currency", models.CharField(max_length=3, verbose_name="currency")),
                (
                    "balance",
                    models.DecimalField(
                        decimal_places=2, default=0, max_digits=12, verbose_name="balance"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
            ],
            options={
                "verbose_name": "store-credit balance",
                "verbose_name_plural": "store-credit balances",
                "ordering": ["buyer_email", "currency"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("buyer_email", "currency"), name="credit_balance_per_buyer_currency"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("balance__gte", 0)), name="credit_balance_not_negative"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="CreditEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "public_id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, unique=True, verbose_name="public id"
                    ),
                ),
                ("buyer_email", models.EmailField(max_length=254, verbose_name="buyer email")),
                ("currency", models.CharField(max_length=3, verbose_name="currency")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("issue", "credit issued"),
                            ("bonus", "bonus"),
                            ("spend", "spent"),
                            ("expiry", "expired"),
                            ("reversal", "spend reversed"),
                        ],
                        max_length=16,
                        verbose_name="kind",
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, max_digits=12, verbose_name="amount"),
                ),
                (
                    "balance_after",
                    models.DecimalField(
                        decimal_places=2, max_digits=12, verbose_name="balance after"
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=500, verbose_name="reason")),
                (
                    "key",
                    models.CharField(
                        blank=True,
                        max_length=80,
                        null=True,
                        unique=True,
                        verbose_name="idempotency key",
                    ),
                ),
                (
                    "fingerprint",
                    models.CharField(blank=True, max_length=64, verbose_name="request fingerprint"),
                ),
                (
                    "expires_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="expires at"),
                ),
                ("created_at", models.DateTimeField(verbose_name="created at")),
                (
                    "expires",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="expiry",
                        to="store_credit.creditentry",
                        verbose_name="expiry of",
                    ),
                ),
                (
                    "order",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="credit_entries",
                        to="marketplace.order",
                        verbose_name="order",
                    ),
                ),
                (
                    "reverses",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reversal",
                        to="store_credit.creditentry",
                        verbose_name="reverses",
                    ),
                ),
            ],
            options={
                "verbose_name": "store-credit entry",
                "verbose_name_plural": "store-credit entries",
                "ordering": ["created_at", "id"],
                "indexes": [
                    models.Index(
                        fields=["buyer_email", "currency", "created_at"], name="credit_entry_idx"
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("amount__gt", 0), ("kind__in", ("issue", "bonus", "reversal"))
                            ),
                            models.Q(("amount__lt", 0), ("kind__in", ("spend", "expiry"))),
                            _connector="OR",
                        ),
                        name="credit_entry_sign_of_kind",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("balance_after__gte", 0)),
                        name="credit_entry_balance_not_negative",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("reverses__isnull", True), ("kind", "reversal"), _connector="OR"
                        ),
                        name="credit_entry_only_reversal_reverses",
                    ),
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
