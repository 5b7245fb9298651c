"""The on-call rota: weekly recurring shifts; dated shifts become one-off overrides."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0004_pager_alerts_and_console_watch"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel(old_name="OnCallShift", new_name="OnCallOverride"),
        migrations.AlterModelOptions(
            name="oncalloverride",
            options={
                "ordering": ["starts_at", "tier", "id"],
                "verbose_name": "one-off on-call shift (override)",
                "verbose_name_plural": "one-off on-call shifts (overrides)",
            },
        ),
        migrations.AlterField(
            model_name="oncalloverride",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="on_call_overrides",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="oncalloverride",
            name="ends_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Leave empty to replace the weekly shifts of this tier until removed.",
                null=True,
            ),
        ),
        migrations.RenameIndex(
            model_name="oncalloverride",
            new_name="escalation__starts__34d405_idx",
            old_name="escalation__starts__26743e_idx",
        ),
        migrations.CreateModel(
            name="WeeklyShift",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "tier",
                    models.CharField(
                        choices=[("primary", "Primary"), ("backup", "Backup")], max_length=8
                    ),
                ),
                (
                    "weekday",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (0, "Monday"),
                            (1, "Tuesday"),
                            (2, "Wednesday"),
                            (3, "Thursday"),
                            (4, "Friday"),
                            (5, "Saturday"),
                            (6, "Sunday"),
                        ]
                    ),
                ),
                ("starts", models.TimeField()),
                (
                    "ends",
                    models.TimeField(
                        help_text=(
                            "At or before the start: the shift ends the next day "
                            "(equal: 24 hours)."
                        )
                    ),
                ),
                ("time_zone", models.CharField(default="UTC", max_length=64)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="oncall_weekly_shifts",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "weekly on-call shift",
                "verbose_name_plural": "weekly on-call shifts",
                "ordering": ["weekday", "starts", "tier", "id"],
            },
        ),
    ]
