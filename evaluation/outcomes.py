"""Survey outcomes: pre/post change, reliability, attrition and group breakdowns.

Only responses of participants whose consent stands are read (withdrawing deletes
them as well). Each instrument version is analysed with its own stored definition.
The unit of analysis is the participant: for per-chat instruments the pair is the
participant's first chat rated both before and after.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models.functions import Coalesce

from evaluation import codebook, stats
from evaluation.arrays import Groups, categories, columns, month_of, periods
from evaluation.dbfunctions import EpochSeconds
from evaluation.instruments import DONT_KNOW, Instrument, instrument_from_definition
from evaluation.models import InstrumentVersion, SurveyIdentity, SurveyResponse
from evaluation.scoring import numeric_answers, score_numbers, subscale_matrix
from evaluation.tables import Table

COMPARISONS = (("pre_post", "pre", "post"), ("pre_followup", "pre", "followup"))
NOT_ANSWERED = "not_answered"
ALL = "all"
MISSING = -1


@dataclass
class Pairs:
    """Per participant, the response rows compared at two waves (MISSING when absent)."""

    identities: np.ndarray
    before: np.ndarray
    after: np.ndarray

    def values(self, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores at each wave, NaN where the response or the score is missing."""

        def pick(rows: np.ndarray) -> np.ndarray:
            return np.where(rows != MISSING, scores[np.maximum(rows, 0)], np.nan)

        if not scores.size:
            return np.full(self.before.size, np.nan), np.full(self.after.size, np.nan)
        return pick(self.before), pick(self.after)


