from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class MentoringConfig(AppConfig):
    """The peer mentor programme: training, supervision, fidelity and mentor wellbeing."""

    name = "chatplatform.mentoring"
    label = "mentoring"
    verbose_name = _("Mentor programme")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from chatplatform.mentoring import debriefs, practice, registry, shifts
        from chatplatform.mentoring.curriculum import CurriculumError
        from chatplatform.signals import chat_ended, mentor_presence, message_stored

        mentor_presence.connect(shifts.on_mentor_presence, dispatch_uid="mentoring-shifts")
        message_stored.connect(practice.on_message_stored, dispatch_uid="mentoring-practice")
        chat_ended.connect(debriefs.on_chat_ended, dispatch_uid="mentoring-debriefs-ended")
        # The escalation's own saves open debriefs: a lazy sender, so the escalation app is
        # neither imported nor edited (and may be absent).
        post_save.connect(
            debriefs.on_escalation_saved,
            sender="escalation.Escalation",
            dispatch_uid="mentoring-debriefs",
        )

        # A broken curriculum or a required module it lacks stops the process at start,
        # not the first mentor who opens the training page.
        from chatplatform.mentoring import fidelity
        from chatplatform.mentoring.fidelity_rules import ChecklistError
        from chatplatform.mentoring.scenarios import ScenarioError

        try:
            registry.required_modules()
            fidelity.checklist()
            unknown = [
                m.id
                for m in registry.curriculum()
                if m.practice and m.practice not in practice.scenarios()
            ]
            if unknown:
                raise ScenarioError(", ".join(unknown), "names a practice scenario that is missing")
        except (CurriculumError, ChecklistError, ScenarioError) as error:
            raise ImproperlyConfigured(f"Mentor programme: {error}") from None
