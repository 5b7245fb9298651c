from django.urls import path

from chatplatform.mentoring import views

urlpatterns = [
    path("staff/training/", views.training, name="training"),
    path("staff/training/<slug:module_id>/", views.module_page, name="training-module"),
]