@dataclass
class VersionData:
    """One instrument version's responses, scored."""

    instrument: Instrument
    identities: np.ndarray
    waves: np.ndarray
    chats: np.ndarray
    languages: Groups
    months: Groups
    numbers: np.ndarray
    items: np.ndarray = field(init=False)
    scores: dict[str, np.ndarray] = field(init=False)

    def __post_init__(self) -> None:
        self.items = score_numbers(self.instrument, self.numbers)
        self.scores = subscale_matrix(self.instrument, self.items)

    def _rows(self, wave: str) -> np.ndarray:
        return np.flatnonzero(self.waves == wave)

    def _first(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each participant among ``rows`` and their row with the lowest chat number."""
        order = rows[np.lexsort((self.chats[rows], self.identities[rows]))]
        people, first = np.unique(self.identities[order], return_index=True)
        return people, order[first]

    def first_rows(self, wave: str) -> np.ndarray:
        """Each participant's first response at a wave (lowest chat number)."""
        return self._first(self._rows(wave))[1]

    def pairs(self, baseline: str, later: str) -> Pairs:
        """Rows compared per participant: the same chat where the later wave is per chat."""
        before_rows, after_rows = self._rows(baseline), self._rows(later)
        people = np.union1d(self.identities[before_rows], self.identities[after_rows])
        chosen = []
        for rows in (before_rows, after_rows):
            picked = np.full(people.size, MISSING, dtype=np.int64)
            who, first = self._first(rows)
            picked[np.searchsorted(people, who)] = first
            chosen.append(picked)
        if later == "post" and before_rows.size and after_rows.size:
            # Prefer the first chat rated at both waves: keys are (identity, chat).
            width = int(self.chats.max()) + 1
            keys = [self.identities[r] * width + self.chats[r] for r in (before_rows, after_rows)]
            common, at_before, at_after = np.intersect1d(*keys, return_indices=True)
            who, first = np.unique(common // width, return_index=True)
            slots = np.searchsorted(people, who)
            chosen[0][slots] = before_rows[at_before[first]]
            chosen[1][slots] = after_rows[at_after[first]]
        return Pairs(people, chosen[0], chosen[1])


@dataclass
class Demographics:
    """Each identity's answer to each breakdown item, integer-coded for fast grouping."""

    identities: np.ndarray
    answers: dict[str, Groups]

    @classmethod
    def from_answers(cls, given: dict[str, dict[int, str]]) -> Demographics:
        identities = np.array(sorted({i for item in given.values() for i in item}), dtype=np.int64)
        coded = {
            item: categories(
                np.array([values.get(i, NOT_ANSWERED) for i in identities.tolist()], dtype=object)
            )
            for item, values in given.items()
        }
        return cls(identities, coded)

    def groups(self, item: str, identities: np.ndarray) -> Groups:
        """The groups of these identities for one item; no answer is ``not_answered``."""
        coded = self.answers.get(item)
        if coded is None or not self.identities.size:
            return Groups([NOT_ANSWERED], np.zeros(identities.size, dtype=np.int64))
        names = list(coded.names)
        if NOT_ANSWERED not in names:
            names.append(NOT_ANSWERED)
        at = np.clip(np.searchsorted(self.identities, identities), 0, self.identities.size - 1)
        known = self.identities[at] == identities
        codes = np.where(known, coded.codes[at], names.index(NOT_ANSWERED))
        return Groups(names, codes)


@dataclass
class Responses:
    """All analysable responses: per instrument version, plus per-identity facts."""

    versions: list[VersionData]
    demographics: Demographics
    # Each identity's survey language: the language of their first response.
    languages: dict[int, str]


def load() -> Responses:
    """Scored responses per instrument version, and each identity's breakdown answers."""
    definitions = {
        v.pk: instrument_from_definition(v.definition, f"{v.instrument}@{v.version}")
        for v in InstrumentVersion.objects.all()
    }
    rows = columns(
        SurveyResponse.objects.filter(identity__consent=SurveyIdentity.Consent.GIVEN),
        texts=("wave", "language", "answers"),
        # A person is the root identity: devices linked with the self-generated code count
        # as one participant.
        identity=Coalesce("identity__linked_to_id", "identity_id"),
        version="instrument_version_id",
        wave="wave",
        chat="chat_number",
        language="language",
        day=EpochSeconds("answered_on"),
        answers="answers",
    )
    if not rows["identity"].size:
        return Responses([], Demographics.from_answers({}), {})
    identities = rows["identity"].astype(np.int64)
    languages = categories(rows["language"])
    months = periods(rows["day"], month_of)
    given: dict[str, dict[int, str]] = defaultdict(dict)
    versions: list[VersionData] = []
    for version_id in np.unique(rows["version"]):
        at = np.flatnonzero(rows["version"] == version_id)
        instrument = definitions[int(version_id)]
        # One parse of one JSON document is far cheaper than one per response.
        text = "[" + ",".join(rows["answers"][at].tolist()) + "]"
        if all(item.scale.is_scored for item in instrument.items):
            # Numbers only: skipped reads as NaN, "don't know" as infinity, straight into floats.
            flat = text[1:-1].replace("[", "").replace("]", "").replace("null", "nan")
            numbers = np.fromstring(
                flat.replace(f'"{DONT_KNOW}"', "inf"), dtype=float, sep=","
            ).reshape(at.size, len(instrument.items))
        else:
            answers = json.loads(text)
            numbers = numeric_answers(instrument, answers)
            for position, item in enumerate(instrument.items):
                if item.breakdown:
                    for identity, response in zip(identities[at].tolist(), answers, strict=True):
                        if response[position] is not None:
                            given[item.id][identity] = str(response[position])
        versions.append(
            VersionData(
                instrument,
                identities[at],
                rows["wave"][at],
                rows["chat"][at].astype(np.int64),
                languages.take(at),
                months.take(at),
                numbers,
            )
        )
    people, first = np.unique(identities, return_index=True)
    first_language = np.array(languages.names, dtype=object)[languages.codes[first]]
    return Responses(
        versions,
        Demographics.from_answers(given),
        dict(zip(people.tolist(), first_language.tolist(), strict=True)),
    )


def breakdown_items(versions: Iterable[VersionData]) -> list[str]:
    """The pre-defined demographic breakdowns: items flagged ``breakdown`` in a definition."""
    found: list[str] = []
    for data in versions:
        found += [i.id for i in data.instrument.items if i.breakdown and i.id not in found]
    return found


def build_tables() -> list[Table]:
    responses = load()
    versions = responses.versions
    demographic = breakdown_items(versions)
    change = Table(codebook.SURVEY_CHANGE)
    distribution = Table(codebook.SCORE_DISTRIBUTION)
    by_group = Table(codebook.SURVEY_GROUPS)
    for data in versions:
        if not data.instrument.subscales:
            continue
        for comparison, baseline, later in COMPARISONS:
            if baseline in data.instrument.waves and later in data.instrument.waves:
                _add_change_rows(change, data, comparison, data.pairs(baseline, later))
        _add_distribution_rows(distribution, data)
        if {"pre", "post"} <= set(data.instrument.waves):
            _add_group_rows(by_group, data, responses.demographics, demographic)
    _adjust_holm(change)
    # The most one participant changes: every count of a row, or a group and its total.
    change.sensitivity = max(1, 4 * len(change.rows))
    distribution.sensitivity = max(1, 2 * len(distribution.lines))
    by_group.sensitivity = max(1, 2 * len(by_group.lines))
    return [change, distribution, by_group, _reach_table(responses, demographic)]


def _alpha(data: VersionData, rows: np.ndarray, item_columns: list[int]) -> float | None:
    return stats.cronbach_alpha(data.items[np.ix_(rows, item_columns)]) if rows.size else None


def _add_change_rows(table: Table, data: VersionData, comparison: str, pairs: Pairs) -> None:
    instrument = data.instrument
    item_index = {item.id: i for i, item in enumerate(instrument.items)}
    for subscale in instrument.subscales:
        before, after = pairs.values(data.scores[subscale.id])
        has_before, has_after = ~np.isnan(before), ~np.isnan(after)
        paired = has_before & has_after
        only_before = has_before & ~has_after
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
            "n_baseline": int(has_before.sum()),
            "n_later": int(has_after.sum()),
            "n_paired": int(paired.sum()),
            "n_baseline_only": int(only_before.sum()),
            "n_later_only": int((has_after & ~has_before).sum()),
            "mean_baseline": base.mean,
            "sd_baseline": base.sd,
            "mean_later": later.mean,
            "sd_later": later.sd,
            "alpha_baseline": _alpha(data, pairs.before[has_before], item_columns),
            "alpha_later": _alpha(data, pairs.after[has_after], item_columns),
        }
        pre_values, post_values = before[paired], after[paired]
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
                g_z=result.g_z,
                mean_baseline_paired=float(pre_values.mean()),
            )
        reliability = subscale.reliability or row["alpha_baseline"]
        if pre_values.size and reliability and 0 < reliability < 1 and base.sd:
            rc = stats.reliable_change(
                pre_values,
                post_values,
                sd_pre=base.sd,
                reliability=reliability,
                higher_is_better=subscale.higher_is_better,
            )
            row.update(
                reliability_used=reliability,
                n_reliably_improved=rc.improved,
                n_reliably_worse=rc.deteriorated,
                n_no_reliable_change=rc.n - rc.improved - rc.deteriorated,
            )
        if only_before.any():
            dropped = before[only_before]
            row["mean_baseline_only"] = float(dropped.mean())
            difference = stats.compare_baselines(dropped, pre_values)
            row["attrition_p"] = difference.p if difference else None
        index = table.add(**row)
        table.add_line((index, "n_baseline"), [(index, "n_paired"), (index, "n_baseline_only")])
        table.add_line((index, "n_later"), [(index, "n_paired"), (index, "n_later_only")])
        if "n_reliably_improved" in row:
            outcomes = ("n_reliably_improved", "n_reliably_worse", "n_no_reliable_change")
            table.add_line((index, "n_paired"), [(index, c) for c in outcomes])


