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
        from chatplatform.mentoring import registry
        from chatplatform.mentoring.curriculum import CurriculumError

        # A broken curriculum or a required module it lacks stops the process at start,
        # not the first mentor who opens the training page.
        try:
            registry.required_modules()
        except CurriculumError as error:
            raise ImproperlyConfigured(f"Mentor curriculum: {error}") from None
