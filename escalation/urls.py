from django.urls import path

from escalation import views

urlpatterns = [
    path("supervisor/", views.supervisor_console, name="supervisor-console"),
    path("supervisor/oncall/", views.oncall_rota, name="oncall-rota"),
    path("help/urgent/", views.urgent_help, name="urgent-help"),
    path("me/safety-plan/", views.my_safety_plan, name="my-safety-plan"),
    path("me/safety-plan/download/", views.safety_plan_download, name="safety-plan-download"),
    path("me/safety-plan/print/", views.safety_plan_print, name="safety-plan-print"),
    path("me/safety-plan/code/", views.safety_plan_code, name="safety-plan-code"),
    path("me/safety-plan/retrieve/", views.safety_plan_retrieve, name="safety-plan-retrieve"),
    path("me/safety-plan/delete/", views.safety_plan_delete, name="safety-plan-delete"),
]
