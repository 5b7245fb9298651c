"""Seed the default crisis lines from chatplatform/data/crisis_resources.yaml (checked facts)."""

from pathlib import Path

import yaml
from django.db import migrations

DEFAULTS = Path(__file__).resolve().parent.parent / "data" / "crisis_resources.yaml"


def seed(apps, schema_editor):
    CrisisResource = apps.get_model("chatplatform", "CrisisResource")
    if CrisisResource.objects.exists():
        return
    for position, entry in enumerate(yaml.safe_load(DEFAULTS.read_text(encoding="utf-8"))):
        CrisisResource.objects.create(position=position, **entry)


class Migration(migrations.Migration):
    dependencies = [("chatplatform", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
