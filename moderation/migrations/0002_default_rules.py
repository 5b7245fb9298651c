from django.db import migrations


def load_default_rules(apps, schema_editor):
    from moderation.rulefile import DEFAULT_RULES_FILE, parse_rules
    from moderation.services.rulebook import do_load_rules

    do_load_rules(
        parse_rules(DEFAULT_RULES_FILE.read_text()),
        apps.get_model("moderation", "Rule"),
        apps.get_model("chatplatform", "Room"),
    )


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]

    operations = [migrations.RunPython(load_default_rules, migrations.RunPython.noop)]
