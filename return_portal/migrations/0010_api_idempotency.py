import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0006_sellers_staff_payments"),
        ("return_portal", "0009_queue"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiIdempotencyKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=255, verbose_name="idempotency key")),
                ("operation", models.CharField(max_length=64, verbose_name="operation")),
                (
                    "fingerprint",
                    models.CharField(max_length=64, verbose_name="request fingerprint"),
                ),
                ("status_code", models.PositiveSmallIntegerField(verbose_name="status code")),
                ("response", models.JSONField(default=dict, verbose_name="response")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "token",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="marketplace.apitoken",
                        verbose_name="API token",
                    ),
                ),
            ],
            options={
                "verbose_name": "API idempotency key",
                "verbose_name_plural": "API idempotency keys",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("token", "key"), name="unique_api_idempotency_key"
                    )
                ],
            },
        ),
    ]
