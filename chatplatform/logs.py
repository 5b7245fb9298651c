"""Privacy-preserving logs: one JSON object a line, redacted before it is written.

What a log line may carry is decided here, once, for every logger (Django's,
Daphne's, Channels', ours):

- ``RedactingJsonFormatter`` passes every value of every record (message,
  exception text, traceback, extra fields) through ``chatplatform.redaction``:
  the private values of the request or websocket frame being handled, then
  patterns for emails, phone numbers, IP addresses and tokens.
- ``private_context`` holds those private values for the current request or
  frame (a context variable, so it follows the work into the database thread).
- ``PrivateExceptionReporterFilter`` and ``PrivateExceptionReporter`` make
  Django's error reports (the DEBUG page, mail to admins) show no values.
- ``silence_daphne_access_log`` stops Daphne writing its access log, which
  holds client IP addresses and bypasses logging; ``RequestLogMiddleware``
  (chatplatform.middleware) writes an access line without them.
"""

from __future__ import annotations

import json
import logging
import re
from contextlib import suppress
from contextvars import ContextVar
from typing import Any

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter
from pythonjsonlogger.json import JsonFormatter

from chatplatform import pseudonyms
from chatplatform.redaction import private_forms, private_pattern, redact

# Fields the formatter itself produces; they never hold anything private.
FORMATTER_FIELDS = frozenset({"time", "level", "logger"})
# Extra fields that name an internal id: logged as its pseudonym, never the raw id.
IDENTIFIER_FIELDS = {
    "room": pseudonyms.ROOM,
    "room_id": pseudonyms.ROOM,
    "participant": pseudonyms.PARTICIPANT,
    "participant_id": pseudonyms.PARTICIPANT,
    "user": pseudonyms.STAFF,
    "user_id": pseudonyms.STAFF,
    "staff": pseudonyms.STAFF,
    "message_id": pseudonyms.MESSAGE,
}
MAX_PRIVATE_STRINGS = 10_000


class PrivateData:
    """The raw private data of the current request or frame.

    Turned into one redaction pattern only when a line is actually logged (and
    then kept for the next line), so handling an event costs next to nothing.
    """

    __slots__ = ("_pattern", "raw")

    def __init__(self, raw: tuple[Any, ...] = ()) -> None:
        self.raw = raw
        self._pattern: re.Pattern[str] | bool | None = False

    def plus(self, data: tuple[Any, ...]) -> PrivateData:
        return PrivateData(self.raw + data)

    def pattern(self) -> re.Pattern[str] | None:
        if self._pattern is False:
            self._pattern = private_pattern(_forms_of(self.raw))
        return self._pattern  # type: ignore[return-value]


_NO_PRIVATE_DATA = PrivateData()
_private: ContextVar[PrivateData | None] = ContextVar("log_private_data", default=None)


def _current() -> PrivateData:
    return _private.get() or _NO_PRIVATE_DATA


_request_id: ContextVar[str] = ContextVar("log_request_id", default="")


# Keys of the server's own channel events whose values are its vocabulary (an event's
# type, a message's kind, audience and sender role), never anything a person typed.
# Marked private they would redact words such as "room" or "chat" from every line,
# class and logger names included ("RoomConsumer", "chatplatform").
SERVER_VOCABULARY = frozenset({"type", "kind", "audience", "role"})


class ServerEvent:
    """A server-made channel event as private data: all its strings but the values of
    ``SERVER_VOCABULARY`` keys, at any depth. Walked only when a line is logged."""

    __slots__ = ("event",)

    def __init__(self, event: dict[str, Any]) -> None:
        self.event = event


def private_strings(
    data: Any, found: set[str] | None = None, skip_keys: frozenset[str] = frozenset()
) -> set[str]:
    """Every string inside ``data`` (dicts, lists, JSON text), as candidates for redaction.

    Walked without recursion: a frame may be nested deeper than Python recurses,
    and reporting it must not fail.
    """
    found = set() if found is None else found
    pending = [data]
    while pending and len(found) < MAX_PRIVATE_STRINGS:
        value = pending.pop()
        if isinstance(value, str):
            found.add(value)
            if value[:1] in ("{", "["):
                # Not JSON after all (or too deep to parse): the raw string is already kept.
                with suppress(ValueError, RecursionError):
                    pending.append(json.loads(value))
        elif isinstance(value, bytes):
            pending.append(value.decode("utf-8", errors="replace"))
        elif isinstance(value, ServerEvent):
            private_strings(value.event, found, SERVER_VOCABULARY)
        elif isinstance(value, dict):
            pending.extend(v for k, v in value.items() if k not in skip_keys)
        elif isinstance(value, list | tuple | set | frozenset):
            pending.extend(value)
    return found


