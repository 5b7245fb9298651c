"""Redaction of private content from text bound for a log. No Django here.

Two layers, applied to every string a log line carries (message, exception,
traceback, extra fields):

1. Known private values: the message bodies, survey answers and form values
   of the request or websocket frame being handled (see chatplatform.logs,
   which collects them). Each is removed wherever it appears, in its raw,
   ``repr`` and JSON-escaped forms, and so is every long word of it, so a
   truncated echo (``"...the first 40 characters"``) is caught too.
2. Patterns: email addresses, phone numbers, IP addresses, and session keys or
   other long tokens. These catch what the first layer cannot know about.

Values shorter than MIN_PRIVATE_LENGTH are not scrubbed as values: a one-word
answer ("yes", "3") cannot be told apart from ordinary log text and does not
identify anyone on its own.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable

MIN_PRIVATE_LENGTH = 4
MIN_PRIVATE_WORD_LENGTH = 8

PRIVATE = "[private]"
EMAIL = "[email]"
PHONE = "[phone]"
IP = "[ip]"
TOKEN = "[token]"  # noqa: S105 (a marker, not a password)

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Cookie and header forms first, so the whole "name=value" goes.
_COOKIE_RE = re.compile(r"(?i)\b(sessionid|csrftoken|csrfmiddlewaretoken|mfa_trusted)=[^;\s&'\"]+")
# Session keys are 32 lowercase letters and digits; CSRF tokens 32 or 64 mixed-case ones.
_TOKEN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{32,}(?![A-Za-z0-9])")
_IPV4_RE = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")
_IPV6_RE = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
# Seven or more digits, with at most one space, dot, dash or bracket between them.
_PHONE_RE = re.compile(r"(?<![\w.])\+?\(?\d(?:[\s().-]?\d){6,}(?![\w])")
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _ip_or_keep(match: re.Match[str]) -> str:
    try:
        ipaddress.ip_address(match.group(0))
    except ValueError:
        return match.group(0)
    return IP


def _phone_or_keep(match: re.Match[str]) -> str:
    # A date ("2025-01-31") has the shape of a phone number; it is not one.
    return match.group(0) if _ISO_DATE_RE.match(match.group(0)) else PHONE


def redact_patterns(text: str) -> str:
    text = _COOKIE_RE.sub(lambda m: f"{m.group(1)}={TOKEN}", text)
    text = _EMAIL_RE.sub(EMAIL, text)
    text = _TOKEN_RE.sub(TOKEN, text)
    text = _IPV6_RE.sub(_ip_or_keep, text)
    text = _IPV4_RE.sub(_ip_or_keep, text)
    return _PHONE_RE.sub(_phone_or_keep, text)


def private_forms(value: str) -> set[str]:
    """Every form in which ``value`` (or a telling part of it) may show up in a log."""
    if len(value) < MIN_PRIVATE_LENGTH:
        return set()
    forms = {value, repr(value)[1:-1], json.dumps(value)[1:-1]}
    for line in value.splitlines():
        if len(line.strip()) >= MIN_PRIVATE_LENGTH:
            forms.add(line.strip())
    for word in re.split(r"\s+", value):
        word = word.strip(".,;:!?\"'()[]{}")
        if len(word) >= MIN_PRIVATE_WORD_LENGTH:
            forms.add(word)
    return forms


def private_pattern(private: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern matching any private form, longest first; None when there are none."""
    forms = sorted({form for form in private if form}, key=len, reverse=True)
    if not forms:
        return None
    return re.compile("|".join(map(re.escape, forms)), flags=re.IGNORECASE)


def redact(text: str, private: re.Pattern[str] | Iterable[str] | None = None) -> str:
    """``text`` with every private form and every pattern match replaced by a marker."""
    if private is not None and not isinstance(private, re.Pattern):
        private = private_pattern(private)
    if private is not None:
        text = private.sub(PRIVATE, text)
    return redact_patterns(text)
