from django.urls import path

from chatplatform.mentoring import fidelity_views, practice_views, programme_views, views

urlpatterns = [
    path("staff/training/", views.training, name="training"),
    path("staff/training/<slug:module_id>/", views.module_page, name="training-module"),
    path("staff/me/", fidelity_views.my_programme, name="my-programme"),
    path("staff/me/check-in/", fidelity_views.check_in, name="check-in"),
    path("staff/me/shifts/", fidelity_views.add_weekly_shift, name="weekly-shift-add"),
    path(
        "staff/me/shifts/<int:shift_id>/remove/",
        fidelity_views.remove_weekly_shift,
        name="weekly-shift-remove",
    ),
    path(
        "staff/programme/mentors/<int:mentor_id>/",
        fidelity_views.mentor_page,
        name="programme-mentor",
    ),
    path("staff/practice/", practice_views.start, name="practice-start"),
    path(
        "staff/programme/practice/<int:session_id>/reviewed/",
        practice_views.review,
        name="practice-review",
    ),
    path("staff/fidelity/<int:room_id>/", fidelity_views.rate_chat, name="fidelity-rate"),
    path(
        "staff/programme/fidelity/<int:rating_id>/",
        fidelity_views.review_chat,
        name="fidelity-review",
    ),
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
