from django.urls import path

from escalation.risk_marks import views

urlpatterns = [
    path("staff/risk-marks/", views.mark_message, name="risk-mark"),
    path("supervisor/risk-marks/", views.review_list, name="risk-marks-review"),
    path(
        "supervisor/risk-marks/<int:mark_id>/read/",
        views.read_marked_message,
        name="risk-marks-read",
    ),
    path("supervisor/risk-marks/export/", views.export_marks, name="risk-marks-export"),
]
