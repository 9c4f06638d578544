from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("policy_pages", "0007_version_supersession")]

    operations = [
        migrations.AddField(
            model_name="policypage",
            name="prose_override_reason",
            field=models.TextField(
                blank=True,
                help_text=(
                    "Legal approvers only: why numbers typed in the clauses or the summary "
                    "may differ from the rules. Without it, such numbers block the submission "
                    "to Legal review. Recorded in the page history."
                ),
                verbose_name="legal override of numbers typed by hand",
            ),
        ),
    ]
