"""Every frame is answered: one guarded decode path, and errors (even ours) as error frames.

The decoder limits a frame's size in bytes before parsing, its nesting depth, and
refuses a type that is not text, lone surrogates and integers beyond what every
client can represent. A handler that fails unexpectedly answers ``internal`` with a
reference that is also in the log line, and the socket stays open.
"""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from asgiref.sync import sync_to_async

from chatplatform import frames, roles
from chatplatform.frames import FrameError, field

SPECS: frames.FrameSpecs = {
    "resume": (field("after", frames.integer(minimum=0)),),
    "say": (field("body", frames.text()),),
}


def decode_error(raw: str | bytes | None) -> FrameError:
    with pytest.raises(FrameError) as caught:
        frames.decode(raw)
    return caught.value


class TestDecode:
    def test_a_plain_frame_decodes(self):
        assert frames.decode('{"type": "ping", "ref": "r1"}') == {"type": "ping", "ref": "r1"}

    def test_binary_frames_are_refused(self):
        assert decode_error(b'{"type": "ping"}').code == "bad_json"
        assert decode_error(None).code == "bad_json"

    def test_the_size_limit_counts_bytes_not_characters(self):
        emoji = "\U0001f600"  # four bytes in UTF-8
        body = emoji * (frames.MAX_FRAME_BYTES // 4)
        raw = json.dumps({"type": "say", "body": body}, ensure_ascii=False)
        assert len(raw) < frames.MAX_FRAME_BYTES < len(raw.encode())
        assert decode_error(raw).code == "too_long"

    def test_a_frame_just_under_the_limit_passes(self):
        raw = json.dumps({"type": "say", "body": "é" * 30_000}, ensure_ascii=False)
        assert len(raw.encode()) < frames.MAX_FRAME_BYTES
        assert frames.decode(raw)["body"] == "é" * 30_000

    @pytest.mark.parametrize("depth", [9, 900, 30_000])
    def test_deep_nesting_is_refused(self, depth):
        raw = '{"type": "say", "x": ' + "[" * depth + "]" * depth + "}"
        assert len(raw.encode()) <= frames.MAX_FRAME_BYTES
        error = decode_error(raw)
        assert error.code in {"invalid", "bad_json"}

    def test_nesting_up_to_the_limit_is_fine(self):
        inner = "[" * (frames.MAX_FRAME_DEPTH - 1) + "]" * (frames.MAX_FRAME_DEPTH - 1)
        assert frames.decode('{"type": "say", "x": ' + inner + "}")["type"] == "say"

    @pytest.mark.parametrize("value", ["[]", "{}", "7", "null", "true"])
    def test_a_type_that_is_not_text_is_invalid(self, value):
        error = decode_error('{"type": ' + value + "}")
        assert error.code == "invalid"

    @pytest.mark.parametrize(
        "raw",
        [
            '{"type": "say", "body": "cut \\ud83d"}',
            '{"type": "say", "body": "\\udc00 reversed"}',
            '{"type": "say", "\\ud800": 1}',
            '{"type": "say", "x": ["\\udfff"]}',
        ],
    )
    def test_lone_surrogates_are_invalid_and_keep_the_reference(self, raw):
        data = json.loads(raw)
        data["client_id"] = "6f1c1c1e-1f0a-4b8a-9d55-2b0f1c6c9a10"
        error = decode_error(json.dumps(data))
        assert error.code == "invalid"
        assert error.ref == data["client_id"]

    def test_a_whole_emoji_is_fine(self):
        assert frames.decode('{"type": "say", "body": "\\ud83d\\ude00"}')["body"] == "\U0001f600"

    @pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
    def test_non_standard_json_constants_are_refused(self, constant):
        assert decode_error('{"type": "say", "x": ' + constant + "}").code == "bad_json"

    def test_a_reference_with_a_lone_surrogate_is_not_echoed(self):
        assert frames.reference({"ref": "r\ud800"}) is None


class TestIntegers:
    @pytest.mark.parametrize("value", [2**53, 2**63, int("9" * 4000), -(2**53)])
    def test_integer_fields_stop_at_the_largest_safe_integer(self, value):
        with pytest.raises(FrameError) as caught:
            frames.parse_frame({"type": "resume", "after": value}, SPECS)
        assert caught.value.code == "invalid"

    def test_the_largest_safe_integer_itself_is_accepted(self):
        assert frames.parse_frame({"type": "resume", "after": 2**53 - 1}, SPECS)[1] == {
            "after": 2**53 - 1
        }

    def test_an_explicit_maximum_still_applies(self):
        parse = frames.integer(minimum=1, maximum=10)
        assert parse("limit", 10) == 10
        with pytest.raises(FrameError):
            parse("limit", 11)


# --- The room consumer ---------------------------------------------------------------------


def send_frame(body: str) -> dict:
    return {"type": "message.send", "client_id": str(uuid.uuid4()), "body": body}


async def open_room(ws_connect, session_for, who, room):
    connected, code, socket = await ws_connect(
        f"/ws/rooms/{room.pk}/", await sync_to_async(session_for)(who)
    )
    assert connected, code
    await socket.receive_type("hello")
    return socket


BAD_FRAMES = [
    ("[" * 30_000 + "]" * 30_000, {"bad_json", "invalid"}),
    ('{"type": "x", "a": ' + "[" * 50 + "]" * 50 + "}", {"invalid"}),
    ('{"type": ["message.send"]}', {"invalid"}),
    ('{"type": {"a": 1}}', {"invalid"}),
    ('{"type": 12}', {"invalid"}),
    (
        '{"type": "message.send", "client_id": "6f1c1c1e-1f0a-4b8a-9d55-2b0f1c6c9a10", '
        '"body": "half an emoji \\ud83d"}',
        {"invalid"},
    ),
    ('{"type": "history", "before": 9223372036854775808}', {"invalid"}),
    ('{"type": "resume", "after": ' + "9" * 4000 + "}", {"invalid"}),
    ('{"type": "resume", "after": NaN}', {"bad_json"}),
    (json.dumps({"type": "ping", "pad": "\U0001f600" * 17_000}, ensure_ascii=False), {"too_long"}),
]


@pytest.mark.django_db(transaction=True)
class TestRoomConsumer:
    @pytest.mark.parametrize(("raw", "codes"), BAD_FRAMES)
    async def test_a_bad_frame_gets_an_error_and_the_socket_stays_open(
        self, ws_connect, session_for, make_participant, make_group_room, raw, codes
    ):
        room = await sync_to_async(make_group_room)()
        socket = await open_room(
            ws_connect, session_for, await sync_to_async(make_participant)(), room
        )
        await socket.send(raw)
        error = await socket.receive()
        assert error["type"] == "error" and error["code"] in codes, error
        assert error["detail"]
        await socket.send(send_frame("still here"))
        assert (await socket.receive_type("message.ack"))["id"] == 1

    async def test_the_refused_surrogate_body_is_answered_with_its_client_id(
        self, ws_connect, session_for, make_participant, make_group_room
    ):
        room = await sync_to_async(make_group_room)()
        socket = await open_room(
            ws_connect, session_for, await sync_to_async(make_participant)(), room
        )
        frame = send_frame("x")
        raw = json.dumps(frame).replace('"x"', '"half \\ud83d"')
        await socket.send(raw)
        error = await socket.receive_type("error")
        assert (error["code"], error["ref"]) == ("invalid", frame["client_id"])

    async def test_a_binary_frame_gets_an_error(
        self, ws_connect, session_for, make_participant, make_group_room
    ):
        room = await sync_to_async(make_group_room)()
        socket = await open_room(
            ws_connect, session_for, await sync_to_async(make_participant)(), room
        )
        await socket.communicator.send_to(bytes_data=b'{"type": "ping"}')
        assert (await socket.receive())["code"] == "bad_json"
        await socket.send({"type": "ping"})
        assert (await socket.receive())["type"] == "pong"

    async def test_malformed_frames_count_against_the_frame_rate_limit(
        self, ws_connect, session_for, make_participant, make_group_room, settings
    ):
        settings.WS_FRAME_BURST = 3
        settings.WS_FRAMES_PER_SECOND = 0.01
        room = await sync_to_async(make_group_room)()
        socket = await open_room(
            ws_connect, session_for, await sync_to_async(make_participant)(), room
        )
        codes = []
        for _ in range(4):
            await socket.send("not json")
            codes.append((await socket.receive())["code"])
        assert codes == ["bad_json", "bad_json", "bad_json", "rate_limited"]
        await socket.send({"type": "ping"})
        assert (await socket.receive())["code"] == "rate_limited"

    async def test_a_rate_limited_message_keeps_its_client_id_so_the_outbox_retries(
        self, ws_connect, session_for, make_participant, make_group_room, settings
    ):
        settings.WS_FRAME_BURST = 1
        settings.WS_FRAMES_PER_SECOND = 0.01
        room = await sync_to_async(make_group_room)()
        socket = await open_room(
            ws_connect, session_for, await sync_to_async(make_participant)(), room
        )
        await socket.send({"type": "ping"})
        await socket.receive_type("pong")
        frame = send_frame("later")
        await socket.send(frame)
        error = await socket.receive_type("error")
        assert (error["code"], error["ref"]) == ("rate_limited", frame["client_id"])

    async def test_an_unexpected_failure_is_answered_internal_with_a_reference_in_the_log(
        self, ws_connect, session_for, make_participant, make_group_room, monkeypatch, caplog
    ):
        from chatplatform.services import messages

        def broken(*args, **kwargs):
            raise RuntimeError("a bug")

        room = await sync_to_async(make_group_room)()
        socket = await open_room(
            ws_connect, session_for, await sync_to_async(make_participant)(), room
        )
        monkeypatch.setattr(messages, "messages_before", broken)
        with caplog.at_level(logging.ERROR, logger="chatplatform.consumers"):
            await socket.send({"type": "history", "ref": "h1"})
            error = await socket.receive()
        assert (error["type"], error["code"], error["ref"]) == ("error", "internal", "h1")
        assert error["error_id"] and error["error_id"] in error["detail"]
        logged = [r for r in caplog.records if getattr(r, "error_id", None) == error["error_id"]]
        assert len(logged) == 1 and logged[0].exc_info is not None
        await socket.send({"type": "ping"})
        assert (await socket.receive())["type"] == "pong"

    async def test_other_sockets_in_the_room_are_unaffected_by_a_bad_frame(
        self, ws_connect, session_for, make_participant, make_staff, make_group_room
    ):
        mentor = await sync_to_async(make_staff)(roles.MENTOR)
        room = await sync_to_async(make_group_room)(hosts=(mentor,))
        bad = await open_room(
            ws_connect, session_for, await sync_to_async(make_participant)(), room
        )
        good = await open_room(ws_connect, session_for, mentor, room)
        await bad.send("[" * 30_000 + "]" * 30_000)
        assert (await bad.receive())["type"] == "error"
        await good.send(send_frame("fine here"))
        assert (await good.receive_type("message.ack"))["id"] == 1
        assert (await bad.receive_type("message"))["body"] == "fine here"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "outage",
    [
        "redis.exceptions.ConnectionError",
        "redis.exceptions.TimeoutError",
        "django.db.OperationalError",
    ],
)
async def test_an_outage_is_answered_try_again_with_no_traceback(
    outage, ws_connect, session_for, make_participant, make_group_room, monkeypatch, caplog
):
    """Redis or the database out of reach is not a bug in the frame: the client is told
    to send it again, and the log gets one WARNING line without the error's text."""
    import importlib

    from chatplatform.services import messages

    module, name = outage.rsplit(".", 1)
    error_type = getattr(importlib.import_module(module), name)

    def unreachable(*args, **kwargs):
        raise error_type("connection refused to 10.0.0.5 while reading 'private words'")

    room = await sync_to_async(make_group_room)()
    socket = await open_room(ws_connect, session_for, await sync_to_async(make_participant)(), room)
    with monkeypatch.context() as patch:
        patch.setattr(messages, "messages_before", unreachable)
        with caplog.at_level(logging.WARNING, logger="chatplatform.consumers"):
            await socket.send({"type": "history", "ref": "h1"})
            error = await socket.receive()
    assert (error["type"], error["code"], error["ref"], error["retry_after"]) == (
        "error",
        "temporarily_unavailable",
        "h1",
        2,
    )
    logged = [r for r in caplog.records if r.name == "chatplatform.consumers"]
    assert [(r.levelno, r.event, r.error) for r in logged] == [
        (logging.WARNING, "ws.frame_unavailable", name)
    ]
    assert logged[0].exc_info is None
    assert "private words" not in caplog.text and "10.0.0.5" not in caplog.text
    # Back up: the same frame sent again is answered.
    await socket.send({"type": "history", "ref": "h2"})
    assert (await socket.receive_type("history.page"))["has_more"] is False
