"""The report's tables for randomised studies: CONSORT flow and intention-to-treat effects.

A table provider (evaluation.providers): its counts go through the same release, k rule
and disclosure audit as every other table. Only registered (and closed) studies appear.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evaluation import adjusted, codebook, outcomes, stats, studydefs
from evaluation.models import Study, SurveyIdentity
from evaluation.tables import Bundle, Table

SPECS = (codebook.STUDY_FLOW, codebook.STUDY_EFFECTS)
FLOW_COUNTS = ("allocated", "received", "withdrew", "analysed", "not_analysed")
ALL = "all"


def build(period: Any = None) -> Bundle:
    flow = Table(codebook.STUDY_FLOW)
    effects = Table(codebook.STUDY_EFFECTS)
    bundle = Bundle([flow, effects])
    running = list(Study.objects.exclude(state=Study.State.DRAFT).order_by("pk"))
    if running:
        responses = outcomes.load()
        for study in running:
            _add_study(study, responses, flow, effects, bundle)
    flow.sensitivity = max(1, len(FLOW_COUNTS) * 2 * len({r["study"] for r in flow.rows}))
    effects.sensitivity = max(1, 2 * len(effects.rows))
    return bundle


def _primary(responses: outcomes.Responses, definition: studydefs.StudyDefinition) -> Any:
    """The latest version of the primary outcome's instrument that has the subscale."""
    found = [
        data
        for data in responses.versions
        if data.instrument.id == definition.instrument
        and any(s.id == definition.subscale for s in data.instrument.subscales)
    ]
    return max(found, key=lambda data: data.instrument.version) if found else None


def _scores(
    responses: outcomes.Responses, definition: studydefs.StudyDefinition
) -> dict[int, tuple[float, float]]:
    """Each person's (baseline, later) primary-outcome score, for people with both."""
    data = _primary(responses, definition)
    if data is None:
        return {}
    later = "post" if definition.comparison == "pre_post" else "followup"
    pairs = data.pairs("pre", later)
    before, after = pairs.values(data.scores[definition.subscale])
    return {
        int(person): (float(b), float(a))
        for person, b, a, paired in zip(
            pairs.people.tolist(),
            before.tolist(),
            after.tolist(),
            pairs.paired.tolist(),
            strict=True,
        )
        if paired
    }


def _add_study(
    study: Study,
    responses: outcomes.Responses,
    flow: Table,
    effects: Table,
    bundle: Bundle,
) -> None:
    definition = studydefs.from_data(study.definition)
    scores = _scores(responses, definition)
    withdrawn = SurveyIdentity.Consent.WITHDRAWN
    arms: dict[str, dict[str, int]] = {a.id: dict.fromkeys(FLOW_COUNTS, 0) for a in definition.arms}
    analysed: list[tuple[str, float, float]] = []
    for allocation in study.allocations.select_related("identity"):
        counts = arms[allocation.arm]
        counts["allocated"] += 1
        counts["received"] += allocation.exposed_on is not None
        identity = allocation.identity
        if identity.consent == withdrawn:
            counts["withdrew"] += 1
            continue
        pair = scores.get(identity.root_id)
        if pair is None:
            counts["not_analysed"] += 1
        else:
            counts["analysed"] += 1
            analysed.append((allocation.arm, *pair))
    members = {}
    for arm, counts in arms.items():
        members[arm] = _flow_row(flow, bundle, study.slug, arm, counts)
    total = {c: sum(counts[c] for counts in arms.values()) for c in FLOW_COUNTS}
    total_row = _flow_row(flow, bundle, study.slug, ALL, total)
    for column in FLOW_COUNTS:
        flow.add_line((total_row, column), [(members[arm], column) for arm in arms])
    result = None
    if analysed:
        arm_ids = [arm for arm, _, _ in analysed]
        baseline = np.array([b for _, b, _ in analysed])
        later = np.array([a for _, _, a in analysed])
        result = adjusted.ancova(later, baseline, arm_ids, definition.reference_arm)
    estimates = {e.arm: e for e in result.effects} if result is not None else {}
    for arm in arms:
        if arm == definition.reference_arm:
            continue
        row: dict[str, Any] = {
            "study": study.slug,
            "arm": arm,
            "reference_arm": definition.reference_arm,
            "instrument": definition.instrument,
            "subscale": definition.subscale,
            "comparison": definition.comparison,
            "n_arm": arms[arm]["analysed"],
            "n_reference": arms[definition.reference_arm]["analysed"],
        }
        estimate = estimates.get(arm)
        if estimate is not None and result is not None:
            row.update(
                estimate=estimate.estimate,
                se=estimate.se,
                ci_low=estimate.low,
                ci_high=estimate.high,
                p=stats.p_bound(estimate.p),
                baseline_slope=result.baseline_slope,
            )
        index = effects.add(**row)
        bundle.same(effects.cell(index, "n_arm"), flow.cell(members[arm], "analysed"))
        bundle.same(
            effects.cell(index, "n_reference"),
            flow.cell(members[definition.reference_arm], "analysed"),
        )


def _flow_row(flow: Table, bundle: Bundle, slug: str, arm: str, counts: dict[str, int]) -> int:
    index = flow.add(study=slug, arm=arm, **counts)
    flow.add_line(
        (index, "allocated"), [(index, "withdrew"), (index, "analysed"), (index, "not_analysed")]
    )
    # Those shown the intervention are some of those allocated; the rest is never shown.
    bundle.latent(
        flow.cell(index, "allocated"),
        [flow.cell(index, "received")],
        counts["allocated"] - counts["received"],
    )
    return index
