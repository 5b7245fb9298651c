from django.urls import path

from escalation import consumers

websocket_urlpatterns = [
    path("ws/supervisor/", consumers.SupervisorConsumer.as_asgi()),
    path("ws/help/urgent/", consumers.BannedWaitConsumer.as_asgi()),
]
