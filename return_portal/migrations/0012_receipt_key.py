from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("return_portal", "0011_refund_next_attempt"),
    ]

    operations = [
        migrations.AddField(
            model_name="returnevent",
            name="idempotency_key",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
    ]
