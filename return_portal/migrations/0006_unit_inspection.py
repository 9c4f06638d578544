"""Per-unit inspection (UnitInspection, InspectionPhoto) and receiving per line.

Returns already marked received got no per-line receipt (the old receive recorded
none: the parcel's arrival meant every unit): their lines now say so, so the
per-unit inspection finds the units to inspect."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import core.storage


def every_unit_of_received_returns_arrived(apps, schema_editor):
    ReturnLine = apps.get_model("return_portal", "ReturnLine")
    for line in ReturnLine.objects.filter(
        return_request__status="received", received_quantity__isnull=True
    ).only("pk", "quantity", "lost_quantity", "wrong_item_quantity", "short_quantity"):
        line.received_quantity = (
            line.quantity - line.lost_quantity - line.wrong_item_quantity - line.short_quantity
        )
        line.save(update_fields=["received_quantity"])


class Migration(migrations.Migration):
    dependencies = [
        ("return_portal", "0005_back_office"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="UnitInspection",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("unit", models.PositiveSmallIntegerField(verbose_name="unit")),
                ("checks", models.JSONField(default=dict, verbose_name="checklist")),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("full_refund", "full refund"),
                            ("partial_refund", "partial refund"),
                            ("repair", "repair"),
                            ("replacement", "replacement"),
                            ("store_credit", "store credit"),
                            ("refused", "refused"),
                        ],
                        max_length=16,
                        verbose_name="outcome",
                    ),
                ),
                (
                    "earnings",
                    models.DecimalField(decimal_places=2, max_digits=12, verbose_name="earns"),
                ),
                (
                    "deduction",
                    models.DecimalField(
                        decimal_places=2, default=0, max_digits=12, verbose_name="deduction"
                    ),
                ),
                (
                    "deduction_reason",
                    models.CharField(
                        blank=True, max_length=255, verbose_name="reason for the deduction"
                    ),
                ),
                (
                    "justification",
                    models.TextField(blank=True, max_length=2000, verbose_name="justification"),
                ),
                (
                    "disposition",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("return_to_buyer", "sent back to the buyer"),
                            ("kept_at_buyers_request", "kept at the buyer's request"),
                        ],
                        max_length=24,
                        verbose_name="the goods are",
                    ),
                ),
                ("inspected_at", models.DateTimeField(verbose_name="inspected at")),
                (
                    "inspected_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="inspected by",
                    ),
                ),
                (
                    "return_line",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="unit_inspections",
                        to="return_portal.returnline",
                        verbose_name="returned line",
                    ),
                ),
            ],
            options={
                "verbose_name": "unit inspection",
                "verbose_name_plural": "unit inspections",
                "ordering": ["return_line_id", "unit"],
            },
        ),
        migrations.CreateModel(
            name="InspectionPhoto",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "public_id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, unique=True, verbose_name="public id"
                    ),
                ),
                (
                    "check_code",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("visual", "Visual state"),
                            ("packaging", "Packaging"),
                            ("accessories", "Accessories"),
                            ("functional", "Functional test"),
                            ("as_described", "Matches the description"),
                        ],
                        max_length=16,
                        verbose_name="check",
                    ),
                ),
                (
                    "file",
                    models.FileField(
                        storage=core.storage.private_storage,
                        upload_to="inspection-photos/%Y/%m/",
                        verbose_name="file",
                    ),
                ),
                ("original_name", models.CharField(max_length=100, verbose_name="original name")),
                ("content_type", models.CharField(max_length=32, verbose_name="content type")),
                ("size", models.PositiveIntegerField(verbose_name="size")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "inspection",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="photos",
                        to="return_portal.unitinspection",
                        verbose_name="unit inspection",
                    ),
                ),
            ],
            options={
                "verbose_name": "inspection photo",
                "verbose_name_plural": "inspection photos",
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.AddConstraint(
            model_name="unitinspection",
            constraint=models.UniqueConstraint(
                fields=("return_line", "unit"), name="unique_unit_inspection"
            ),
        ),
        migrations.AddConstraint(
            model_name="unitinspection",
            constraint=models.CheckConstraint(
                condition=models.Q(("unit__gte", 1)), name="unit_inspection_unit_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="unitinspection",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("earnings__gte", 0),
                    ("deduction__gte", 0),
                    ("deduction__lte", models.F("earnings")),
                ),
                name="unit_deduction_within_earnings",
            ),
        ),
        migrations.AddConstraint(
            model_name="unitinspection",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("outcome", "partial_refund"),
                        ("deduction__gt", 0),
                        models.Q(("deduction_reason", ""), _negated=True),
                    ),
                    models.Q(
                        models.Q(("outcome", "partial_refund"), _negated=True), ("deduction", 0)
                    ),
                    _connector="OR",
                ),
                name="unit_deduction_only_on_partial_refund",
            ),
        ),
        migrations.AddConstraint(
            model_name="unitinspection",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("outcome", "refused"),
                        ("earnings", 0),
                        models.Q(("justification", ""), _negated=True),
                        ("disposition__in", ["return_to_buyer", "kept_at_buyers_request"]),
                    ),
                    models.Q(models.Q(("outcome", "refused"), _negated=True), ("disposition", "")),
                    _connector="OR",
                ),
                name="unit_refused_earns_nothing",
            ),
        ),
        migrations.AddConstraint(
            model_name="unitinspection",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "outcome__in",
                        [
                            "full_refund",
                            "partial_refund",
                            "repair",
                            "replacement",
                            "store_credit",
                            "refused",
                        ],
                    )
                ),
                name="unit_outcome_known",
            ),
        ),
        migrations.RunPython(every_unit_of_received_returns_arrived, migrations.RunPython.noop),
    ]
