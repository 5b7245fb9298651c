"""Logs never hold message bodies, form values, emails, phone numbers, IPs or session keys."""

from __future__ import annotations

import io
import json
import logging
import sys
import uuid
from collections.abc import Callable, Iterator

import pytest
from asgiref.sync import sync_to_async
from django.test import Client, RequestFactory
from django.views.debug import get_exception_reporter_class

from chatplatform import logs, pipeline, pseudonyms
from chatplatform.redaction import redact, redact_patterns
from tests.conftest import participant_session

SENTINEL = "zebra-umbrella-" + uuid.uuid4().hex[:12]
SENTENCE = f"I told nobody about {SENTINEL} until today"


@pytest.fixture
def log_output(capsys) -> Iterator[Callable[[], str]]:
    """Everything the configured log handlers and stdout/stderr receive during the test."""
    buffer = io.StringIO()
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler.formatter, logs.RedactingJsonFormatter)
    ]
    assert handlers, "the settings' LOGGING installs the redacting formatter on the root logger"
    previous = [handler.setStream(buffer) for handler in handlers]

    def read() -> str:
        captured = capsys.readouterr()
        return buffer.getvalue() + captured.out + captured.err

    yield read
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


class TestPatterns:
    @pytest.mark.parametrize(
        ("text", "marker"),
        [
            ("write to jo.bloggs+help@uni.example.ac.uk please", "[email]"),
            ("call me on +44 7700 900123 tonight", "[phone]"),
            ("call me on (555) 010-4477", "[phone]"),
            ("client 203.0.113.7 connected", "[ip]"),
            ("client ['2001:db8::1', 5555]", "[ip]"),
            ("session abcdefghij0123456789abcdefghij01 loaded", "[token]"),
            ("Cookie: sessionid=abc123; csrftoken=Xyz", "sessionid=[token]"),
        ],
    )
    def test_identifying_patterns_are_replaced(self, text, marker):
        redacted = redact_patterns(text)
        assert marker in redacted
        for secret in ("jo.bloggs", "900123", "010-4477", "203.0.113", "db8::1", "abc123"):
            assert secret not in redacted

    def test_ordinary_log_text_is_left_alone(self):
        text = "purge 2025-01-31 at 12:34:56 took 12.5 ms for room 1234"
        assert redact_patterns(text) == text

    def test_private_values_go_in_every_form_and_in_part(self):
        value = 'She said "don\'t tell" about Tamsin\nsecond line here'
        private = logs._forms_of((value,))
        assert redact(value, private) == "[private]"
        assert "don\\'t" not in redact(repr(value), private)
        assert "second line here" not in redact("echo: second line here", private)

    def test_short_values_are_not_treated_as_private(self):
        assert logs._forms_of(("3", "yes")) == frozenset()


def formatted(record: logging.LogRecord) -> dict:
    formatter = logs.RedactingJsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )
    line = formatter.format(record)
    assert "\n" not in line
    return json.loads(line)


def test_formatter_redacts_message_exception_and_extra_fields():
    with logs.request_context("req-1"), logs.private_context({"body": SENTENCE}):
        try:
            raise ValueError(f"bad input {SENTENCE!r} from someone@example.org")
        except ValueError:
            record = logging.LogRecord(
                "x", logging.ERROR, __file__, 1, "failed on %s", (SENTENCE,), sys.exc_info()
            )
        record.payload = {"text": SENTENCE, "nested": [SENTINEL]}
        line = formatted(record)
    assert SENTINEL not in json.dumps(line) and "someone@example.org" not in json.dumps(line)
    assert line["request_id"] == "req-1" and line["level"] == "ERROR"
    assert "ValueError" in line["exc_info"]


def test_contexts_nest_and_end_when_their_block_ends_even_on_an_error():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "echo %s", (SENTENCE,), None)
    with logs.request_context("outer"), logs.private_context({"body": SENTENCE}):
        with pytest.raises(RuntimeError), logs.request_context("inner"):
            assert formatted(record)["request_id"] == "inner"
            raise RuntimeError("handler failed")
        line = formatted(record)
        assert line["request_id"] == "outer" and SENTINEL not in json.dumps(line)
    line = formatted(record)
    # Outside every context: no request id, and nothing is private any more.
    assert line.get("request_id", "") == "" and SENTINEL in json.dumps(line)


