from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = _("Crisis escalation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from chatplatform.models import QueueTicket
        from chatplatform.signals import chat_matched, message_stored, participant_erased
        from escalation import checks, receivers, room_frames, safety_plan, screening

        # Build the detector now: a wrong RISK_DETECTOR stops the process at start, and
        # the first participant message does not wait for the signals to load.
        checks.detector()

        message_stored.connect(receivers.on_message_stored, dispatch_uid="escalation-risk")
        chat_matched.connect(receivers.on_chat_matched, dispatch_uid="escalation-matched")
        post_save.connect(
            receivers.on_ticket_saved, sender=QueueTicket, dispatch_uid="escalation-ticket"
        )
        participant_erased.connect(
            safety_plan.forget_participant, dispatch_uid="escalation-safety-plan-erase"
        )
        participant_erased.connect(
            screening.forget_participant, dispatch_uid="escalation-screening-erase"
        )
        room_frames.register()
