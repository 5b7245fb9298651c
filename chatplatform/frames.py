"""Parsing and validating websocket frames, once, at the edge.

``decode`` is the one guarded way in: a size limit in bytes before parsing,
then a JSON object of bounded depth whose ``type`` is text and whose strings
are valid Unicode. A frame spec names its fields and their types;
``parse_frame`` returns the frame type and clean values. Both raise
``FrameError`` with a protocol error code. Error details describe the field,
never echo what the client sent.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from chatplatform.errors import ServiceError

MAX_FRAME_BYTES = 64 * 1024
# The frame object is level 1; fields are scalars, so real frames use one or two.
MAX_FRAME_DEPTH = 8
# The largest integer every client (JavaScript's Number) represents exactly; also
# well inside the database's 64-bit integers.
MAX_SAFE_INTEGER = 2**53 - 1
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class FrameError(ServiceError):
    """A frame refused at the edge. ``ref`` is the frame's reference, when it could be read."""

    ref: str | None = None


@dataclass(frozen=True)
class FieldSpec:
    name: str
    parse: Callable[[str, Any], Any]
    required: bool = True
    default: Any = None


def _text(max_length: int | None = None, *, allow_blank: bool = False) -> Callable[[str, Any], str]:
    def parse(name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise FrameError("invalid", _("Field '%(name)s' must be text.") % {"name": name})
        if not allow_blank and not value.strip():
            raise FrameError("invalid", _("Field '%(name)s' must not be empty.") % {"name": name})
        if max_length is not None and len(value) > max_length:
            raise FrameError(
                "too_long",
                _("Field '%(name)s' is longer than %(max)d characters.")
                % {"name": name, "max": max_length},
                limit=max_length,
            )
        return value

    return parse


def _int(
    minimum: int | None = -MAX_SAFE_INTEGER, maximum: int | None = MAX_SAFE_INTEGER
) -> Callable[[str, Any], int]:
    """A whole number in [minimum, maximum]; never beyond MAX_SAFE_INTEGER either way."""
    low = -MAX_SAFE_INTEGER if minimum is None else max(minimum, -MAX_SAFE_INTEGER)
    high = MAX_SAFE_INTEGER if maximum is None else min(maximum, MAX_SAFE_INTEGER)

    def parse(name: str, value: Any) -> int:
        # bool is an int in Python; a JSON true is not a number here.
        if isinstance(value, bool) or not isinstance(value, int):
            raise FrameError(
                "invalid", _("Field '%(name)s' must be a whole number.") % {"name": name}
            )
        if not low <= value <= high:
            raise FrameError(
                "invalid",
                _("Field '%(name)s' is out of range (%(min)s to %(max)s).")
                % {"name": name, "min": low, "max": high},
            )
        return value

    return parse


def _uuid(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise FrameError("invalid", _("Field '%(name)s' must be a UUID string.") % {"name": name})
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise FrameError(
            "invalid", _("Field '%(name)s' must be a UUID string.") % {"name": name}
        ) from None


def _choice(*choices: str) -> Callable[[str, Any], str]:
    def parse(name: str, value: Any) -> str:
        if value not in choices:
            raise FrameError(
                "invalid",
                _("Field '%(name)s' must be one of: %(choices)s.")
                % {"name": name, "choices": ", ".join(choices)},
            )
        return value

    return parse


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise FrameError("invalid", _("Field '%(name)s' must be true or false.") % {"name": name})
    return value


text = _text
integer = _int
uuid_string = _uuid
choice = _choice
boolean = _bool


def field(
    name: str, parse: Callable[[str, Any], Any], *, required: bool = True, default: Any = None
) -> FieldSpec:
    return FieldSpec(name=name, parse=parse, required=required, default=default)


FrameSpecs = dict[str, tuple[FieldSpec, ...]]


def frame_bytes(raw: str) -> int:
    """The frame's size on the wire (UTF-8), without encoding it when it cannot matter."""
    if len(raw) * 4 <= MAX_FRAME_BYTES or raw.isascii():
        return len(raw)
    return len(raw.encode("utf-8", errors="surrogatepass"))


def _refuse_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity, which are not JSON.
    raise ValueError(name)


# One encoder for every frame sent: ``json.dumps`` with separators builds a new
# encoder per call, a third of the cost of encoding a chat message's frames.
_ENCODER = json.JSONEncoder(separators=(",", ":"))


def encode(frame: dict[str, Any]) -> str:
    """A frame as compact JSON text, non-ASCII escaped, as ``json.dumps`` with separators."""
    return _ENCODER.encode(frame)


def decode(raw: str | bytes | None) -> dict[str, Any]:
    """The frame as a dict with a text ``type``, or FrameError. Nothing else reads raw frames."""
    if not isinstance(raw, str):
        raise FrameError("bad_json", _("Frames must be JSON text."))
    if frame_bytes(raw) > MAX_FRAME_BYTES:
        raise FrameError("too_long", _("The frame is larger than 64 KB."))
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        # RecursionError: nesting deeper than the parser goes, far beyond MAX_FRAME_DEPTH.
        raise FrameError("bad_json", _("The frame is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise FrameError("bad_json", _("A frame must be a JSON object."))
    try:
        _check_shape(data)
        if not isinstance(data.get("type"), str):
            raise FrameError("invalid", _("Every frame needs a 'type' field."))
    except FrameError as error:
        error.ref = reference(data)
        raise
    return data


def _check_shape(data: dict[str, Any]) -> None:
    """Depth within MAX_FRAME_DEPTH and no lone surrogates, walked without recursion."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if _LONE_SURROGATE.search(value):
                raise FrameError(
                    "invalid",
                    _("The frame holds text that is not valid Unicode (half of a character)."),
                )
        elif isinstance(value, dict | list):
            if depth > MAX_FRAME_DEPTH:
                raise FrameError("invalid", _("The frame is nested too deeply."))
            if isinstance(value, dict):
                pending.extend((key, depth) for key in value)
                pending.extend((item, depth + 1) for item in value.values())
            else:
                pending.extend((item, depth + 1) for item in value)


def reference(data: dict[str, Any]) -> str | None:
    """The client's correlation id for error frames: ``ref``, else ``client_id``."""
    for key in ("ref", "client_id"):
        value = data.get(key)
        if isinstance(value, str) and 0 < len(value) <= 64 and not _LONE_SURROGATE.search(value):
            return value
    return None


def parse_frame(data: dict[str, Any], specs: FrameSpecs) -> tuple[str, dict[str, Any]]:
    frame_type = data.get("type")
    if not isinstance(frame_type, str):
        raise FrameError("invalid", _("Every frame needs a 'type' field."))
    spec = specs.get(frame_type)
    if spec is None:
        raise FrameError("unknown_type", _("This server does not know that frame type."))
    clean: dict[str, Any] = {}
    for field_spec in spec:
        if field_spec.name not in data or data[field_spec.name] is None:
            if field_spec.required:
                raise FrameError(
                    "invalid", _("Field '%(name)s' is required.") % {"name": field_spec.name}
                )
            clean[field_spec.name] = field_spec.default
            continue
        clean[field_spec.name] = field_spec.parse(field_spec.name, data[field_spec.name])
    return frame_type, clean
