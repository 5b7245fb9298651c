"""The row-level export: one row per person, instrument, subscale, wave (and chat).

So that anyone can re-analyse the data independently (REDCap's de-identified export),
without the export identifying anyone:
- ``pid`` is a pseudonym made with a random key drawn for this export and then thrown
  away: two exports cannot be joined person by person;
- no free text, no dates at all (so none finer than a month), no ids or handles;
- the demographic columns are generalised (rare answers merged into "other", then the
  column dropped to "*") until every combination of them holds at least k people.

Rows follow the report's analysis rules exactly, so the published paired statistics
can be recomputed from them (docs/evaluation.md has the script; a test runs it):
- only responses that count (every subscale of the instrument scored);
- per-chat instruments: the pre and post scores of each chat, ``chat`` being the person's
  chat ordinal (a post answered before its chat's pre is left out: it never pairs);
- other instruments: the person's first pre, and at each later wave the answer paired
  with it (the first one after it) or, for someone with no pre, their first answer.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction

from chatplatform import audit
from chatplatform.models import User
from evaluation import outcomes
from evaluation.models import Release

COLUMNS = ("pid", "instrument", "version", "subscale", "wave", "chat", "score")
ANY = "*"
OTHER = "other"


@dataclass(frozen=True)
class Export:
    header: list[str]
    rows: list[list[str]]
    people: int
    # Per demographic column: 0 exact, 1 rare answers merged, 2 dropped ("*").
    levels: dict[str, int]

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return buffer.getvalue()


def _chat_ordinals(versions: Sequence[outcomes.VersionData]) -> dict[tuple[int, int, int], int]:
    """(person, device, chat number) -> the person's chat ordinal, chats ordered by time."""
    first: dict[tuple[int, int, int], int] = {}
    for data in versions:
        if not data.instrument.every_chat:
            continue
        for response_id, person, device, chat in zip(
            data.ids.tolist(),
            data.people.tolist(),
            data.devices.tolist(),
            data.chats.tolist(),
            strict=True,
        ):
            key = (person, device, chat)
            if key not in first or response_id < first[key]:
                first[key] = response_id
    per_person: dict[int, list[tuple[int, tuple[int, int, int]]]] = {}
    for key, response_id in first.items():
        per_person.setdefault(key[0], []).append((response_id, key))
    ordinals = {}
    for chats in per_person.values():
        for ordinal, (_, key) in enumerate(sorted(chats), start=1):
            ordinals[key] = ordinal
    return ordinals


def _score_rows(
    responses: outcomes.Responses,
) -> list[tuple[int, str, int, str, str, str, float]]:
    """(person, instrument, version, subscale, wave, chat, score) for every exported score."""
    ordinals = _chat_ordinals(responses.versions)
    out = []
    for data in responses.versions:
        instrument = data.instrument
        if instrument.analysis != "change" or not instrument.subscales:
            continue
        chosen: list[tuple[int, str]] = []
        if instrument.every_chat:
            for wave in ("pre", "post"):
                if wave in instrument.waves:
                    chosen += [(row, wave) for row in data.rows(wave).tolist()]
            pre_ids = {
                (data.devices[r], data.chats[r]): data.ids[r] for r in data.rows("pre").tolist()
            }
            chosen = [
                (row, wave)
                for row, wave in chosen
                if wave == "pre"
                or data.ids[row] > pre_ids.get((data.devices[row], data.chats[row]), -1)
            ]
            for wave in instrument.waves:
                if wave not in ("pre", "post"):
                    chosen += [(row, wave) for row in _later_rows(data, wave).tolist()]
        else:
            for wave in instrument.waves:
                rows = _later_rows(data, wave) if wave != "pre" else _first_rows(data, "pre")
                chosen += [(row, wave) for row in rows.tolist()]
        for row, wave in chosen:
            person = int(data.people[row])
            chat = ""
            if instrument.every_chat and wave in ("pre", "post"):
                key = (person, int(data.devices[row]), int(data.chats[row]))
                chat = str(ordinals[key])
            for subscale in instrument.subscales:
                out.append(
                    (
                        person,
                        instrument.id,
                        instrument.version,
                        subscale.id,
                        wave,
                        chat,
                        float(data.scores[subscale.id][row]),
                    )
                )
    return out


