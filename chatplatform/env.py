"""Strict parsing of configuration from the environment.

Every helper refuses a value it cannot parse with an error that names the
variable, so a typo fails at start instead of becoming a silent default.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class ConfigError(Exception):
    """A configuration value from the environment is missing or malformed."""


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    value = (environ if environ is not None else os.environ).get(name)
    if value is None:
        return None
    value = value.strip()
    return value if value != "" else None


def env_str(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None else value


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be one of true/false/1/0/yes/no/on/off, got {value!r}")


def env_int(
    name: str,
    default: int,
    environ: Mapping[str, str] | None = None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, got {number}")
    return number


def env_float(
    name: str,
    default: float,
    environ: Mapping[str, str] | None = None,
    *,
    minimum: float | None = None,
) -> float:
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {number}")
    return number


def env_optional_float(
    name: str,
    environ: Mapping[str, str] | None = None,
    *,
    minimum: float,
    maximum: float,
) -> float | None:
    """A number between ``minimum`` and ``maximum``, or None when the variable is unset/empty."""
    if _raw(name, environ) is None:
        return None
    number = env_float(name, minimum, environ, minimum=minimum)
    if number > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, got {number}")
    return number


def env_list(name: str, default: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(item == "" for item in items):
        raise ConfigError(f"{name} is a comma-separated list and must not contain empty items")
    return items


def env_choice(
    name: str, default: str, choices: tuple[str, ...], environ: Mapping[str, str] | None = None
) -> str:
    value = env_str(name, default, environ)
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


@dataclass(frozen=True)
class Keyring:
    """Named 32-byte keys; the first entry is the one used for new writes."""

    current_id: str
    keys: dict[str, bytes]

    def __repr__(self) -> str:  # Never let key material reach a log or traceback.
        return f"Keyring(current_id={self.current_id!r}, ids={list(self.keys)!r})"


def parse_keyring(name: str, value: str) -> Keyring:
    """Parse ``id:base64key,id:base64key``; each key is 32 bytes in URL-safe base64."""
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for position, entry in enumerate(value.split(","), start=1):
        entry = entry.strip()
        key_id, sep, encoded = entry.partition(":")
        if not sep or not key_id or not encoded:
            raise ConfigError(f"{name} entry {position} must look like 'id:base64key'")
        if not key_id.replace("-", "").replace("_", "").isalnum() or len(key_id) > 32:
            raise ConfigError(
                f"{name} entry {position}: key id must be letters, digits, '-' or '_' (max 32)"
            )
        if key_id in keys:
            raise ConfigError(f"{name} lists key id {key_id!r} twice")
        try:
            material = base64.b64decode(
                encoded + "=" * (-len(encoded) % 4), altchars=b"-_", validate=True
            )
        except (binascii.Error, ValueError):
            raise ConfigError(f"{name} entry {key_id!r} is not URL-safe base64") from None
        if len(material) != 32:
            raise ConfigError(
                f"{name} entry {key_id!r} must decode to 32 bytes, got {len(material)}"
            )
        keys[key_id] = material
        order.append(key_id)
    if not order:
        raise ConfigError(f"{name} must hold at least one key")
    return Keyring(current_id=order[0], keys=keys)


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii").rstrip("=")
