from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from chatplatform import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/rooms/", views.api_rooms, name="api-rooms"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("escalation.urls")),
    path("", include("frontend.urls")),
]
