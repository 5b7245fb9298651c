"""Formerly seeded the crisis lines; 0006_structured_crisis_resources seeds them now.

The seed file's fields follow the current model, which this migration's
historical model does not have, so the seeding moved to the migration that
creates those fields. Kept so that the migration graph stays the same.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("chatplatform", "0001_initial")]
    operations = []
