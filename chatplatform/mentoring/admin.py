from django.contrib import admin

from chatplatform.mentoring.models import CostRate


@admin.register(CostRate)
class CostRateAdmin(admin.ModelAdmin):
    """Hourly costs an organisation enters for the evaluation report's cost table."""

    list_display = ("activity", "hourly_cost", "currency")