def _adjust_holm(table: Table) -> None:
    for comparison, _, _ in COMPARISONS:
        rows = [r for r in table.rows if r["comparison"] == comparison]
        for source, target in (("p_t", "p_t_holm"), ("p_wilcoxon", "p_wilcoxon_holm")):
            adjusted = stats.holm([r.get(source) for r in rows])
            for row, value in zip(rows, adjusted, strict=True):
                row[target] = value


def bands(instrument: Instrument, subscale_items: int) -> list[tuple[float, float]]:
    """Equal score bands across the subscale's possible range."""
    scale = instrument.items[0].scale
    factor = 1 if instrument.scoring == "mean" else subscale_items
    low, high = scale.minimum * factor, scale.maximum * factor
    span = high - low
    count = int(span * 2) if span <= 4 else int(span) if span <= 10 else 10
    width = span / count
    return [(low + i * width, low + (i + 1) * width) for i in range(count)]


def _add_distribution_rows(table: Table, data: VersionData) -> None:
    instrument = data.instrument
    for wave in instrument.waves:
        rows = data.first_rows(wave)
        if not rows.size:
            continue
        for subscale in instrument.subscales:
            values = data.scores[subscale.id][rows]
            values = values[~np.isnan(values)]
            if not values.size:
                continue
            edges = bands(instrument, len(subscale.items))
            base = {
                "instrument": instrument.id,
                "version": instrument.version,
                "subscale": subscale.id,
                "wave": wave,
            }
            members = []
            for position, (low, high) in enumerate(edges):
                top = values <= high if position == len(edges) - 1 else values < high
                count = int(((values >= low) & top).sum())
                members.append(table.add(**base, band=f"{low:g}-{high:g}", n=count))
            total = table.add(**base, band=ALL, n=int(values.size))
            table.add_line((total, "n"), [(m, "n") for m in members])


