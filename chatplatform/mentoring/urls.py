from django.urls import path

from chatplatform.mentoring import programme_views, views

urlpatterns = [
    path("staff/training/", views.training, name="training"),
    path("staff/training/<slug:module_id>/", views.module_page, name="training-module"),
    path("staff/programme/", programme_views.programme, name="programme"),
    path(
        "staff/programme/debriefs/<int:debrief_id>/held/",
        programme_views.complete_debrief,
        name="programme-debrief-held",
    ),
    path("staff/programme/supervision/", programme_views.log_session, name="programme-supervision"),
    path(
        "staff/programme/mentors/<int:mentor_id>/assign/",
        programme_views.assign_mentor,
        name="programme-assign",
    ),
]
