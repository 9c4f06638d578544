"""The refund clock and payouts: the late-refund surcharge bands of L242-4 start
from DOMAIN.md's table (edges to be checked by legal), in new back offices and
in one saved before the bands existed."""

from django.db import migrations, models

import return_portal.refunds.bands


def seed_default_bands(apps, schema_editor):
    settings = apps.get_model("return_portal", "BackOfficeSettings")
    for row in settings.objects.all():
        if not row.late_surcharge_bands:
            row.late_surcharge_bands = return_portal.refunds.bands.default_bands()
            row.save(update_fields=["late_surcharge_bands"])


class Migration(migrations.Migration):
    dependencies = [
        ("return_portal", "0007_approval"),
    ]

    operations = [
        migrations.AlterField(
            model_name="backofficesettings",
            name="late_surcharge_bands",
            field=models.JSONField(
                blank=True,
                default=return_portal.refunds.bands.default_bands,
                verbose_name="late-refund surcharge bands",
            ),
        ),
        migrations.RunPython(seed_default_bands, migrations.RunPython.noop),
    ]
