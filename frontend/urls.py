from django.urls import path

from frontend import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("help/", views.crisis_page, name="crisis"),
    path("help/region/", views.set_region, name="set-region"),
    path("me/handle/", views.new_handle, name="new-handle"),
    path("chat/request/", views.request_chat, name="request-chat"),
    path("queue/", views.queue_page, name="queue"),
    path("queue/leave/", views.leave_queue, name="leave-queue"),
    path("chat/<int:room_id>/", views.room_page, name="room"),
    path("chat/<int:room_id>/ended/", views.chat_ended, name="chat-ended"),
    path("chat/<int:room_id>/leave/", views.leave_room, name="leave-room"),
    path("staff/", views.staff_console, name="staff-console"),
    path("privacy/", views.privacy_page, name="privacy"),
    path("me/data/download/", views.download_my_data, name="download-my-data"),
    path("me/data/delete/", views.delete_my_data, name="delete-my-data"),
]
