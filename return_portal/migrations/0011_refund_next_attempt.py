from django.db import migrations, models
from django.db.models import F


def keep_the_keys_already_sent(apps, schema_editor):
    """A refund tried before this release was sent under its own key with its
    surcharge, and may have been paid (a timeout): its next attempts send both
    again, as they did before (refunds.payout)."""
    Refund = apps.get_model("return_portal", "Refund")
    Refund.objects.filter(attempts__gt=0).update(provider_key=F("idempotency_key"))


class Migration(migrations.Migration):
    dependencies = [
        ("return_portal", "0010_api_idempotency"),
    ]

    operations = [
        migrations.AddField(
            model_name="refund",
            name="provider_key",
            field=models.CharField(blank=True, max_length=80, verbose_name="provider key"),
        ),
        migrations.AddField(
            model_name="refund",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="next attempt at"),
        ),
        migrations.RunPython(keep_the_keys_already_sent, migrations.RunPython.noop),
    ]
