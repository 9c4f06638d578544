"""Indexes of the returns queue (return_portal/admin/listing.py, search.py).

Ordering (newest first, for everyone and per seller) and the deadline filters
read b-tree indexes, on PostgreSQL and SQLite alike. On PostgreSQL, the search's
case-insensitive "contains" (Django's `UPPER(col::text) LIKE UPPER('%…%')`)
reads trigram indexes on exactly that expression, for the RMA, the order
reference and buyer email, the buyer account's email and the lines' SKU; the
`pg_trgm` extension is enabled for them (trusted since PostgreSQL 13). SQLite
has no trigram index: there the search scans, which development sizes allow.

The indexes live in the database only (RunPython with SQL per vendor), not in
the models' state: they serve queries, the models do not depend on them.
"""

from django.conf import settings
from django.db import migrations

BTREE = [
    ("return_created_idx", "return_portal_returnrequest", "created_at DESC, id DESC"),
    (
        "return_seller_created_idx",
        "return_portal_returnrequest",
        "seller_id, created_at DESC, id DESC",
    ),
    ("return_refund_due_idx", "return_portal_returnrequest", "refund_due_by"),
    ("return_status_refund_due_idx", "return_portal_returnrequest", "status, refund_due_by"),
    ("return_status_approval_idx", "return_portal_returnrequest", "status, approval_due_by"),
]


def trigram_indexes(apps):
    user_table = apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
    return [
        ("return_rma_trgm", "return_portal_returnrequest", "rma"),
        ("order_reference_trgm", "marketplace_order", "reference"),
        ("order_buyer_email_trgm", "marketplace_order", "buyer_email"),
        ("order_line_sku_trgm", "marketplace_orderline", "sku"),
        ("user_email_trgm", user_table, "email"),
    ]


def create(apps, schema_editor):
    quote = schema_editor.quote_name
    for name, table, columns in BTREE:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} ({columns})"
        )
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in trigram_indexes(apps):
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} "
            f"USING gin ((UPPER({quote(column)}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    quote = schema_editor.quote_name
    names = [name for name, _table, _columns in BTREE]
    if schema_editor.connection.vendor == "postgresql":
        names += [name for name, _table, _column in trigram_indexes(apps)]
    for name in names:
        schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("return_portal", "0008_refund_clock_payouts"),
        ("marketplace", "0006_sellers_staff_payments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
