from django.conf import settings
from django.urls import path

from chatplatform import consumers

websocket_urlpatterns = [
    path("ws/rooms/<int:room_id>/", consumers.RoomConsumer.as_asgi()),
    path("ws/queue/", consumers.QueueConsumer.as_asgi()),
    path("ws/staff/", consumers.StaffConsumer.as_asgi()),
]

if settings.BENCHMARK_ENDPOINTS:
    from chatplatform.bench import BareBroadcastConsumer, SendBatchCountsConsumer

    websocket_urlpatterns += [
        path("ws/bench/bare/<int:room_id>/", BareBroadcastConsumer.as_asgi()),
        path("ws/bench/batches/", SendBatchCountsConsumer.as_asgi()),
    ]
