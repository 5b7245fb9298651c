from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from chatplatform import views

PROJECT_APPS = ["chatplatform", "moderation", "escalation", "evaluation", "frontend"]

urlpatterns = [
    # Admins sign in through allauth, which asks for their second factor.
    path("admin/login/", RedirectView.as_view(url="/accounts/login/", query_string=True)),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/rooms/", views.api_rooms, name="api-rooms"),
    path("staff/moderation/", include("moderation.urls")),
    # Only the project's own strings: Django admin's JavaScript catalogue is not for participants.
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=PROJECT_APPS),
        name="javascript-catalog",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("evaluation/", include("evaluation.urls")),
    path("", include("escalation.urls")),
    path("", include("frontend.urls")),
]
