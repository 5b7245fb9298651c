"""The instruments this site uses: the built-in ones plus any in EVALUATION_INSTRUMENT_DIRS.

Every instrument answered is recorded as an ``InstrumentVersion``. A definition that
changed without a new version number is refused, so every response keeps pointing
at the exact wording and scoring it answered.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings

from evaluation.instruments import Instrument, InstrumentError, load_instruments
from evaluation.models import InstrumentVersion

BUILTIN_DIR = Path(__file__).resolve().parent / "instruments"
# The page before a first chat stands between a person and help: at most this many
# questions (the rest are asked after the chat or at follow-up).
PRE_CHAT_QUESTIONS = 8


@cache
def _load(directories: tuple[str, ...]) -> dict[str, Instrument]:
    found = load_instruments([BUILTIN_DIR, *(Path(d) for d in directories)])
    before_first_chat = [i for i in found.values() if "pre" in i.waves]
    count = sum(len(i.items) for i in before_first_chat)
    if count > PRE_CHAT_QUESTIONS:
        names = ", ".join(f"{i.id} ({len(i.items)})" for i in before_first_chat)
        raise InstrumentError(
            before_first_chat[-1].source,
            f"the page before a first chat would have {count} questions ({names}); at most "
            f"{PRE_CHAT_QUESTIONS} are allowed: ask the others after the chat or at follow-up",
        )
    return found


def instruments() -> dict[str, Instrument]:
    """Current instruments by id, loaded and validated once per process."""
    return _load(tuple(settings.EVALUATION_INSTRUMENT_DIRS))


def for_wave(wave: str, *, first_chat: bool, include_once: bool) -> list[Instrument]:
    """The instruments offered at a wave, in a stable order."""
    chosen = []
    for instrument in instruments().values():
        if wave not in instrument.waves:
            continue
        if instrument.once and not include_once:
            continue
        if wave in ("pre", "post") and not (first_chat or instrument.every_chat):
            continue
        chosen.append(instrument)
    # Once-only items (demographics) come last, after the measures that matter most.
    return sorted(chosen, key=lambda i: (i.once, i.id))


def record_version(instrument: Instrument) -> InstrumentVersion:
    """The stored version for this definition, created on first use."""
    version, created = InstrumentVersion.objects.get_or_create(
        instrument=instrument.id,
        version=instrument.version,
        defaults={
            "digest": instrument.digest,
            "definition": instrument.definition(),
            "validated": instrument.validated,
        },
    )
    if not created and version.digest != instrument.digest:
        raise InstrumentError(
            instrument.source,
            f"version {instrument.version} of {instrument.id!r} has already been answered with "
            "different wording or scoring; give the changed definition a new version number",
        )
    return version
