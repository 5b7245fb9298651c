"""Parsing and validating websocket frames, once, at the edge.

A frame spec names its fields and their types. ``parse_frame`` returns the
frame type and clean values, or raises ``FrameError`` with a protocol error
code. Error details describe the field, never echo what the client sent.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from chatplatform.errors import ServiceError

MAX_FRAME_BYTES = 64 * 1024


class FrameError(ServiceError):
    pass


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


def _int(minimum: int | None = None, maximum: int | None = None) -> Callable[[str, Any], int]:
    def parse(name: str, value: Any) -> int:
        # bool is an int in Python; a JSON true is not a number here.
        if isinstance(value, bool) or not isinstance(value, int):
            raise FrameError(
                "invalid", _("Field '%(name)s' must be a whole number.") % {"name": name}
            )
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise FrameError(
                "invalid",
                _("Field '%(name)s' is out of range (%(min)s to %(max)s).")
                % {"name": name, "min": minimum, "max": maximum},
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


def decode(raw: str | bytes | None) -> dict[str, Any]:
    if raw is None:
        raise FrameError("bad_json", _("Frames must be JSON text."))
    if len(raw) > MAX_FRAME_BYTES:
        raise FrameError("too_long", _("The frame is larger than 64 KB."))
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise FrameError("bad_json", _("The frame is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise FrameError("bad_json", _("A frame must be a JSON object."))
    return data


def reference(data: dict[str, Any]) -> str | None:
    """The client's correlation id for error frames: ``ref``, else ``client_id``."""
    for key in ("ref", "client_id"):
        value = data.get(key)
        if isinstance(value, str) and 0 < len(value) <= 64:
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
