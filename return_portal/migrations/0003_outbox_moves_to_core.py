"""Return notifications join the one outbox (core.OutboxMessage): rows are copied,
unsent ones included, then the return portal's own table is dropped."""

from django.db import migrations

FIELDS = ("kind", "recipient", "language", "subject", "body", "sent_at", "attempts", "last_error")


def copy_to_core(apps, schema_editor):
    Old = apps.get_model("return_portal", "OutboxMessage")
    New = apps.get_model("core", "OutboxMessage")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not Old.objects.exists():
        return
    return_type, _created = ContentType.objects.get_or_create(
        app_label="return_portal", model="returnrequest"
    )
    for old in Old.objects.order_by("created_at", "id").iterator():
        new = New.objects.create(
            **{name: getattr(old, name) for name in FIELDS},
            about_type=return_type if old.return_request_id else None,
            about_id=old.return_request_id,
        )
        # auto_now_add ignores a given value: keep the original order of sending.
        New.objects.filter(pk=new.pk).update(created_at=old.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0002_outbox"),
        ("return_portal", "0002_portal"),
    ]

    operations = [
        migrations.RunPython(copy_to_core, migrations.RunPython.noop),
        migrations.DeleteModel(name="OutboxMessage"),
    ]
