"""Which country's crisis lines a person sees. Pure logic: no Django here.

The order (docs/escalation.md, "The right lines for the person"):

1. the region the person chose;
2. the region of their browser's languages (``Accept-Language``): the first
   language tag with a region we hold lines for decides (``es-ES`` -> ES,
   ``es-MX`` -> MX, ``en-GB`` -> GB, ``fr-CA`` -> CA ...). A Spanish tag with
   no region we hold (``es``, ``es-419``, ``es-AR``) means we must ask: Spanish
   is spoken in too many countries to guess, and a wrong emergency number is
   worse than a question. A participant whose interface is in Spanish, or who
   writes in Spanish, with nothing else to go on, is asked too;
3. the organisation's default region.

When asking, the lines of the first offered regions are shown meanwhile, each
under its country's name, so nobody waits for an answer to see a number.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

CHOSEN = "chosen"
LOCALE = "locale"
ASK = "ask"
DEFAULT = "default"

# Languages spoken in so many countries that, without a region, we ask rather than guess;
# with the regions to offer first, most likely first.
ASK_LANGUAGES: dict[str, tuple[str, ...]] = {"es": ("ES", "MX")}
# The regions offered first to readers of a language when they change country.
LIKELY_REGIONS: dict[str, tuple[str, ...]] = {
    **ASK_LANGUAGES,
    "en": ("US", "GB", "CA", "AU", "IE"),
    "fr": ("CA",),
}
# How many of the offered regions' lines are shown while we wait for an answer.
SHOWN_WHILE_ASKING = 2

_TAG = re.compile(r"^([a-z]{2,3})(?:[-_]([a-z]{4}))?(?:[-_]([a-z]{2}|\d{3}))?(?:[-_].*)?$")
# An Accept-Language header longer than this is cut: it is parsed on every page.
MAX_HEADER = 500


@dataclass(frozen=True)
class LocaleGuess:
    """What the browser's languages say: a region, or a language that needs asking."""

    region: str = ""
    ask_language: str = ""


@dataclass(frozen=True)
class RegionChoice:
    """The region whose lines are shown, and how it was decided.

    ``shown`` lists the regions whose lines appear, in order: one region, or
    while asking, the first offered ones. ``offered`` lists regions to propose
    first when asking or changing.
    """

    region: str
    how: str
    shown: tuple[str, ...]
    offered: tuple[str, ...] = ()

    @property
    def asking(self) -> bool:
        return self.how == ASK

    @property
    def assumed(self) -> bool:
        """Nobody chose it: the panel says which country it assumed and offers a change."""
        return self.how != CHOSEN


def language_tags(header: str) -> list[str]:
    """The language tags of an ``Accept-Language`` header, highest quality first.

    Malformed parts are skipped; tags with quality 0 are refused by the user and left out.
    """
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header[:MAX_HEADER].split(",")):
        pieces = [piece.strip() for piece in part.split(";")]
        tag = pieces[0].lower()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = -1.0
        if 0 < quality <= 1:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def split_tag(tag: str) -> tuple[str, str]:
    """(language, region) of a language tag; region is "" when absent, upper case otherwise."""
    match = _TAG.match(tag.lower())
    if match is None:
        return "", ""
    return match.group(1), (match.group(3) or "").upper()


def guess_from_header(header: str, available: Collection[str]) -> LocaleGuess:
    """The region the browser's languages point to, among ``available`` regions.

    The first decisive tag wins: a region we hold lines for, or a language we must ask about.
    """
    for tag in language_tags(header):
        language, region = split_tag(tag)
        if region in available:
            return LocaleGuess(region=region)
        if language in ASK_LANGUAGES:
            return LocaleGuess(ask_language=language)
    return LocaleGuess()


def offered_regions(
    language: str, available: Iterable[str], first: Iterable[str] = ()
) -> tuple[str, ...]:
    """Regions to propose: ``first``, then the language's likely ones, then the rest."""
    available = list(available)
    ordered = [*first, *LIKELY_REGIONS.get(language, ()), *sorted(available)]
    return tuple(dict.fromkeys(code for code in ordered if code in available))


def resolve(
    *,
    chosen: str,
    guess: LocaleGuess,
    language: str,
    default: str,
    available: Collection[str],
    written_language: str = "",
) -> RegionChoice:
    """The region to show, by the order in this module's docstring.

    ``language`` is the interface language; ``written_language`` the language the
    person's messages are written in, when known.
    """
    if chosen in available:
        return RegionChoice(
            chosen, CHOSEN, (chosen,), offered_regions(language, available, (chosen,))
        )
    if guess.region in available:
        return RegionChoice(
            guess.region,
            LOCALE,
            (guess.region,),
            offered_regions(language, available, (guess.region,)),
        )
    ask_language = next(
        (
            code
            for code in (guess.ask_language, language, written_language)
            if code in ASK_LANGUAGES
        ),
        "",
    )
    if ask_language:
        offered = offered_regions(ask_language, available)
        if offered:
            shown = offered[:SHOWN_WHILE_ASKING]
            return RegionChoice(shown[0], ASK, shown, offered)
    # The default even when it has no lines: the panel then says to call the local
    # emergency number, which is better than another country's lines.
    return RegionChoice(
        default, DEFAULT, (default,), offered_regions(language, available, (default,))
    )
