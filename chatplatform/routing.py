from django.urls import path

from chatplatform import consumers

websocket_urlpatterns = [
    path("ws/rooms/<int:room_id>/", consumers.RoomConsumer.as_asgi()),
    path("ws/queue/", consumers.QueueConsumer.as_asgi()),
    path("ws/staff/", consumers.StaffConsumer.as_asgi()),
]