def _first_rows(data: outcomes.VersionData, wave: str) -> np.ndarray:
    return outcomes._first_per_person(data.rows(wave), data.people)[1]


def _later_rows(data: outcomes.VersionData, wave: str) -> np.ndarray:
    """Per person, the later answer the analysis uses: paired with the first pre, or the
    first one for someone with no pre (a later answer before the pre is left out)."""
    pairs = data.pairs("pre", wave)
    has_before = pairs.before != outcomes.MISSING
    keep = (pairs.after != outcomes.MISSING) & (pairs.paired | ~has_before)
    return pairs.after[keep]


def _generalise(
    values: dict[str, np.ndarray], k: int
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Coarsen the demographic columns until every combination holds at least k people."""
    levels = dict.fromkeys(values, 0)
    merged = {}
    for name, column in values.items():
        counts = Counter(column.tolist())
        keep = {value for value, _ in counts.most_common(2)}
        merged[name] = np.array([v if v in keep else OTHER for v in column.tolist()], dtype=object)

    def current(name: str) -> np.ndarray:
        level = levels[name]
        if level == 0:
            return values[name]
        if level == 1:
            return merged[name]
        return np.full(values[name].size, ANY, dtype=object)

    def small(columns: dict[str, np.ndarray]) -> int:
        if not columns:
            return 0
        keys = list(zip(*(c.tolist() for c in columns.values()), strict=True))
        counts = Counter(keys)
        return sum(n for n in counts.values() if n < k)

    while True:
        shown = {name: current(name) for name in values}
        violating = small(shown)
        if not violating:
            return shown, levels
        options = [name for name in values if levels[name] < 2]
        if not options:
            return shown, levels

        def after(name: str) -> tuple[int, int, str]:
            levels[name] += 1
            result = small({n: current(n) for n in values})
            levels[name] -= 1
            # Fewest people in small groups; then keep the most detail.
            return result, levels[name], name

        best = min(options, key=after)
        levels[best] += 1


def build_export(k: int, key: bytes | None = None) -> Export:
    """The export for one release. ``key`` (random when None) makes the pseudonyms."""
    key = key or secrets.token_bytes(32)
    responses = outcomes.load()
    scores = _score_rows(responses)
    people = np.array(sorted({row[0] for row in scores}), dtype=np.int64)
    demographic = {
        "language": responses.language_of(people),
        **{
            item: responses.demographics.groups(item, people)
            for item in outcomes.breakdown_items(responses.versions)
        },
    }
    values = {
        name: np.array(groups.names, dtype=object)[groups.codes]
        if groups.codes.size
        else np.array([], dtype=object)
        for name, groups in demographic.items()
    }
    header = [*COLUMNS, *values]
    if people.size < k:
        return Export(header, [], 0, dict.fromkeys(values, 2))
    shown, levels = _generalise(values, k)
    position = {int(p): i for i, p in enumerate(people.tolist())}

    def pid(person: int) -> str:
        return hmac.new(key, str(person).encode(), hashlib.sha256).hexdigest()[:16]

    rows = [
        [
            pid(person),
            instrument,
            str(version),
            subscale,
            wave,
            chat,
            repr(score),
            *(shown[name][position[person]] for name in values),
        ]
        for person, instrument, version, subscale, wave, chat, score in scores
    ]
    rows.sort()
    return Export(header, rows, int(people.size), levels)


def do_export(channel: str, user: User | None = None) -> Export:
    """The export under the site's k, recorded as a release and in the audit log."""
    k = settings.EVALUATION_MIN_CELL
    export = build_export(k)
    with transaction.atomic():
        release = Release.objects.create(channel=Release.Channel.ROWS, requested_by=user, k=k)
        actor = audit.staff_label(user.pk) if user is not None else "system"
        audit.record(
            actor,
            "evaluation_rows_exported",
            target=f"release:{release.pk}",
            data={"channel": channel, "people": export.people},
        )
    return export
