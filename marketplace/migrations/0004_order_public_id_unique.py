import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0003_order_public_id_refunded_amount")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="public_id",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="public id"
            ),
        ),
    ]
