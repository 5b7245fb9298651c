"""Scoring answers into subscale scores: reverse items, "don't know", the missing-item rule.

No Django here. The rules come from the instrument definition:
- a reverse-scored item counts as ``min + max - answer`` on its scale;
- "don't know" is either unanswered or a fixed score (``scoring.dont_know``);
- a subscale is scored only when at least ``min_answered`` (80% by default) of its
  items are answered; a sum is then prorated to the full item count (the mean of the
  answered items times the number of items), otherwise the score is left empty.

Responses are scored many at a time (a matrix of respondents by items) because the
report scores every response of a cohort; one response is a one-row matrix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from evaluation.instruments import DONT_KNOW, Answer, Instrument

# Shares such as 4/5 must compare equal to 0.8 despite binary floating point.
_SHARE_TOLERANCE = 1e-9


def answer_rows(instrument: Instrument, answers: Mapping[str, Answer]) -> list[Answer]:
    """One response's answers as a row in the instrument's item order (how they are stored)."""
    return [answers.get(item.id) for item in instrument.items]


def numeric_answers(
    instrument: Instrument, rows: Sequence[Sequence[Answer]] | np.ndarray
) -> np.ndarray:
    """Answers as numbers, respondents by items: NaN for skipped (and choice items),
    infinity for "don't know". ``rows``: one sequence per response, or a rows-by-items
    object array."""
    if len(rows) == 0:
        return np.empty((0, len(instrument.items)))
    raw = np.array(rows, dtype=object).reshape(len(rows), len(instrument.items))
    numbers = np.full(raw.shape, np.nan)
    for column, item in enumerate(instrument.items):
        if not item.scale.is_scored:
            continue
        values = raw[:, column]
        dont_know = values == DONT_KNOW
        given = ~dont_know & (values != None)  # noqa: E711 (element-wise comparison)
        numbers[given, column] = values[given].astype(float)
        numbers[dont_know, column] = np.inf
    return numbers


def score_numbers(instrument: Instrument, numbers: np.ndarray) -> np.ndarray:
    """Scored item values from numeric answers (see numeric_answers); NaN where unanswered."""
    matrix = np.array(numbers, dtype=float)
    dont_know = np.isinf(matrix)
    matrix[dont_know] = np.nan if instrument.dont_know_score is None else instrument.dont_know_score
    for column, item in enumerate(instrument.items):
        if not item.scale.is_scored:
            matrix[:, column] = np.nan
        elif item.reverse:
            answered = ~np.isnan(matrix[:, column]) & ~dont_know[:, column]
            matrix[answered, column] = (
                item.scale.minimum + item.scale.maximum - matrix[answered, column]
            )
    return matrix


def item_matrix(instrument: Instrument, rows: Sequence[Sequence[Answer]]) -> np.ndarray:
    """Scored item values, respondents by items; NaN where an item counts as unanswered."""
    return score_numbers(instrument, numeric_answers(instrument, rows))


def subscale_matrix(instrument: Instrument, matrix: np.ndarray) -> dict[str, np.ndarray]:
    """Each subscale's score per respondent, NaN where the missing-item rule leaves it empty."""
    index = {item.id: i for i, item in enumerate(instrument.items)}
    scores: dict[str, np.ndarray] = {}
    for subscale in instrument.subscales:
        block = matrix[:, [index[item_id] for item_id in subscale.items]]
        answered = ~np.isnan(block)
        count = answered.sum(axis=1)
        total = np.where(answered, block, 0.0).sum(axis=1)
        enough = (count > 0) & (
            count / block.shape[1] >= instrument.min_answered - _SHARE_TOLERANCE
        )
        mean = np.divide(total, count, out=np.full(len(count), np.nan), where=enough)
        scores[subscale.id] = mean if instrument.scoring == "mean" else mean * block.shape[1]
    return scores


def score(instrument: Instrument, answers: Mapping[str, Answer]) -> dict[str, float | None]:
    """Every subscale's score for one response; None where the score is left empty."""
    matrix = item_matrix(instrument, [answer_rows(instrument, answers)])
    return {
        subscale: None if np.isnan(values[0]) else float(values[0])
        for subscale, values in subscale_matrix(instrument, matrix).items()
    }