def _group_labels(
    data: VersionData, pairs: Pairs, demographics: Demographics, breakdown: str
) -> Groups:
    """Each participant's group: from their baseline response, or their answer to the item."""
    rows = np.maximum(pairs.before, 0)
    if breakdown == "language":
        return data.languages.take(rows)
    if breakdown == "month":
        return data.months.take(rows)
    return demographics.groups(breakdown, pairs.identities)


def _add_group_rows(
    table: Table, data: VersionData, demographics: Demographics, demographic: list[str]
) -> None:
    pairs = data.pairs("pre", "post")
    instrument = data.instrument
    labels = {
        breakdown: _group_labels(data, pairs, demographics, breakdown)
        for breakdown in (*codebook.SURVEY_BREAKDOWNS, *demographic)
    }
    for subscale in instrument.subscales:
        before, after = pairs.values(data.scores[subscale.id])
        paired = ~np.isnan(before) & ~np.isnan(after)
        if not paired.any():
            continue
        change = (after - before)[paired]
        for breakdown, names in labels.items():
            base = {
                "breakdown": breakdown,
                "instrument": instrument.id,
                "version": instrument.version,
                "subscale": subscale.id,
            }
            members = [
                table.add(**base, group=group, **_change_cells(change[at]))
                for group, at in names.take(np.flatnonzero(paired)).split()
            ]
            total = table.add(**base, group=ALL, **_change_cells(change))
            table.add_line((total, "n_paired"), [(m, "n_paired") for m in members])


def _change_cells(change: np.ndarray) -> dict[str, Any]:
    cells: dict[str, Any] = {"n_paired": int(change.size)}
    if change.size >= 2:
        interval = stats.mean_ci(change)
        cells.update(mean_change=interval.mean, ci_low=interval.low, ci_high=interval.high)
    return cells


def _reach_table(responses: Responses, demographic: list[str]) -> Table:
    table = Table(codebook.SURVEY_REACH)
    people = np.unique(
        columns(
            SurveyIdentity.objects.filter(consent=SurveyIdentity.Consent.GIVEN),
            identity=Coalesce("linked_to_id", "pk"),
        )["identity"].astype(np.int64)
    )
    languages = categories(
        np.array([responses.languages.get(i, NOT_ANSWERED) for i in people.tolist()], dtype=object)
    )
    for breakdown in ("language", *demographic):
        groups = (
            languages
            if breakdown == "language"
            else responses.demographics.groups(breakdown, people)
        )
        members = [
            table.add(breakdown=breakdown, group=group, participants=rows.size)
            for group, rows in groups.split()
        ]
        total = table.add(breakdown=breakdown, group=ALL, participants=int(people.size))
        table.add_line((total, "participants"), [(m, "participants") for m in members])
    table.sensitivity = max(1, 2 * len(table.lines))
    return table
