from django.urls import path

from moderation import views

urlpatterns = [
    path("", views.queue_page, name="moderation-queue"),
    path("items/<int:item_id>/resolve/", views.resolve_item, name="moderation-resolve"),
    path("audit/", views.audit_log, name="moderation-audit"),
]
