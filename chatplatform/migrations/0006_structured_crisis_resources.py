"""Crisis lines with structured claims; the participant's browser region and language.

Seeds the default lines from chatplatform/data/crisis_resources.yaml on an
empty table. Rows that match a seeded line (same region and service) are
brought up to date from the file; lines an organisation added keep their old
wording as a note, so nothing an admin typed is lost (and no claim is made
for them that they did not write).
"""

from pathlib import Path

import yaml
from django.db import migrations, models

DEFAULTS = Path(__file__).resolve().parent.parent / "data" / "crisis_resources.yaml"


def seed(apps, schema_editor):
    CrisisResource = apps.get_model("chatplatform", "CrisisResource")
    entries = yaml.safe_load(DEFAULTS.read_text(encoding="utf-8"))
    if not CrisisResource.objects.exists():
        for position, entry in enumerate(entries):
            CrisisResource.objects.create(position=position, **entry)
        return
    by_line = {(entry["region"], entry["service"]): entry for entry in entries}
    for resource in CrisisResource.objects.all():
        entry = by_line.get((resource.region, resource.service))
        if entry is None:
            resource.note = f"{resource.how_to_reach} {resource.hours_and_cost}".strip()[:300]
        else:
            for name, value in entry.items():
                setattr(resource, name, value)
        resource.save()


class Migration(migrations.Migration):
    dependencies = [("chatplatform", "0005_alter_room_kind")]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="locale_region",
            field=models.CharField(blank=True, max_length=8),
        ),
        migrations.AddField(
            model_name="participant",
            name="language",
            field=models.CharField(blank=True, max_length=8),
        ),
        migrations.AddField(
            model_name="crisisresource",
            name="email",
            field=models.EmailField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name="crisisresource",
            name="web_chat",
            field=models.BooleanField(
                default=False, help_text="The website offers a chat with the service."
            ),
        ),
        migrations.AddField(
            model_name="crisisresource",
            name="call_languages",
            field=models.CharField(
                blank=True,
                help_text="Language codes calls can be taken in, comma-separated (e.g. en,fr).",
                max_length=40,
            ),
        ),
        migrations.AddField(
            model_name="crisisresource",
            name="open_24_7",
            field=models.BooleanField(default=False, help_text="Checked: open 24 hours, 7 days."),
        ),
        migrations.AddField(
            model_name="crisisresource",
            name="cost",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Not established (nothing is said about cost)"),
                    ("free", "Free"),
                    ("free_from_mobiles", "Free from mobile phones"),
                ],
                default="",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="crisisresource",
            name="not_on_phone_bill",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="crisisresource",
            name="confidential",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="crisisresource",
            name="note",
            field=models.CharField(
                blank=True,
                help_text="Shown as written, in every language. Leave empty unless checked.",
                max_length=300,
            ),
        ),
        migrations.AlterField(
            model_name="crisisresource",
            name="phone",
            field=models.CharField(
                blank=True, help_text="The number to call, as people write it.", max_length=30
            ),
        ),
        migrations.AlterField(
            model_name="crisisresource",
            name="text_number",
            field=models.CharField(
                blank=True,
                help_text="Only for services that really answer text messages.",
                max_length=30,
            ),
        ),
        migrations.AlterField(
            model_name="crisisresource",
            name="region_name",
            field=models.CharField(
                help_text="Shown where the site has no translated name for the region.",
                max_length=80,
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RemoveField(model_name="crisisresource", name="how_to_reach"),
        migrations.RemoveField(model_name="crisisresource", name="hours_and_cost"),
    ]
