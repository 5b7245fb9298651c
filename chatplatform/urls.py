from django.contrib import admin
from django.urls import include, path
from django.views.decorators.http import require_POST
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog, set_language

from chatplatform import views
from frontend import signin

PROJECT_APPS = ["chatplatform", "moderation", "escalation", "evaluation", "frontend"]

urlpatterns = [
    # Admins sign in through allauth, which asks for their second factor.
    path("admin/login/", RedirectView.as_view(url="/accounts/login/", query_string=True)),
    path("admin/", admin.site.urls),
    # allauth's two-factor set-up, keeping ``next`` through to the last step.
    path("accounts/2fa/totp/activate/", signin.activate_totp, name="mfa_activate_totp"),
    path(
        "accounts/2fa/recovery-codes/", signin.view_recovery_codes, name="mfa_view_recovery_codes"
    ),
    path(
        "accounts/2fa/recovery-codes/generate/",
        signin.generate_recovery_codes,
        name="mfa_generate_recovery_codes",
    ),
    path("accounts/", include("allauth.urls")),
    path("api/rooms/", views.api_rooms, name="api-rooms"),
    path("staff/moderation/", include("moderation.urls")),
    # Only the project's own strings: Django admin's JavaScript catalogue is not for participants.
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=PROJECT_APPS),
        name="javascript-catalog",
    ),
    # Django's own view switches language on any method; only a form's POST may.
    path("i18n/setlang/", require_POST(set_language), name="set_language"),
    path("evaluation/", include("evaluation.urls")),
    path("", include("escalation.urls")),
    path("", include("escalation.risk_marks.urls")),
    path("", include("chatplatform.mentoring.urls")),
    path("", include("frontend.urls")),
]
