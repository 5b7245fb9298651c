"""Survey outcomes: change between waves, reliability, attrition and group breakdowns.

Only responses of participants whose consent stands are read (withdrawing deletes
them as well). Each instrument version is analysed with its own stored definition.

Rules (repeated in the codebook and docs/evaluation.md):
- The unit of analysis is the person: identities linked with the self-generated code
  count as one person (the root identity).
- A response counts for an instrument when every subscale of the instrument is scored
  (the missing-item rule per subscale, then all subscales): subscales of one instrument
  therefore share one set of people, and their counts are the same.
- A pair is a baseline (pre) response and a later response of the same person, the
  later one answered after the baseline one. For the post wave both belong to the same
  chat; the person's pair is their first chat with both. For the follow-up, the baseline
  is the person's first pre response and the later one their first follow-up after it.
- A person without a pair contributes their first response at each wave to the
  baseline and later descriptions (and to the attrition comparison).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import router
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce

from evaluation import adjusted, arrays, codebook, registry, state, stats
from evaluation.arrays import (
    DAY,
    NULL_TEXT,
    TEXT_SEPARATOR,
    Groups,
    columns,
    columns_and_joined,
    common_firsts,
    distinct,
    first_of_each,
    month_of,
    periods,
    positions,
    stable_order,
)
from evaluation.dbfunctions import IsoDay, Joined
from evaluation.instruments import DONT_KNOW, WAVES, Instrument, instrument_from_definition
from evaluation.models import InstrumentVersion, SurveyIdentity, SurveyResponse
from evaluation.scoring import numeric_answers, score_numbers, subscale_matrix
from evaluation.tables import Bundle, Table

SPECS = (
    codebook.SURVEY_CHANGE,
    codebook.SCORE_DISTRIBUTION,
    codebook.SURVEY_GROUPS,
    codebook.ATTRITION,
    codebook.PROPORTIONS,
    codebook.SURVEY_REACH,
)
COMPARISONS = (("pre_post", "pre", "post"), ("pre_followup", "pre", "followup"))
NOT_ANSWERED = "not_answered"
ALL = "all"
MISSING = -1


@dataclass
class Pairs:
    """Per person, the response rows described at two waves, and whether they pair up."""

    people: np.ndarray
    before: np.ndarray
    after: np.ndarray
    paired: np.ndarray

    def values(self, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores at each wave, NaN where the person has no response at that wave."""

        def pick(rows: np.ndarray) -> np.ndarray:
            if not scores.size:
                return np.full(rows.size, np.nan)
            return np.where(rows != MISSING, scores[np.maximum(rows, 0)], np.nan)

        return pick(self.before), pick(self.after)


