from django.db import migrations, models
from django.db.models import Max


def backfill(apps, schema_editor):
    """Mutes set before this field existed must still be checked."""
    Sanction = apps.get_model("moderation", "Sanction")
    RoomState = apps.get_model("moderation", "RoomState")
    latest = (
        Sanction.objects.filter(kind="mute", lifted_at=None, room__isnull=False)
        .values("room_id")
        .annotate(until=Max("ends_at"))
    )
    for row in latest:
        state, _ = RoomState.objects.get_or_create(room_id=row["room_id"])
        state.mutes_until = row["until"]
        state.save(update_fields=["mutes_until"])


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0002_default_rules"),
    ]

    operations = [
        migrations.AddField(
            model_name="roomstate",
            name="mutes_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
