"""System notices ("Sam, a peer mentor, has joined the chat.") in each reader's language.

A notice is stored (encrypted, like any message) as its English source and its values,
not as a sentence: the mentor who triggers it and the participant who reads it may not
share a language. Each reader's copy is translated when it is rendered for them.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.utils.translation import gettext

logger = logging.getLogger(__name__)

# The sender_role of messages the platform itself posts (no staff member behind them).
SYSTEM_ROLE = "system"


def notice(source: str, **values: Any) -> str:
    """The body to store for a notice. Mark ``source`` with gettext_noop so it is extracted."""
    return json.dumps({"notice": source, "values": values}, ensure_ascii=False)


def readable(body: str | None) -> str | None:
    """A stored notice in the active language; a body that is not one, unchanged.

    Notices stored before this format existed are plain sentences and stay as they are.
    """
    if not body or not body.startswith('{"notice"'):
        return body
    try:
        stored = json.loads(body)
        source, values = stored["notice"], stored["values"]
    except (ValueError, KeyError, TypeError):
        return body
    try:
        return gettext(source) % values
    except (KeyError, ValueError, TypeError):
        # A translation whose placeholders do not match: the English is still right.
        logger.error("notice translation does not match its source", extra={"source": source})
        return source % values


def for_reader(sender_role: str, body: str | None) -> str | None:
    """A message body as its reader sees it: the platform's own notices translated."""
    return readable(body) if sender_role == SYSTEM_ROLE else body
