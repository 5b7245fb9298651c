from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from chatplatform.models import CrisisResource
        from chatplatform.signals import message_stored
        from moderation import frames, ruleset
        from moderation.models import Rule
        from moderation.services.review import on_message_stored

        frames.register()
        message_stored.connect(on_message_stored, dispatch_uid="moderation-message-stored")
        for model in (Rule, CrisisResource):
            post_save.connect(ruleset.invalidate, sender=model, dispatch_uid=f"rules-{model}")
            post_delete.connect(ruleset.invalidate, sender=model, dispatch_uid=f"rules-d-{model}")