def _first_per_person(rows: np.ndarray, people: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each person among ``rows`` (which are in time order) and their first row."""
    who, first = first_of_each(people[rows])
    return who, rows[first]


@dataclass
class VersionData:
    """One instrument version's responses, scored, in the order they were given."""

    instrument: Instrument
    # Response ids: they grow with time, and the rows are in this order.
    ids: np.ndarray
    people: np.ndarray
    devices: np.ndarray
    # Each row's wave as its position in evaluation.instruments.WAVES (see wave_code).
    waves: np.ndarray
    chats: np.ndarray
    months: Groups
    numbers: np.ndarray
    items: np.ndarray = field(init=False)
    scores: dict[str, np.ndarray] = field(init=False)
    complete: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.items = score_numbers(self.instrument, self.numbers)
        self.scores = subscale_matrix(self.instrument, self.items)
        complete = np.ones(self.people.size, dtype=bool)
        for values in self.scores.values():
            complete &= ~np.isnan(values)
        self.complete = complete

    def rows(self, wave: str) -> np.ndarray:
        """Counted responses at a wave, in time order."""
        return np.flatnonzero(self.at_wave(wave) & self.complete)

    def at_wave(self, wave: str) -> np.ndarray:
        """Whether each row was answered at ``wave``."""
        return self.waves == wave_code(wave)

    def pairs(self, baseline: str, later: str) -> Pairs:
        before_rows, after_rows = self.rows(baseline), self.rows(later)
        people = distinct(np.concatenate([self.people[before_rows], self.people[after_rows]]))
        before = np.full(people.size, MISSING, dtype=np.int64)
        after = np.full(people.size, MISSING, dtype=np.int64)
        who, first = _first_per_person(before_rows, self.people)
        before[positions(people, who)] = first
        who, first = _first_per_person(after_rows, self.people)
        after[positions(people, who)] = first
        paired = np.zeros(people.size, dtype=bool)
        if not before_rows.size or not after_rows.size:
            return Pairs(people, before, after, paired)
        if later == "post":
            # Same chat of the same device, the later answer after the baseline one.
            width = int(self.chats.max()) + 1
            keys = [self.devices[r] * width + self.chats[r] for r in (before_rows, after_rows)]
            at_before, at_after = common_firsts(*keys)
            pre, post = before_rows[at_before], after_rows[at_after]
            keep = post > pre
            pre, post = pre[keep], post[keep]
            order = np.argsort(pre, kind="stable")
            pre, post = pre[order], post[order]
            who, first = first_of_each(self.people[pre])
            slots = positions(people, who)
            before[slots] = pre[first]
            after[slots] = post[first]
            paired[slots] = True
        else:
            # The first later answer given after the person's first baseline answer.
            slot_of = positions(people, self.people[after_rows])
            start = before[slot_of]
            eligible = after_rows[(start != MISSING) & (after_rows > start)]
            who, first = _first_per_person(eligible, self.people)
            slots = positions(people, who)
            after[slots] = first
            paired[slots] = True
        return Pairs(people, before, after, paired)


@dataclass(frozen=True)
class Answered:
    """The people who answered one item (sorted, each once) and their answers as text."""

    people: np.ndarray
    texts: np.ndarray

    @classmethod
    def first_of(cls, parts: list[Answered]) -> Answered:
        """Each person's answer in the first of ``parts`` that has one."""
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return cls(np.array([], dtype=np.int64), np.array([], dtype=object))
        people = np.concatenate([part.people for part in parts])
        # Each person's first position: the earliest part wins.
        who, first = first_of_each(people)
        return cls(who, np.concatenate([part.texts for part in parts])[first])


@dataclass
class Demographics:
    """Each person's answer to each breakdown item, integer-coded for fast grouping."""

    people: np.ndarray
    answers: dict[str, Groups]

    @classmethod
    def from_answers(cls, given: dict[str, list[Answered]]) -> Demographics:
        """``given``: per item, the answers read from each version, in version order (the
        first version a person answered the item in gives their answer)."""
        firsts = {item: Answered.first_of(parts) for item, parts in given.items()}
        every = [answered.people for answered in firsts.values()]
        people = distinct(np.concatenate(every)) if every else np.array([], dtype=np.int64)
        return cls(people, {item: _coded(answered, people) for item, answered in firsts.items()})

    def groups(self, item: str, people: np.ndarray) -> Groups:
        """The groups of these people for one item; no answer is ``not_answered``."""
        coded = self.answers.get(item)
        if coded is None or not self.people.size:
            return Groups([NOT_ANSWERED], np.zeros(people.size, dtype=np.int64))
        names = list(coded.names)
        if NOT_ANSWERED not in names:
            names.append(NOT_ANSWERED)
        at = positions(self.people, people)
        codes = np.where(at >= 0, coded.codes[at], names.index(NOT_ANSWERED))
        return Groups(names, codes)


@dataclass
class Responses:
    """All analysable responses: per instrument version, plus per-person facts."""

    versions: list[VersionData]
    demographics: Demographics
    # Each person's survey language: the language of their first response.
    people: np.ndarray
    languages: Groups

    def language_of(self, people: np.ndarray) -> Groups:
        if not self.people.size:
            return Groups([NOT_ANSWERED], np.zeros(people.size, dtype=np.int64))
        names = list(self.languages.names)
        if NOT_ANSWERED not in names:
            names.append(NOT_ANSWERED)
        at = positions(self.people, people)
        return Groups(names, np.where(at >= 0, self.languages.codes[at], names.index(NOT_ANSWERED)))


@dataclass(frozen=True)
class _Kept:
    """Survey rows this process has read and parsed, valid for one database, one data
    version, and while no row up to ``top`` has come or gone (``count`` of them)."""

    alias: str
    version: str
    top: int
    count: int
    rows: dict[str, np.ndarray]
    # Per instrument version: its rows' numbers, in row order, and (for instruments
    # with text answers, else None) the answers themselves, rows by items.
    numbers: dict[int, np.ndarray]
    answers: dict[int, np.ndarray | None]
    # The languages the rows' language codes stand for (sorted).
    languages: tuple[str, ...]


# Rows are added far more often than changed: a report reads only the responses added
# since the last one and parses only theirs. Withdrawals, links, declined consent and
# erasures move the data version on (evaluation.report.forget_cached_reports), which
# makes the next report read everything again.
_KEPT: dict[str, _Kept] = {}


def _consented() -> QuerySet[SurveyResponse]:
    return SurveyResponse.objects.filter(identity__consent=SurveyIdentity.Consent.GIVEN)


def wave_code(wave: str) -> int:
    """A wave's code: its position in WAVES (any other text: ``len(WAVES)``)."""
    return WAVES.index(wave) if wave in WAVES else len(WAVES)


# Waves are read as codes: comparing small integers, not text objects, per row.
_WAVE_CODES = Case(
    *(When(wave=wave, then=Value(code)) for code, wave in enumerate(WAVES)),
    default=Value(len(WAVES)),
)


def _language_codes(languages: tuple[str, ...]) -> Case:
    """A response's language as its position in ``languages``; any other: ``len(languages)``.

    Read as codes rather than texts: 0.02 s of CPU less at 50,000 participants (no text per
    row to join, split and hold).
    """
    return Case(
        *(When(language=language, then=Value(code)) for code, language in enumerate(languages)),
        default=Value(len(languages)),
    )


def _known_languages(definitions: dict[int, Instrument]) -> tuple[str, ...]:
    """The languages the instrument versions offer: what responses are stored in."""
    return tuple(sorted({lang for d in definitions.values() for lang in d.languages}))


def _read_all(
    responses: QuerySet[SurveyResponse], languages: tuple[str, ...], versions: tuple[int, ...]
) -> tuple[dict[str, np.ndarray], dict[int, str], tuple[str, ...]]:
    """Every row of ``responses`` and their answers (as _read()), and the languages their
    codes stand for: ``languages`` and any other language a response holds (read again
    with those, when there are some)."""
    rows, answers = _read(responses, languages, versions)
    if not (rows["language"] == len(languages)).any():
        return rows, answers, languages
    others = responses.exclude(language__in=languages).values_list("language", flat=True)
    languages = tuple(sorted({*languages, *others.order_by().distinct()}))
    return (*_read(responses, languages, versions), languages)


def _people_of(devices: np.ndarray) -> np.ndarray:
    """Each device's person: the root identity (devices linked with the self-generated code
    count as one participant), as ``COALESCE(linked_to_id, id)`` of the device's identity.

    Looked up in the few linked identities rather than joined per response: 0.015 s of CPU
    less at 50,000 participants.
    """
    links = columns(
        SurveyIdentity.objects.filter(linked_to__isnull=False), device="pk", root="linked_to_id"
    )
    people = devices.copy()
    if not links["device"].size or not devices.size:
        return people
    order = np.argsort(links["device"])
    linked, roots = links["device"][order], links["root"][order]
    at = np.minimum(np.searchsorted(linked, devices), linked.size - 1)
    found = linked[at] == devices
    people[found] = roots[at[found]]
    return people


def _kind(languages: tuple[str, ...]) -> CombinedExpression:
    """A response's instrument version, wave code and language code as one whole number:
    one column to join and parse instead of three (0.015 s of CPU less at 50,000
    participants). Exact as a float while version ids stay under 2**53 over the product
    of the codes' ranges (more than 10**10 versions with a thousand languages)."""
    waves, codes = len(WAVES) + 1, len(languages) + 1
    version = F("instrument_version_id") * Value(waves) + _WAVE_CODES
    return version * Value(codes) + _language_codes(languages)


def _read(
    responses: QuerySet[SurveyResponse], languages: tuple[str, ...], versions: tuple[int, ...]
) -> tuple[dict[str, np.ndarray], dict[int, str]]:
    """The rows of ``responses``, each language as its position in ``languages``; and the
    answers of each instrument version in ``versions`` (every version a row can have): its
    rows' JSON texts, in row order, each followed by TEXT_SEPARATOR.

    The database joins each version's answers by itself: no text per response to split
    from one column and join again per version (at 50,000 participants, 0.02 s of CPU).
    """
    rows, joined = columns_and_joined(
        responses,
        {
            f"answers_{version}": Joined(
                F("answers"),
                TEXT_SEPARATOR,
                "",
                nullable=False,
                filter=Q(instrument_version_id=version),
            )
            for version in versions
        },
        dates=("day",),
        id="pk",
        device="identity_id",
        kind=_kind(languages),
        chat="chat_number",
        day=IsoDay("answered_on"),
    )
    # One separator after each response (the database puts them between).
    answers = {
        version: joined[f"answers_{version}"] + TEXT_SEPARATOR
        if joined[f"answers_{version}"]
        else ""
        for version in versions
    }
    kind = rows.pop("kind")
    if kind.size and not kind.max() < 2.0**53:
        # Not whole numbers a float holds exactly: only with absurd version ids.
        raise ValueError("survey rows cannot be read: an instrument version id is too large")
    rest, rows["language"] = np.divmod(kind, len(languages) + 1)
    rows["version"], rows["wave"] = np.divmod(rest, len(WAVES) + 1)
    rows["person"] = _people_of(rows["device"])
    # The day as epoch seconds (midnight UTC), as evaluation.arrays.periods reads it.
    rows["day"] = rows["day"].astype(np.int64) * DAY
    present, counts = np.unique(rows["version"].astype(np.int64), return_counts=True)
    read = dict(zip(present.tolist(), counts.tolist(), strict=True))
    for version in {*read, *answers}:
        if answers.get(version, "").count(TEXT_SEPARATOR) != read.get(version, 0):
            # A row of a version not in ``versions``: its answers were not read.
            raise ValueError("survey rows cannot be read: answers of an unknown version")
    # Response ids grow with time: in id order, "first" and "after" mean what they say.
    # SQLite's scan gives that order already (no reorder of every column then); any other
    # order is sorted here, as SQL does not promise one.
    ids = rows["id"]
    if ids.size < 2 or bool((ids[1:] >= ids[:-1]).all()):
        return rows, answers
    order = np.argsort(ids, kind="stable")
    sorted_rows = {name: values[order] for name, values in rows.items()}
    for version, text in answers.items():
        if not text:
            continue
        # This version's rows as read, and the read position of each once sorted.
        read_at = np.flatnonzero(rows["version"] == version)
        sorted_at = order[np.flatnonzero(sorted_rows["version"] == version)]
        texts = np.array(text.split(TEXT_SEPARATOR)[:-1], dtype=object)
        reordered = texts[np.searchsorted(read_at, sorted_at)].tolist()
        answers[version] = "".join(answer + TEXT_SEPARATOR for answer in reordered)
    return sorted_rows, answers


# "Don't know" while parsing: a whole number no scale holds, exact as a float.
_DONT_KNOW_MARK = -(2.0**62)
_DONT_KNOW_TEXT = str(-(2**62))


def _parse(instrument: Instrument, answers: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Answers (JSON texts, each followed by TEXT_SEPARATOR) as numbers, and as values
    (rows by items) for instruments with text answers."""
    scored = all(item.scale.is_scored for item in instrument.items)
    width = len(instrument.items)
    count = answers.count(TEXT_SEPARATOR)
    if not count:
        return np.empty((0, width)), None if scored else np.empty((0, width), dtype=object)
    # One parse of one JSON document is far cheaper than one per response.
    joined = answers[:-1].replace(TEXT_SEPARATOR, ",")
    if scored:
        # Numbers only: skipped reads as NaN, "don't know" as infinity, straight into floats
        # (whole-number answers on numpy's integer parser: evaluation.arrays.numbers).
        flat = joined.replace("[", "").replace("]", "").replace("null", NULL_TEXT)
        numbers = arrays.numbers(flat.replace(f'"{DONT_KNOW}"', _DONT_KNOW_TEXT))
        numbers[numbers == _DONT_KNOW_MARK] = np.inf
        return numbers.reshape(count, width), None
    table = _answer_table(answers[:-1].split(TEXT_SEPARATOR), width, f"[{joined}]")
    return numeric_answers(instrument, table), table


# Closes each response in the one document _answer_table parses (compared as an object:
# numpy would read it as a text of its own kind).
_ROW_END = np.array("\x00end of response", dtype=object)
_ROW_END_TEXT = json.dumps(_ROW_END.item())


def _answer_table(texts: list[str], width: int, document: str) -> np.ndarray:
    """Responses (JSON arrays of ``width`` answers; ``document``: them as one JSON array)
    as a rows-by-items object array.

    One array rather than a list per response: the process keeps these answers between
    reports, and tens of thousands of lists (containers the garbage collector tracks) made
    every few builds pay for a full collection of everything the process holds. So the
    responses' own brackets are dropped and their answers read as one flat list, each
    response followed by a marker. Unless the markers then stand exactly every
    ``width + 1`` values (not so when an answer is the marker or a response has another
    length) and no answer holds a bracket, ``document`` is read as it always was.
    """
    table = np.empty((len(texts), width), dtype=object)
    if not texts:
        return table
    # Built like this the table holds the very objects a parse per response gives.
    joined = f",{_ROW_END_TEXT},".join(text[1:-1] for text in texts)
    plain = all(text[:1] == "[" and text[-1:] == "]" for text in texts)
    if plain and "[" not in joined and "{" not in joined:
        try:
            flat = json.loads(f"[{joined},{_ROW_END_TEXT}]")
        except ValueError:
            flat = []
        values = np.fromiter(flat, dtype=object, count=len(flat))
        del flat
        ends = np.flatnonzero(values == _ROW_END)
        every = np.arange(width, table.size + len(texts), width + 1)
        if values.size == table.size + len(texts) and np.array_equal(ends, every):
            table[:] = np.delete(values, ends).reshape(table.shape)
            return table
    return np.array(json.loads(document), dtype=object).reshape(table.shape)


def _rows_and_answers(definitions: dict[int, Instrument]) -> _Kept:
    """Every consented response as arrays, reusing what this process read before."""
    alias = router.db_for_read(SurveyResponse)
    version = state.data_version()
    languages = _known_languages(definitions)
    versions = tuple(definitions)
    kept = _KEPT.get(alias)
    added = None
    if (
        kept is not None
        and kept.version == version
        and kept.languages == languages
        and _consented().filter(pk__lte=kept.top).count() == kept.count
    ):
        added, answers = _read(_consented().filter(pk__gt=kept.top), languages, versions)
    # A language no version offers among the new rows: everything is read again.
    if kept is not None and added is not None and not (added["language"] == len(languages)).any():
        rows = {name: np.concatenate([kept.rows[name], added[name]]) for name in kept.rows}
        kept = _parsed(alias, version, rows, answers, definitions, kept, languages)
    else:
        rows, answers, languages = _read_all(_consented(), languages, versions)
        kept = _parsed(alias, version, rows, answers, definitions, None, languages)
    _KEPT[alias] = kept
    return kept


def _parsed(
    alias: str,
    version: str,
    rows: dict[str, np.ndarray],
    texts: dict[int, str],
    definitions: dict[int, Instrument],
    before: _Kept | None,
    languages: tuple[str, ...],
) -> _Kept:
    """``texts``: per version, the answers of its rows not in ``before`` (the last ones),
    as _read() gives them."""
    numbers: dict[int, np.ndarray] = {}
    answers: dict[int, list[list[Any]]] = {}
    for version_id in np.unique(rows["version"]).astype(np.int64).tolist():
        # Rows only ever come after the ones kept: the first ones parsed are still these.
        done = before.numbers.get(version_id) if before is not None else None
        more, values = _parse(definitions[version_id], texts.get(version_id, ""))
        if done is None:
            numbers[version_id], answers[version_id] = more, values
        else:
            numbers[version_id] = np.concatenate([done, more])
            kept_values = before.answers[version_id]
            answers[version_id] = None if values is None else np.concatenate([kept_values, values])
    top = int(rows["id"].max()) if rows["id"].size else 0
    return _Kept(alias, version, top, int(rows["id"].size), rows, numbers, answers, languages)


def forget_kept() -> None:
    """Drop what this process kept (the next report reads every response again)."""
    _KEPT.clear()


def load() -> Responses:
    """Scored responses per instrument version, and each person's breakdown answers."""
    definitions = {
        v.pk: instrument_from_definition(v.definition, f"{v.instrument}@{v.version}")
        for v in InstrumentVersion.objects.all()
    }
    kept = _rows_and_answers(definitions)
    rows = kept.rows
    if not rows["person"].size:
        empty = Groups([], np.array([], dtype=np.int64))
        return Responses([], Demographics.from_answers({}), np.array([], dtype=np.int64), empty)
    people = rows["person"].astype(np.int64)
    months = periods(rows["day"], month_of)
    given: dict[str, list[Answered]] = defaultdict(list)
    versions: list[VersionData] = []
    for version_id in np.unique(rows["version"]):
        at = np.flatnonzero(rows["version"] == version_id)
        instrument = definitions[int(version_id)]
        numbers = kept.numbers[int(version_id)]
        answers = kept.answers[int(version_id)]
        # Breakdown answers are read from instruments with text answers (demographics).
        has_text = answers is not None and answers.shape[0] > 0
        for position, item in enumerate(instrument.items if has_text else ()):
            if item.breakdown:
                given[item.id].append(_first_answers(people[at], answers, position))
        versions.append(
            VersionData(
                instrument,
                rows["id"][at].astype(np.int64),
                people[at],
                rows["device"][at].astype(np.int64),
                rows["wave"][at].astype(np.int64),
                rows["chat"][at].astype(np.int64),
                months.take(at),
                numbers,
            )
        )
    who, first = first_of_each(people)
    languages = _language_groups(rows["language"][first].astype(np.int64), kept.languages)
    return Responses(versions, Demographics.from_answers(given), who, languages)


def _language_groups(codes: np.ndarray, languages: tuple[str, ...]) -> Groups:
    """Languages read as codes (positions in ``languages``, which is sorted) as groups of
    their texts: the languages present, in order, and each row's place among them."""
    present = np.unique(codes)
    names = [languages[code] for code in present.tolist()]
    return Groups(names, np.searchsorted(present, codes).astype(np.int64))


def _coded(answered: Answered, people: np.ndarray) -> Groups:
    """Each of ``people`` (sorted; ``answered.people`` among them) coded by their answer,
    ``NOT_ANSWERED`` for none: the groups of everyone's answers (the distinct answers in
    order), made from the answers given alone (no list of every person's answer to code one
    by one)."""
    texts = answered.texts.tolist()
    missing = [NOT_ANSWERED] if len(texts) < people.size else []
    names = sorted({*texts, *missing})
    code_of = {name: code for code, name in enumerate(names)}
    codes = np.full(people.size, code_of.get(NOT_ANSWERED, 0), dtype=np.int64)
    # map() with a dict's own look-up: no Python-level step per answer.
    codes[positions(people, answered.people)] = np.fromiter(
        map(code_of.__getitem__, texts), dtype=np.int64, count=len(texts)
    )
    return Groups(names, codes)


def _first_answers(people: np.ndarray, answers: np.ndarray, position: int) -> Answered:
    """Each person's first answer at ``position`` (rows in id order) as text; a skipped item
    is no answer."""
    column = answers[:, position]
    answered = np.flatnonzero(column != None)  # noqa: E711 (element-wise comparison)
    who, first = first_of_each(people[answered])
    values = column[answered[first]].tolist()
    return Answered(who, np.fromiter(map(str, values), dtype=object, count=len(values)))


def breakdown_items(versions: Iterable[VersionData]) -> list[str]:
    """The pre-defined demographic breakdowns: items flagged ``breakdown`` in a definition."""
    found: list[str] = []
    for data in versions:
        found += [i.id for i in data.instrument.items if i.breakdown and i.id not in found]
    return found


def breakdown_domains(responses: Responses) -> dict[str, list[str]]:
    """Every group each breakdown can have, known from the definitions, so an empty group
    is a row with a zero count (suppressed) rather than a missing row that gives it away."""
    domains: dict[str, list[str]] = {}
    languages: list[str] = []
    # The current definitions and every version answered: a group exists before anyone is in it.
    definitions = [*registry.instruments().values(), *(d.instrument for d in responses.versions)]
    for instrument in definitions:
        languages += [lang for lang in instrument.languages if lang not in languages]
        for item in instrument.items:
            if not item.breakdown:
                continue
            values = [str(v) for v in item.scale.values()]
            if item.scale.type == "yes_no_dont_know":
                values.append(DONT_KNOW)
            domain = domains.setdefault(item.id, [])
            domain += [v for v in values if v not in domain]
    out = {"language": sorted(languages)}
    out.update({item: sorted(values) for item, values in domains.items()})
    return {name: [*values, NOT_ANSWERED] for name, values in out.items()}


def _month_domain(responses: Responses) -> list[str]:
    months = sorted({m for data in responses.versions for m in data.months.names})
    if not months:
        return []
    first_year, first_month = map(int, months[0].split("-"))
    last_year, last_month = map(int, months[-1].split("-"))
    domain = []
    year, month = first_year, first_month
    while (year, month) <= (last_year, last_month):
        domain.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return domain


def _labels(groups: Groups, domain: list[str]) -> np.ndarray:
    """Each row's position in ``domain``."""
    position = np.array([domain.index(name) for name in groups.names], dtype=np.int64)
    return position[groups.codes] if groups.codes.size else groups.codes


def build(period: Any = None) -> Bundle:
    """The survey tables of a release, with the relations between their cells."""
    responses = load()
    domains = breakdown_domains(responses)
    builder = _Builder(responses, domains, _month_domain(responses))
    for data in responses.versions:
        if data.instrument.analysis == "proportions":
            builder.add_proportions(data)
        elif data.instrument.subscales:
            builder.add_version(data)
    _adjust_holm(builder.change)
    return builder.bundle()


class _Builder:
    """Fills the survey tables and records how their cells relate."""

    def __init__(
        self, responses: Responses, domains: dict[str, list[str]], months: list[str]
    ) -> None:
        self.responses = responses
        self.domains = domains
        self.months = months
        self.change = Table(codebook.SURVEY_CHANGE)
        self.distribution = Table(codebook.SCORE_DISTRIBUTION)
        self.groups = Table(codebook.SURVEY_GROUPS)
        self.attrition = Table(codebook.ATTRITION)
        self.proportions = Table(codebook.PROPORTIONS)
        self.reach = Table(codebook.SURVEY_REACH)
        self.relations = Bundle([])
        self.reach_cells = self._add_reach_rows()

    def bundle(self) -> Bundle:
        tables = [
            self.change,
            self.distribution,
            self.groups,
            self.attrition,
            self.proportions,
            self.reach,
        ]
        # The most one person changes (for differential privacy): every count of every row
        # they are in; bounded by the number of rows a person can fall in.
        for table in tables:
            table.sensitivity = max(1, len(table.spec.count_columns) * len(table.rows))
        self.relations.tables = tables
        return self.relations

    # Reach ----------------------------------------------------------------------------

    def _add_reach_rows(self) -> dict[tuple[str, str], int]:
        people = distinct(
            columns(
                SurveyIdentity.objects.filter(consent=SurveyIdentity.Consent.GIVEN),
                person=Coalesce("linked_to_id", "pk"),
            )["person"].astype(np.int64)
        )
        cells: dict[tuple[str, str], int] = {}
        totals = []
        for breakdown, domain in self.domains.items():
            codes = _labels(self._groups_of(breakdown, people), domain)
            counts = np.bincount(codes, minlength=len(domain))
            members = []
            for group, count in zip(domain, counts.tolist(), strict=True):
                row = self.reach.add(breakdown=breakdown, group=group, participants=count)
                cells[(breakdown, group)] = row
                members.append(row)
            total = self.reach.add(breakdown=breakdown, group=ALL, participants=int(people.size))
            self.reach.add_line((total, "participants"), [(m, "participants") for m in members])
            totals.append(total)
        for total in totals[1:]:
            self.relations.same(
                self.reach.cell(total, "participants"), self.reach.cell(totals[0], "participants")
            )
        return cells

    def _groups_of(self, breakdown: str, people: np.ndarray) -> Groups:
        if breakdown == "language":
            return self.responses.language_of(people)
        return self.responses.demographics.groups(breakdown, people)

    # One instrument version ---------------------------------------------------------------

    def add_version(self, data: VersionData) -> None:
        waves = data.instrument.waves
        baseline_cell: tuple[str, int, str] | None = None
        later_cells: dict[str, tuple[str, int, str]] = {}
        for comparison, baseline, later in COMPARISONS:
            if baseline not in waves or later not in waves:
                continue
            pairs = data.pairs(baseline, later)
            # Each baseline person's group in every breakdown: the attrition model's
            # covariates and the group rows use the same ones.
            labels = self._labels_of(pairs.people[pairs.before != MISSING])
            rows = self._add_change_rows(data, comparison, pairs)
            first = rows[0]
            if baseline_cell is None:
                baseline_cell = self.change.cell(first, "n_baseline")
            else:
                self.relations.same(self.change.cell(first, "n_baseline"), baseline_cell)
            later_cells[later] = self.change.cell(first, "n_later")
            self._add_attrition_rows(data, comparison, pairs, rows, labels)
            self._add_group_rows(data, comparison, pairs, rows, labels)
        self._add_distribution_rows(data, baseline_cell, later_cells)

    def _add_change_rows(self, data: VersionData, comparison: str, pairs: Pairs) -> list[int]:
        instrument = data.instrument
        item_index = {item.id: i for i, item in enumerate(instrument.items)}
        has_before = pairs.before != MISSING
        has_after = pairs.after != MISSING
        counts = {
            "n_baseline": int(has_before.sum()),
            "n_later": int(has_after.sum()),
            "n_paired": int(pairs.paired.sum()),
        }
        counts["n_baseline_only"] = counts["n_baseline"] - counts["n_paired"]
        counts["n_later_only"] = counts["n_later"] - counts["n_paired"]
        rows = []
        for subscale in instrument.subscales:
            before, after = pairs.values(data.scores[subscale.id])
            base = stats.summarise(before[has_before])
            later = stats.summarise(after[has_after])
            item_columns = [item_index[i] for i in subscale.items]
            row: dict[str, Any] = {
                "instrument": instrument.id,
                "version": instrument.version,
                "subscale": subscale.id,
                "comparison": comparison,
                "higher_is_better": subscale.higher_is_better,
                "items": len(subscale.items),
                **counts,
                "mean_baseline": base.mean,
                "sd_baseline": base.sd,
                "mean_later": later.mean,
                "sd_later": later.sd,
                "alpha_baseline": _alpha(data, pairs.before[has_before], item_columns),
                "alpha_later": _alpha(data, pairs.after[has_after], item_columns),
            }
            pre_values, post_values = before[pairs.paired], after[pairs.paired]
            if pre_values.size >= 2:
                result = stats.paired(pre_values, post_values)
                row.update(
                    mean_change=result.mean_change,
                    sd_change=result.sd_change,
                    ci_low=result.ci_low,
                    ci_high=result.ci_high,
                    t=result.t,
                    p_t=result.p_t,
                    wilcoxon_w=result.wilcoxon_w,
                    p_wilcoxon=result.p_wilcoxon,
                    d_z=result.d_z,
                    d_z_ci_low=result.d_z_low,
                    d_z_ci_high=result.d_z_high,
                    g_z=result.g_z,
                    g_z_ci_low=result.g_z_low,
                    g_z_ci_high=result.g_z_high,
                )
            self._add_reliable_change(row, subscale, pre_values, post_values)
            index = self.change.add(**row)
            self.change.add_line(
                (index, "n_baseline"), [(index, "n_paired"), (index, "n_baseline_only")]
            )
            self.change.add_line((index, "n_later"), [(index, "n_paired"), (index, "n_later_only")])
            if "n_reliably_improved" in row:
                outcomes = ("n_reliably_improved", "n_reliably_worse", "n_no_reliable_change")
                self.change.add_line((index, "n_paired"), [(index, c) for c in outcomes])
            rows.append(index)
        # Subscales of one instrument count the same people.
        for index in rows[1:]:
            for column in counts:
                self.relations.same(
                    self.change.cell(index, column), self.change.cell(rows[0], column)
                )
        return rows

    def _add_reliable_change(
        self,
        row: dict[str, Any],
        subscale: Any,
        pre_values: np.ndarray,
        post_values: np.ndarray,
    ) -> None:
        reliability, why_not = stats.rci_reliability(
            subscale.reliability, row["alpha_baseline"], len(subscale.items)
        )
        sd = float(pre_values.std(ddof=1)) if pre_values.size >= 2 else 0.0
        if reliability is None or not sd:
            row["reliable_change_note"] = why_not or "too few paired participants"
            return
        rc = stats.reliable_change(
            pre_values,
            post_values,
            sd_pre=sd,
            reliability=reliability,
            higher_is_better=subscale.higher_is_better,
        )
        row.update(
            reliability_used=reliability,
            sd_rci=sd,
            n_reliably_improved=rc.improved,
            n_reliably_worse=rc.deteriorated,
            n_no_reliable_change=rc.n - rc.improved - rc.deteriorated,
            reliable_change_note="",
        )

    # Attrition ----------------------------------------------------------------------------

    def _labels_of(self, people: np.ndarray) -> dict[str, np.ndarray]:
        """Each person's position in every breakdown's domain."""
        return {
            breakdown: _labels(self._groups_of(breakdown, people), domain)
            for breakdown, domain in self.domains.items()
        }

    def _covariates(
        self, data: VersionData, pairs: Pairs, labels: dict[str, np.ndarray]
    ) -> np.ndarray:
        """Baseline scores (standardised) and one-hot breakdown groups of the people with a
        baseline (``labels``: their groups, from _labels_of)."""
        rows = pairs.before[pairs.before != MISSING]
        subscales = data.instrument.subscales
        # One matrix filled in place (no block per covariate to stack).
        width = len(subscales) + sum(len(domain) - 1 for domain in self.domains.values())
        covariates = np.zeros((rows.size, width))
        for column, subscale in enumerate(subscales):
            values = data.scores[subscale.id][rows]
            spread = values.std() or 1.0
            covariates[:, column] = (values - values.mean()) / spread
        start, everyone = len(subscales), np.arange(rows.size)
        for breakdown, domain in self.domains.items():
            codes = labels[breakdown]
            # One-hot groups; the first level is the reference and has no column.
            others = codes > 0
            covariates[everyone[others], start + codes[others] - 1] = 1.0
            start += len(domain) - 1
        return covariates

    def _add_attrition_rows(
        self,
        data: VersionData,
        comparison: str,
        pairs: Pairs,
        change_rows: list[int],
        labels: dict[str, np.ndarray],
    ) -> None:
        has_before = pairs.before != MISSING
        completed = pairs.paired[has_before]
        weights = adjusted.completion_weights(completed, self._covariates(data, pairs, labels))
        for subscale, change_row in zip(data.instrument.subscales, change_rows, strict=True):
            before, after = pairs.values(data.scores[subscale.id])
            kept, dropped = before[pairs.paired], before[has_before & ~pairs.paired]
            difference = stats.compare_baselines(dropped, kept)
            row: dict[str, Any] = {
                "instrument": data.instrument.id,
                "version": data.instrument.version,
                "subscale": subscale.id,
                "comparison": comparison,
                "n_completers": int(kept.size),
                "n_non_completers": int(dropped.size),
                "mean_baseline_completers": float(kept.mean()) if kept.size else None,
                "mean_baseline_non_completers": float(dropped.mean()) if dropped.size else None,
                "smd_baseline": stats.standardised_difference(dropped, kept),
                "attrition_p": difference.p if difference else None,
                "mean_change": self.change.rows[change_row].get("mean_change"),
            }
            if weights is not None and kept.size >= 2:
                weighted = adjusted.weighted_mean(after[pairs.paired] - kept, weights)
                if weighted is not None:
                    row.update(
                        mean_change_ipw=weighted.mean,
                        ci_low_ipw=weighted.low,
                        ci_high_ipw=weighted.high,
                        effective_n_ipw=weighted.effective_n,
                    )
            index = self.attrition.add(**row)
            for mine, theirs in (
                ("n_completers", "n_paired"),
                ("n_non_completers", "n_baseline_only"),
            ):
                self.relations.same(
                    self.attrition.cell(index, mine), self.change.cell(change_row, theirs)
                )

    # Groups -------------------------------------------------------------------------------

    def _add_group_rows(
        self,
        data: VersionData,
        comparison: str,
        pairs: Pairs,
        change_rows: list[int],
        labels: dict[str, np.ndarray],
    ) -> None:
        has_before = pairs.before != MISSING
        paired = pairs.paired[has_before]
        baseline_rows = pairs.before[has_before]
        labels = dict(labels)
        domains = dict(self.domains)
        if self.months:
            domains["month"] = self.months
            labels["month"] = _labels(data.months.take(baseline_rows), self.months)
        # Each group's people, the same for every subscale: sorted once per breakdown.
        members_of = {
            breakdown: _members(codes, len(domains[breakdown]))
            for breakdown, codes in labels.items()
        }
        first_rows: dict[tuple[str, str], int] = {}
        for subscale, change_row in zip(data.instrument.subscales, change_rows, strict=True):
            before, after = pairs.values(data.scores[subscale.id])
            change = (after - before)[has_before]
            for breakdown in labels:
                domain = domains[breakdown]
                base = {
                    "breakdown": breakdown,
                    "instrument": data.instrument.id,
                    "version": data.instrument.version,
                    "subscale": subscale.id,
                    "comparison": comparison,
                }
                members = []
                for group, at in zip(domain, members_of[breakdown], strict=True):
                    index = self.groups.add(
                        **base, group=group, **_group_cells(change[at], paired[at])
                    )
                    self._completion_line(index)
                    members.append(index)
                    key = (breakdown, group)
                    if key in first_rows:
                        self._same_counts(index, first_rows[key])
                    else:
                        first_rows[key] = index
                        reach_row = self.reach_cells.get(key)
                        if reach_row is not None:
                            # Consenting people of the group without a baseline: never shown.
                            self.relations.latent(
                                self.reach.cell(reach_row, "participants"),
                                [self.groups.cell(index, "n_baseline")],
                                self.reach.rows[reach_row]["participants"] - at.size,
                            )
                total = self.groups.add(**base, group=ALL, **_group_cells(change, paired))
                self._completion_line(total)
                for column in GROUP_COUNTS:
                    self.groups.add_line((total, column), [(m, column) for m in members])
                for mine, theirs in (
                    ("n_baseline", "n_baseline"),
                    ("n_paired", "n_paired"),
                    ("n_baseline_only", "n_baseline_only"),
                ):
                    self.relations.same(
                        self.groups.cell(total, mine), self.change.cell(change_row, theirs)
                    )

    def _completion_line(self, index: int) -> None:
        self.groups.add_line(
            (index, "n_baseline"), [(index, "n_paired"), (index, "n_baseline_only")]
        )

    def _same_counts(self, index: int, first: int) -> None:
        for column in GROUP_COUNTS:
            self.relations.same(self.groups.cell(index, column), self.groups.cell(first, column))

    # Proportions ----------------------------------------------------------------------------

    def add_proportions(self, data: VersionData) -> None:
        """Per item, the share answering yes (among yes and no), by group."""
        instrument = data.instrument
        for wave in instrument.waves:
            who, first = _first_per_person(np.flatnonzero(data.at_wave(wave)), data.people)
            labels = {
                breakdown: _labels(self._groups_of(breakdown, who), domain)
                for breakdown, domain in self.domains.items()
            }
            for position, item in enumerate(instrument.items):
                answers = data.numbers[first, position]
                yes, no = answers == 1, answers == 0
                totals = []
                for breakdown, codes in labels.items():
                    domain = self.domains[breakdown]
                    yes_counts = np.bincount(codes[yes], minlength=len(domain)).tolist()
                    no_counts = np.bincount(codes[no], minlength=len(domain)).tolist()
                    base = {
                        "breakdown": breakdown,
                        "instrument": instrument.id,
                        "version": instrument.version,
                        "wave": wave,
                        "item": item.id,
                    }
                    members = []
                    for group, n_yes, n_no in zip(domain, yes_counts, no_counts, strict=True):
                        index = self.proportions.add(
                            **base, group=group, **_proportion_cells(n_yes, n_no)
                        )
                        self._answered_line(index)
                        members.append(index)
                        reach_row = self.reach_cells.get((breakdown, group))
                        if reach_row is not None:
                            self.relations.latent(
                                self.reach.cell(reach_row, "participants"),
                                [self.proportions.cell(index, "n_answered")],
                                self.reach.rows[reach_row]["participants"] - n_yes - n_no,
                            )
                    total = self.proportions.add(
                        **base, group=ALL, **_proportion_cells(int(yes.sum()), int(no.sum()))
                    )
                    self._answered_line(total)
                    for column in ("n_answered", "n_yes", "n_no"):
                        self.proportions.add_line((total, column), [(m, column) for m in members])
                    totals.append(total)
                for total in totals[1:]:
                    for column in ("n_answered", "n_yes", "n_no"):
                        self.relations.same(
                            self.proportions.cell(total, column),
                            self.proportions.cell(totals[0], column),
                        )

    def _answered_line(self, index: int) -> None:
        self.proportions.add_line((index, "n_answered"), [(index, "n_yes"), (index, "n_no")])

    # Distributions --------------------------------------------------------------------------

    def _add_distribution_rows(
        self,
        data: VersionData,
        baseline_cell: tuple[str, int, str] | None,
        later_cells: dict[str, tuple[str, int, str]],
    ) -> None:
        instrument = data.instrument
        for wave in instrument.waves:
            _, rows = _first_per_person(data.rows(wave), data.people)
            totals = []
            for subscale in instrument.subscales:
                values = data.scores[subscale.id][rows]
                edges = bands(instrument, len(subscale.items))
                lows = np.array([low for low, _ in edges])
                # Each value's band: the last band whose low end it reaches (the top band
                # includes its top).
                band = np.clip(np.searchsorted(lows, values, side="right") - 1, 0, len(edges) - 1)
                counts = np.bincount(band, minlength=len(edges))
                base = {
                    "instrument": instrument.id,
                    "version": instrument.version,
                    "subscale": subscale.id,
                    "wave": wave,
                }
                members = [
                    self.distribution.add(**base, band=f"{low:g}-{high:g}", n=int(count))
                    for (low, high), count in zip(edges, counts.tolist(), strict=True)
                ]
                total = self.distribution.add(**base, band=ALL, n=int(values.size))
                self.distribution.add_line((total, "n"), [(m, "n") for m in members])
                totals.append(total)
            for total in totals[1:]:
                self.relations.same(
                    self.distribution.cell(total, "n"), self.distribution.cell(totals[0], "n")
                )
            if not totals:
                continue
            cell = baseline_cell if wave == "pre" else later_cells.get(wave)
            if cell is not None:
                self.relations.same(self.distribution.cell(totals[0], "n"), cell)


GROUP_COUNTS = ("n_baseline", "n_paired", "n_baseline_only")


def _members(codes: np.ndarray, groups: int) -> list[np.ndarray]:
    """The positions coded 0, 1, ... ``groups - 1``, each in ascending order."""
    order = stable_order(codes)
    bounds = np.searchsorted(codes[order], np.arange(groups + 1))
    return [order[bounds[code] : bounds[code + 1]] for code in range(groups)]


def _proportion_cells(n_yes: int, n_no: int) -> dict[str, Any]:
    cells: dict[str, Any] = {"n_answered": n_yes + n_no, "n_yes": n_yes, "n_no": n_no}
    share = stats.proportion(n_yes, n_yes + n_no)
    if share is not None:
        cells.update(ci_low=share.low, ci_high=share.high)
    return cells


def _group_cells(change: np.ndarray, paired: np.ndarray) -> dict[str, Any]:
    cells: dict[str, Any] = {
        "n_baseline": int(paired.size),
        "n_paired": int(paired.sum()),
        "n_baseline_only": int(paired.size - paired.sum()),
    }
    values = change[paired]
    if values.size >= 2:
        interval = stats.mean_ci(values)
        cells.update(mean_change=interval.mean, ci_low=interval.low, ci_high=interval.high)
    return cells


def _alpha(data: VersionData, rows: np.ndarray, item_columns: list[int]) -> float | None:
    return stats.cronbach_alpha(data.items[np.ix_(rows, item_columns)]) if rows.size else None


def _adjust_holm(table: Table) -> None:
    for comparison, _, _ in COMPARISONS:
        rows = [r for r in table.rows if r["comparison"] == comparison]
        for source, target in (("p_t", "p_t_holm"), ("p_wilcoxon", "p_wilcoxon_holm")):
            adjusted_p = stats.holm([r.get(source) for r in rows])
            for row, value in zip(rows, adjusted_p, strict=True):
                row[target] = stats.p_bound(value)


def bands(instrument: Instrument, subscale_items: int) -> list[tuple[float, float]]:
    """Equal score bands across the subscale's possible range."""
    scale = instrument.items[0].scale
    factor = 1 if instrument.scoring == "mean" else subscale_items
    low, high = scale.minimum * factor, scale.maximum * factor
    span = high - low
    count = int(span * 2) if span <= 4 else int(span) if span <= 10 else 10
    width = span / count
    return [(low + i * width, low + (i + 1) * width) for i in range(count)]
