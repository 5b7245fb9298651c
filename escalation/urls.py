from django.urls import path

from escalation import views

urlpatterns = [
    path("supervisor/", views.supervisor_console, name="supervisor-console"),
    path("help/urgent/", views.urgent_help, name="urgent-help"),
]
