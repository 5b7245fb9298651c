from django.urls import path

from evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("charts/<slug:name>.svg", views.chart, name="chart"),
    path("export/", views.export, name="export"),
    path("rows/", views.rows_export, name="rows"),
    path("codebook/", views.codebook_export, name="codebook"),
    path("tokens/", views.tokens, name="tokens"),
    path("studies/", views.study_list, name="studies"),
    path("studies/<int:study_id>/register/", views.study_register, name="study-register"),
    path("studies/<int:study_id>/close/", views.study_close, name="study-close"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke-token"),
    path("api/v1/report", views.api_report, name="api-report"),
    path("api/v1/codebook", views.api_codebook, name="api-codebook"),
    path("api/openapi.json", views.api_schema, name="api-schema"),
    path("survey/", views.participation, name="participation"),
    path("survey/consent/", views.consent, name="consent"),
    path("survey/before/", views.survey_pre, name="survey-pre"),
    path("survey/after/<int:room_id>/", views.survey_post, name="survey-post"),
    path("survey/follow-up/", views.survey_followup, name="survey-followup"),
    path("survey/follow-up/dismiss/", views.dismiss_followup, name="dismiss-followup"),
    path("survey/withdraw/", views.withdraw, name="withdraw"),
    path("survey/code/", views.code, name="code"),
    path("survey/code/connect/", views.connect, name="connect"),
    path("referrals/<int:room_id>/", views.record_referral, name="record-referral"),
]
