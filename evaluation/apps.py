from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from chatplatform.signals import (
            chat_ended,
            chat_matched,
            participant_erased,
            participant_seen,
        )
        from evaluation import receivers

        chat_matched.connect(receivers.chat_started, dispatch_uid="evaluation-chat-start")
        chat_ended.connect(receivers.chat_finished, dispatch_uid="evaluation-chat-end")
        participant_seen.connect(receivers.record_visit, dispatch_uid="evaluation-visit")
        participant_erased.connect(receivers.forget_participant, dispatch_uid="evaluation-erase")
        # A migration that rebuilds a watched table drops its triggers (evaluation.changes).
        post_migrate.connect(
            receivers.install_change_triggers, sender=self, dispatch_uid="evaluation-changes"
        )