class private_context:
    """While inside, the strings in ``data`` are scrubbed from every log line.

    A class rather than a ``@contextmanager`` generator: a socket enters this for
    every event it handles, and the generator's machinery cost three times the work.
    """

    __slots__ = ("data", "token")

    def __init__(self, *data: Any) -> None:
        self.data = data

    def __enter__(self) -> None:
        self.token = _private.set(_current().plus(self.data))

    def __exit__(self, *exc_info: object) -> None:
        _private.reset(self.token)


def mark_private(*data: Any) -> None:
    """Add to the current context's private data (e.g. bodies a service just decrypted)."""
    _private.set(_current().plus(data))


def _forms_of(data: tuple[Any, ...]) -> frozenset[str]:
    forms: set[str] = set()
    for value in private_strings(data):
        forms |= private_forms(value)
    return frozenset(forms)


class request_context:
    """Every line logged inside carries this request (or websocket connection) id."""

    __slots__ = ("request_id", "token")

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id

    def __enter__(self) -> None:
        self.token = _request_id.set(self.request_id)

    def __exit__(self, *exc_info: object) -> None:
        _request_id.reset(self.token)


def _clean(value: Any, private: re.Pattern[str] | None) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return redact(value, private)
    if isinstance(value, dict):
        return {str(key): _clean(item, private) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item, private) for item in value]
    # Objects (a request, an exception) are logged by their text, which is redacted too.
    return redact(str(value), private)


class RedactingJsonFormatter(JsonFormatter):
    """python-json-logger's formatter, with every value redacted before serialisation."""

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        private = _current().pattern()
        clean = {
            key: value if key in FORMATTER_FIELDS else _clean(value, private)
            for key, value in log_data.items()
        }
        for key, namespace in IDENTIFIER_FIELDS.items():
            value = clean.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                clean[key] = pseudonyms.of(namespace, value)
        request_id = _request_id.get()
        if request_id:
            clean.setdefault("request_id", request_id)
        return clean


class PrivateExceptionReporterFilter(SafeExceptionReporterFilter):
    """Error reports show names, never values: with DEBUG on or off, for every view.

    This is ``sensitive_post_parameters()`` and ``sensitive_variables()`` applied
    everywhere, so a view that forgets the decorators still leaks nothing.
    """

    # Django's list, plus connection URLs (REDIS_URL, CACHES' LOCATION) that may hold passwords.
    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL|LOCATION|HOSTS", flags=re.I
    )

    def is_active(self, request: Any) -> bool:
        return True

    def get_post_parameters(self, request: Any) -> dict[str, str]:
        if request is None:
            return {}
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> list[tuple[str, str]]:
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]

    def get_safe_request_meta(self, request: Any) -> dict[str, str]:
        if not hasattr(request, "META"):
            return {}
        return dict.fromkeys(request.META, self.cleansed_substitute)

    def get_safe_cookies(self, request: Any) -> dict[str, str]:
        if not hasattr(request, "COOKIES"):
            return {}
        return dict.fromkeys(request.COOKIES, self.cleansed_substitute)


class PrivateExceptionReporter(ExceptionReporter):
    """Django's error report with the exception text redacted and query values hidden."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        private_data = _current()
        if self.request is not None:
            private_data = private_data.plus(
                (dict(self.request.GET.lists()), dict(self.request.POST.lists()))
            )
        private = private_data.pattern()
        if self.request is not None:
            data["request_GET_items"] = [
                (key, self.filter.cleansed_substitute) for key in self.request.GET
            ]
        if data.get("exception_value") is not None:
            data["exception_value"] = redact(str(data["exception_value"]), private)
        for frame in data.get("frames", []):
            if frame.get("exc_cause") is not None:
                frame["exc_cause"] = redact(str(frame["exc_cause"]), private)
        return data


def _drop_access_entry(self: Any, *args: Any, **kwargs: Any) -> None:
    """Daphne's access log line holds the client's IP address: it is never written."""


def silence_daphne_access_log() -> None:
    """Daphne writes its access log (with client IPs) straight to a stream, past logging.

    Run before Daphne builds its server (chatplatform.asgi does), so whatever
    ``--access-log``/``--verbosity`` a deployment passes, no address is written.
    """
    try:
        from daphne.access import AccessLogGenerator
    except ImportError:  # Served by something other than Daphne.
        return
    AccessLogGenerator.write_entry = _drop_access_entry  # type: ignore[method-assign]


def log_event(logger: logging.Logger, event: str, **fields: Any) -> None:
    """One structured line: ``event`` names what happened, ``fields`` hold no raw ids."""
    logger.info(event, extra={"event": event, **fields})
