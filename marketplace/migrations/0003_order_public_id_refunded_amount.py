import uuid

from django.db import migrations, models


def fill_public_ids(apps, schema_editor):
    Order = apps.get_model("marketplace", "Order")
    for order in Order.objects.filter(public_id__isnull=True).only("pk").iterator():
        Order.objects.filter(pk=order.pk).update(public_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0002_pinned_policy_version")]

    operations = [
        # Three steps (the third in 0004, its own transaction: PostgreSQL refuses to alter a
        # table with pending trigger events from the updates here). A default on AddField
        # would give every existing row the same id.
        migrations.AddField(
            model_name="order",
            name="public_id",
            field=models.UUIDField(null=True, editable=False, verbose_name="public id"),
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop),
        migrations.AddField(
            model_name="order",
            name="refunded_amount",
            field=models.DecimalField(
                decimal_places=2,
                default=0,
                editable=False,
                max_digits=12,
                verbose_name="amount refunded",
            ),
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(
                condition=models.Q(refunded_amount__gte=0)
                & models.Q(refunded_amount__lte=models.F("payment_amount")),
                name="order_refunds_within_payment",
            ),
        ),
    ]
