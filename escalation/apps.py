from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = _("Crisis escalation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from chatplatform.signals import chat_matched, message_stored
        from escalation import checks, receivers, room_frames

        # Build the detector now: a wrong RISK_DETECTOR stops the process at start, and
        # the first participant message does not wait for the signals to load.
        checks.detector()

        message_stored.connect(receivers.on_message_stored, dispatch_uid="escalation-risk")
        chat_matched.connect(receivers.on_chat_matched, dispatch_uid="escalation-matched")
        room_frames.register()
