from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskMarksConfig(AppConfig):
    """Staff marking the risk detector's misses and false alarms, to learn from them."""

    name = "escalation.risk_marks"
    label = "risk_marks"
    verbose_name = _("Risk detection marks")
    default_auto_field = "django.db.models.BigAutoField"
