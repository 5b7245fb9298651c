"""Property tests (Hypothesis): whatever a client sends, the server answers and keeps the socket.

Arbitrary JSON, nesting, sizes, unicode edge cases (lone surrogates included),
wrong types, binary frames and every frame type of the room protocol with
arbitrary fields. Example counts are bounded so that the suite stays fast: each
property runs a multiple of the Hypothesis profile's count (tests/conftest.py: 100 in
`make test`, 1,000 with HYPOTHESIS_PROFILE=thorough).
"""

from __future__ import annotations

import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatplatform import frames
from chatplatform.consumers import ROOM_SPECS
from chatplatform.extensions import ROOM_FRAMES

# Every code point, lone surrogates included (Hypothesis leaves them out by default).
any_text = st.text(st.characters(exclude_categories=()), max_size=40)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | any_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=20,
)


def examples(share: float) -> int:
    """This property's example count: ``share`` times the loaded profile's."""
    return round(share * settings.default.max_examples)


FRAME_TYPES = sorted({*ROOM_SPECS, *ROOM_FRAMES})
FIELD_NAMES = sorted(
    {spec.name for specs in ROOM_SPECS.values() for spec in specs}
    | {spec.name for frame in ROOM_FRAMES.values() for spec in frame.fields}
    | {"ref", "client_id"}
)
typed_frames = st.builds(
    lambda frame_type, fields: {**fields, "type": frame_type},
    st.sampled_from(FRAME_TYPES),
    st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=4),
)
raw_text_frames = st.one_of(
    json_values.map(json.dumps),
    typed_frames.map(json.dumps),
    st.text(min_size=1, max_size=200),
    st.integers(min_value=1, max_value=32_000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(min_value=60_000, max_value=70_000).map(
        lambda size: '{"type":"ping","x":"' + "é" * (size // 2) + '"}'
    ),
)


@settings(max_examples=examples(3))
@given(raw_text_frames)
def test_the_decoder_returns_a_typed_frame_or_a_frame_error(raw):
    try:
        data = frames.decode(raw)
    except frames.FrameError as error:
        assert error.code in {"bad_json", "invalid", "too_long"}
        assert error.detail
        return
    assert isinstance(data, dict) and isinstance(data["type"], str)


@settings(max_examples=examples(2))
@given(typed_frames)
def test_frames_sent_are_compact_ascii_json_that_decodes_to_the_same_frame(frame):
    text = frames.encode(frame)
    assert text == json.dumps(frame, separators=(",", ":"))
    assert text.isascii()
    assert json.loads(text) == frame


@settings(max_examples=examples(1))
@given(st.binary(max_size=200))
def test_binary_frames_are_refused_as_bad_json(raw):
    with pytest.raises(frames.FrameError) as refused:
        frames.decode(raw)
    assert refused.value.code == "bad_json"


@pytest.fixture
async def room_pair(ws_connect, session_for, make_participant, make_group_room, settings):
    """A group room with two participants' sockets; limits raised so no example is throttled."""
    settings.WS_FRAME_BURST = 100_000
    settings.WS_IDENTITY_FRAMES_PER_MINUTE = 1_000_000
    settings.MESSAGE_RATE_BURST = 100_000
    settings.MESSAGE_RATE_PER_MINUTE = 1_000_000
    room = await sync_to_async(make_group_room)()
    sockets = []
    for _ in range(2):
        key = await sync_to_async(session_for)(await sync_to_async(make_participant)())
        connected, code, socket = await ws_connect(f"/ws/rooms/{room.pk}/", key)
        assert connected, code
        await socket.receive_type("hello")
        sockets.append(socket)
    return sockets


# Frames the server sends to every socket of a room; they may arrive at any time.
BROADCASTS = {"message", "typing", "presence", "moderation.state", "chat.ended"}


async def replies_until_marker(socket) -> list[dict]:
    """Everything the socket got for one frame, up to the error answering a marker frame."""
    marker = uuid.uuid4().hex
    await socket.send({"type": "end-of-example", "ref": marker})
    replies = []
    while True:
        frame = await socket.receive(timeout=10)
        if frame["type"] == "error" and frame.get("ref") == marker:
            return replies
        if frame["type"] not in BROADCASTS:
            replies.append(frame)


@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=examples(0.6),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# (The test client cannot send an empty frame; the decoder test above covers it.)
@given(frame=st.one_of(raw_text_frames, st.binary(min_size=1, max_size=64)))
async def test_every_frame_gets_at_most_one_error_and_the_socket_stays_open(room_pair, frame):
    sender, other = room_pair
    if isinstance(frame, bytes):
        await sender.communicator.send_to(bytes_data=frame)
    else:
        await sender.send(frame)
    replies = await replies_until_marker(sender)
    errors = [reply for reply in replies if reply["type"] == "error"]
    assert len(errors) <= 1, replies
    assert all(reply["type"] != "closed" for reply in replies)
    try:
        decoded = frames.decode(frame)
    except frames.FrameError:
        assert len(errors) == 1, (frame[:200], replies)
    else:
        if decoded["type"] not in FRAME_TYPES:
            assert [e["code"] for e in errors] == ["unknown_type"]
    # The other participant's socket is untouched by whatever the sender did.
    assert await replies_until_marker(other) == []