def test_a_server_event_keeps_its_text_private_but_not_its_vocabulary():
    """A message event's body and nested strings are redacted; its type, kind, audience
    and sender role are the server's own words and must not blank out "room" or "chat"
    in class and logger names."""
    event = {
        "type": "room.message",
        "payload": {
            "body": SENTENCE,
            "kind": "chat",
            "audience": "room",
            "sender": {"handle": "Steady Owl 41", "role": "participant"},
            "hidden_reason": "said something about " + SENTINEL,
        },
    }
    with logs.private_context(logs.ServerEvent(event)):
        record = logging.LogRecord(
            "chatplatform.consumers", logging.INFO, __file__, 1, "ws.client_gone", (), None
        )
        record.route = "RoomConsumer"
        record.echo = [SENTENCE, "Steady Owl 41", SENTINEL]
        line = formatted(record)
    text = json.dumps(line)
    assert line["route"] == "RoomConsumer" and line["logger"] == "chatplatform.consumers"
    assert SENTINEL not in text and "Steady Owl 41" not in text
    # The same event marked private whole (as a client's frame is) blanks "Room" out.
    with logs.private_context(event):
        record.route = "RoomConsumer"
        assert formatted(record)["route"] != "RoomConsumer"


def test_internal_ids_in_extra_fields_are_logged_as_pseudonyms():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "refused", (), None)
    record.room, record.participant_id, record.action = 4711, 12, "mute"
    line = formatted(record)
    assert line["room"] == pseudonyms.of(pseudonyms.ROOM, 4711)
    assert line["participant_id"] == pseudonyms.of(pseudonyms.PARTICIPANT, 12)
    assert line["action"] == "mute"


def test_each_request_is_one_line_with_id_route_status_duration_and_pseudonymous_actor(
    client, db, log_output, make_participant
):
    participant = make_participant()
    client.cookies["sessionid"] = participant_session(participant)
    response = client.get("/privacy/")
    lines = [json.loads(line) for line in log_output().splitlines() if line.strip()]
    access = [line for line in lines if line.get("event") == "http.request"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == response["X-Request-ID"]
    assert (line["route"], line["method"], line["status"]) == ("privacy/", "GET", 200)
    assert isinstance(line["duration_ms"], float)
    assert line["actor"] == "p-" + pseudonyms.of(pseudonyms.PARTICIPANT, participant.pk)
    assert line["actor"] != f"p{participant.pk}"


def test_django_error_reports_show_no_values(db):
    """The report Django renders for DEBUG pages and admin mail, for any view."""
    # Built at run time: the report quotes the source lines around the error.
    email, session_key = "me" + "@example.org", "abcdefghij" * 3 + "01"
    request = RequestFactory().post("/survey/", {"answer": SENTENCE, "email": email})
    request.COOKIES["sessionid"] = session_key
    try:
        answer = request.POST["answer"]
        raise ValueError(f"could not save {answer}")
    except ValueError:
        report = get_exception_reporter_class(request)(request, *sys.exc_info())
    for text in (report.get_traceback_text(), report.get_traceback_html()):
        assert "could not save" in text
        assert SENTINEL not in text
        assert email not in text
        assert session_key not in text


@pytest.fixture
def exploding_check(settings):
    settings.MESSAGE_CHECKS = ["tests.pipeline_checks.explode_with_the_body"]
    pipeline.configured_checks.cache_clear()
    yield
    pipeline.configured_checks.cache_clear()


@pytest.mark.django_db(transaction=True)
async def test_sentinel_never_reaches_any_log_output(
    ws_connect, make_participant, make_group_room, exploding_check, settings, log_output
):
    """Send it, make the message path and a form path fail on it, and read every output."""
    settings.ROOT_URLCONF = "tests.sentinel_urls"
    participant = await sync_to_async(make_participant)()
    room = await sync_to_async(make_group_room)()
    key = await sync_to_async(participant_session)(participant)
    connected, _, socket = await ws_connect(f"/ws/rooms/{room.pk}/", key)
    assert connected
    await socket.receive_type("hello")
    await socket.send({"type": "message.send", "client_id": str(uuid.uuid4()), "body": SENTENCE})
    # The message's batch failed: its sender is told, and nothing was stored.
    refused = await socket.receive_type("error")
    assert refused["code"] == "not_sent"

    http = Client(raise_request_exception=False)
    response = await sync_to_async(http.post)("/test-explode/", {"answer": SENTENCE})
    assert response.status_code == 500
    await sync_to_async(http.get)("/test-explode/", {"q": SENTENCE})

    everything = log_output()
    assert "message batch failed" in everything and "RuntimeError" in everything
    assert "Internal Server Error" in everything and "ValueError" in everything
    assert SENTINEL not in everything
