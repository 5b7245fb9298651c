"""Normalisation shared by risk messages and the signal files that match them.

A message is normalised once, so that a handful of compiled regexes can match
the many ways people write the same words: ALL CAPS, missing accents or
apostrophes ("dont", "mi"), repeated letters ("diiiie"), leetspeak inside words
("su1c1de"), censoring ("k*ll") and spaced letters ("k i l l"). Signal patterns
go through the same steps (``normalise_pattern``), so a pattern written as
"don't" or "mí" still matches.

The result is lower-case ASCII words of ``[a-z0-9*]`` and clause punctuation
(``. , ; : ! ?``), separated by single spaces. ``*`` survives only inside a
word, where it stands for one hidden letter.
"""

from __future__ import annotations

import re
import unicodedata

WORD_CHARS = "a-z0-9*"
# Used on both sides of every compiled pattern instead of \b, which treats "*" as a boundary.
WORD_START = rf"(?<![{WORD_CHARS}])"
WORD_END = rf"(?![{WORD_CHARS}])"

_APOSTROPHES = str.maketrans("", "", "'`\u2019\u2018")
# Leetspeak and censoring only count between letters, so "30 pills" and "500mg" keep their digits.
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_LEET_RE = re.compile(r"(?<=[a-z])[013457@$!*]+(?=[a-z])")
# A number is a word of its own, so "500mg" reads as "500 mg"; "*" only inside a word.
_TOKEN_RE = re.compile(r"[0-9]+|[a-z][a-z0-9]*(?:\*+[a-z0-9]+)*|[.,;:!?]+")
_SPACED_LETTERS_RE = re.compile(rf"{WORD_START}[a-z](?: [a-z]){{2,}}{WORD_END}")
# Deleting a letter followed by the same letter keeps one of each run, with no template
# to expand per match ("diiiie" -> "die", "kill" -> "kil").
_REPEATS_RE = re.compile(r"([a-z])(?=\1)")
# In a pattern, a doubled letter after a backslash is an escape ("\dd"), not a word.
_PATTERN_REPEATS_RE = re.compile(r"(?<!\\)([a-z])\1+")


def _to_ascii(text: str) -> str:
    if text.isascii():
        return text
    # NFKD splits "í" into "i" + accent; dropping non-ASCII then removes accents,
    # typographic apostrophes and emoji in one step.
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _unleet(match: re.Match[str]) -> str:
    return "".join(_LEET.get(char, "*") for char in match.group())


def _join_letters(match: re.Match[str]) -> str:
    return match.group().replace(" ", "")


def normalise(text: str) -> str:
    """Lower-case ASCII words and clause punctuation, one space apart (see module docstring)."""
    text = _to_ascii(text).lower().translate(_APOSTROPHES)
    if _LEET_RE.search(text):
        text = _LEET_RE.sub(_unleet, text)
    text = " ".join(_TOKEN_RE.findall(text))
    text = _SPACED_LETTERS_RE.sub(_join_letters, text)
    return _REPEATS_RE.sub("", text)


def normalise_pattern(pattern: str) -> str:
    """A regex from a signal file, written naturally, brought to the normalised alphabet."""
    pattern = _to_ascii(pattern).lower().translate(_APOSTROPHES)
    return _PATTERN_REPEATS_RE.sub(r"\1", pattern)
