"""A refused socket is accepted, then closed with the documented code, so browsers see why.

Browsers hide the status of a refused HTTP upgrade; a close code after the
handshake reaches the page (``CloseEvent.code``). The last frame before the
close names the reason and says it in words.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from websockets.exceptions import ConnectionClosed

from chatplatform import roles
from tests.conftest import ORIGIN
from tests.servers import LiveClient


async def raw_connect(path: str, session_key: str | None = None) -> WebsocketCommunicator:
    from chatplatform.asgi import application

    headers = [(b"origin", ORIGIN.encode()), (b"host", b"testserver")]
    if session_key is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def refusal(communicator: WebsocketCommunicator) -> tuple[dict, int]:
    import json

    connected, _ = await communicator.connect(timeout=5)
    assert connected, "the handshake itself must succeed so that the close code is seen"
    frame = json.loads(await communicator.receive_from(timeout=5))
    closing = await communicator.receive_output(timeout=5)
    assert closing["type"] == "websocket.close"
    return frame, closing["code"]


@pytest.mark.django_db(transaction=True)
class TestRefusals:
    async def test_no_identity_is_4401_with_a_reason(self, make_group_room):
        room = await sync_to_async(make_group_room)()
        frame, code = await refusal(await raw_connect(f"/ws/rooms/{room.pk}/"))
        assert code == 4401
        assert frame["type"] == "closed" and frame["code"] == 4401
        assert frame["reason"] == "unauthenticated" and frame["detail"]

    async def test_someone_elses_chat_is_4403(
        self, session_for, make_participant, make_direct_chat
    ):
        room, _, _ = await sync_to_async(make_direct_chat)()
        key = await sync_to_async(session_for)(await sync_to_async(make_participant)())
        frame, code = await refusal(await raw_connect(f"/ws/rooms/{room.pk}/", key))
        assert (code, frame["code"], frame["reason"]) == (4403, 4403, "forbidden")

    async def test_a_banned_participant_is_told_so(
        self, session_for, make_participant, make_group_room
    ):
        from moderation.models import Sanction

        room = await sync_to_async(make_group_room)()
        participant = await sync_to_async(make_participant)()
        await sync_to_async(Sanction.objects.create)(
            kind=Sanction.Kind.BAN, participant=participant
        )
        key = await sync_to_async(session_for)(participant)
        frame, code = await refusal(await raw_connect(f"/ws/rooms/{room.pk}/", key))
        assert (code, frame["reason"]) == (4403, "banned")

    async def test_an_unknown_room_is_4404(self, session_for, make_participant):
        key = await sync_to_async(session_for)(await sync_to_async(make_participant)())
        frame, code = await refusal(await raw_connect("/ws/rooms/999999/", key))
        assert (code, frame["reason"]) == (4404, "not_found")

    async def test_too_many_sockets_is_4429(
        self, ws_connect, session_for, make_participant, make_group_room, settings
    ):
        settings.WS_MAX_CONNECTIONS_PER_IDENTITY = 1
        room = await sync_to_async(make_group_room)()
        key = await sync_to_async(session_for)(await sync_to_async(make_participant)())
        assert (await ws_connect(f"/ws/rooms/{room.pk}/", key))[0]
        frame, code = await refusal(await raw_connect(f"/ws/rooms/{room.pk}/", key))
        assert (code, frame["reason"]) == (4429, "too_many_connections")

    async def test_the_staff_console_refuses_a_participant_with_4403(
        self, session_for, make_participant
    ):
        key = await sync_to_async(session_for)(await sync_to_async(make_participant)())
        _, code = await refusal(await raw_connect("/ws/staff/", key))
        assert code == 4403

    async def test_the_supervisor_console_refuses_a_mentor_with_4403(self, session_for, make_staff):
        key = await sync_to_async(session_for)(await sync_to_async(make_staff)(roles.MENTOR))
        _, code = await refusal(await raw_connect("/ws/supervisor/", key))
        assert code == 4403


@pytest.mark.integration
@pytest.mark.asyncio
async def test_browsers_see_the_close_codes_of_a_real_server(start_nodes):
    """On real Daphne, a websocket client sees the code (not an HTTP 403) for each refusal."""
    (node,) = start_nodes(env={"WS_MAX_CONNECTIONS_PER_IDENTITY": "1"})
    anonymous, participant = LiveClient(node), LiveClient(node)
    try:
        participant.get("/chat/1/")
        seen = {}
        for client, path in ((anonymous, "/ws/rooms/1/"), (participant, "/ws/rooms/999/")):
            socket = await client.websocket(path)
            closed = await socket.receive_type("closed")
            with pytest.raises(ConnectionClosed) as ended:
                await socket.receive()
            seen[closed["reason"]] = (closed["code"], ended.value.rcvd.code)
        first = await participant.websocket("/ws/rooms/1/")
        await first.receive_type("hello")
        second = await participant.websocket("/ws/rooms/1/")
        closed = await second.receive_type("closed")
        with pytest.raises(ConnectionClosed) as ended:
            await second.receive()
        seen[closed["reason"]] = (closed["code"], ended.value.rcvd.code)
    finally:
        await anonymous.close()
        await participant.close()
    assert seen == {
        "unauthenticated": (4401, 4401),
        "not_found": (4404, 4404),
        "too_many_connections": (4429, 4429),
    }
