# Approval (issue 12): the index the approval sweep and the queue's "decision
# overdue" filter read (requests waiting past their approval_due_by).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("return_portal", "0006_unit_inspection"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="returnrequest",
            index=models.Index(
                fields=["status", "approval_due_by"], name="return_status_approval_idx"
            ),
        ),
    ]
