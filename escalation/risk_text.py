"""Normalisation shared by risk messages and the signal files that match them.

A message is normalised once, so that a handful of compiled regexes can match
the many ways people write the same words: ALL CAPS, missing accents or
apostrophes ("dont", "mi"), repeated letters ("diiiie"), leetspeak inside words
("su1c1de"), censoring ("k*ll") and spaced letters ("k i l l"). Signal patterns
go through the same steps (``normalise_pattern``), so a pattern written as
"don't" or "mí" still matches.

The result is lower-case ASCII words of ``[a-z0-9*]`` and clause punctuation
(``. , ; : ! ?``), separated by single spaces. ``*`` survives only inside a
word, where it stands for one hidden letter. Emoji are dropped, except laughter
(😂 🤣 😹 😆 💀), which becomes the word ``emojilaugh`` (``LAUGHTER_WORD``), and the
emoji of a means (🪢 🔫 🔪 💊 🩸 🌉), each of which becomes a word of its own
(``MEANS_EMOJI``: "emojirope", …), read by the model as it is and by each language's
rules as that language's word (the signal files' aliases: "rope", "soga").
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


# Laughter emoji, which would otherwise be dropped with the rest: a run of them becomes
# one word, so that the model reads "me quiero tirar de un puente 😩😂" as said laughing,
# as it reads "jaja" (blind v16: such messages were read as a wish to die). A word of its
# own, not "jaja": the rules' laughter grammar does not read it, so the rules' reading of
# a message is what it was without the emoji (the model is retrained on the same text).
LAUGHTER_WORD = "emojilaugh"
_LAUGHTER_EMOJI_RE = re.compile("[\U0001f602\U0001f923\U0001f639\U0001f606\U0001f480]+")


# The emoji of a means, which would otherwise be dropped (blind v17: "… and I'm done 🪢"
# after a time, a rope in all but the word): each becomes a word of its own, the same in
# both languages, so that the model reads one word whatever the language, and each signal
# file's aliases give the rules their own word for it ("emojirope: rope" / "soga").
MEANS_EMOJI = {
    "\U0001faa2": "emojirope",  # 🪢 knot
    "\U0001f52b": "emojigun",  # 🔫 pistol
    "\U0001f52a": "emojiknife",  # 🔪 kitchen knife
    "\U0001f48a": "emojipills",  # 💊 pill
    "\U0001fa78": "emojiblood",  # 🩸 drop of blood
    "\U0001f309": "emojibridge",  # 🌉 bridge at night
}
_MEANS_EMOJI_RE = re.compile("[" + "".join(MEANS_EMOJI) + "]")


def _means_word(match: re.Match[str]) -> str:
    return f" {MEANS_EMOJI[match.group()]} "


def _to_ascii(text: str) -> str:
    if text.isascii():
        return text
    text = _LAUGHTER_EMOJI_RE.sub(f" {LAUGHTER_WORD} ", text)
    text = _MEANS_EMOJI_RE.sub(_means_word, text)
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


# Voice-to-text messages sometimes spell their punctuation out ("full stop", "comma",
# "punto", "coma"). The model reads them as words, and learned them as risk from the
# dictated imminent lines it was trained on; so, for the model only, they become the
# punctuation they stand for. Applied to normalised text, where doubled letters are
# already single ("comma" -> "coma", "full" -> "ful"). Real words are kept: "a punto de"
# (itself a risk cue), "en punto", "punto de vista", "my period", "en coma", "que coma".
_SPOKEN_FIXED = (
    (r"punto y (?:seguido|aparte)|punto final|nueva linea|nuevo parafo", "."),
    (r"ful stop|new line|new paragraph", "."),
    (r"punto y coma|semicolon", ";"),
    (r"(?:abrir |cerrar )?signo de (?:interogacion|pregunta)", "?"),
    # Not "a question mark over the plan".
    (r"(?<!\ba )(?<!\bthe )(?<!\bbig )(?<!\bhuge )question mark", "?"),
    (r"(?:abrir |cerrar )?signo de exclamacion|exclamation (?:mark|point)", "!"),
)
_SPOKEN_FIXED_RE = [
    (re.compile(rf"{WORD_START}(?:{pattern}){WORD_END}"), mark) for pattern, mark in _SPOKEN_FIXED
]
# "punto" is dictation unless a phrase owns it: "a/en/al/un/el ... punto", "punto de ...".
_SPOKEN_PUNTO_RE = re.compile(
    r"(?<![a-z0-9*])(?<!\ba )(?<!\ben )(?<!\bal )(?<!\bun )(?<!\bel )(?<!\bese )"
    r"(?<!\beste )(?<!\bdel )(?<!\bmi )(?<!\btu )(?<!\bsu )(?<!\bbuen )(?<!\bmismo )"
    r"(?<!\botro )(?<!\bcierto )(?<!\bque )(?<!\bpunto )"
    r"punto(?!\s+(?:de|del|muerto|debil|fuerte|com|medio|exacto|clave|critico|y)\b)"
    r"(?![a-z0-9*])"
)
# "coma" (also "comma", doubled letters made single) is dictation unless it is the illness
# ("in a coma", "en coma", "coma etilico") or the verb ("que coma", "no coma algo").
_SPOKEN_COMA_RE = re.compile(
    r"(?<![a-z0-9*])(?<!\ba )(?<!\bthe )(?<!\bin )(?<!\binto )(?<!\ben )(?<!\bun )"
    r"(?<!\bel )(?<!\bdel )(?<!\bal )(?<!\bque )(?<!\bno )(?<!\bse )(?<!\blo )(?<!\bla )"
    r"(?<!\ble )(?<!\bles )(?<!\blos )(?<!\bnos )(?<!\bme )(?<!\bte )(?<!\bya )"
    r"(?<!\btu )(?<!\bsu )(?<!\bmy )(?<!\bhis )(?<!\bher )(?<!\binduced )(?<!\bdiabetic )"
    r"coma(?!\s+(?:etilico|diabetico|inducido|algo|bien|mas|menos|poco|mucho|sano|con|"
    r"patient|patients|ward|state)\b)(?![a-z0-9*])"
)
# "period" only at the end of a clause (the end of the message or before punctuation),
# and not as menstruation or a span of time ("my period", "the trial period").
_SPOKEN_PERIOD_RE = re.compile(
    r"(?<![a-z0-9*])(?<!\bmy )(?<!\byour )(?<!\bher )(?<!\bthe )(?<!\ba )(?<!\bthis )"
    r"(?<!\bthat )(?<!\bfirst )(?<!\bnext )(?<!\blast )(?<!\bgrace )(?<!\btrial )"
    r"(?<!\btime )(?<!\bof )(?<!\bno )(?<!\bour )(?<!\btheir )(?<!\bany )(?<!\blate )"
    r"period(?=\s*$|\s+[.,;:!?])"
)
# One search decides whether any of the above can apply (most messages: no).
_SPOKEN_ANY_RE = re.compile(
    r"ful stop|new line|new paragraph|question mark|exclamation|semicolon|period|punto|coma"
    r"|signo de|nueva linea|nuevo parafo"
)


def spoken_punctuation(normalised: str) -> str:
    """Normalised text with spoken punctuation words made punctuation (see above)."""
    if _SPOKEN_ANY_RE.search(normalised) is None:
        return normalised
    text = normalised
    for pattern, mark in _SPOKEN_FIXED_RE:
        text = pattern.sub(mark, text)
    text = _SPOKEN_PUNTO_RE.sub(".", text)
    text = _SPOKEN_COMA_RE.sub(",", text)
    text = _SPOKEN_PERIOD_RE.sub(".", text)
    return text
