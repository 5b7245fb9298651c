"""The report's fast reads give what the plain reads give: numbers with NULLs on either
parser, survey days read as text, and the programme's 1:1 chats counted with numpy."""

from __future__ import annotations

from datetime import date

import numpy as np
from django.utils import timezone

from chatplatform.mentoring import queries
from evaluation import arrays, programme
from evaluation.dbfunctions import EpochSeconds, IsoDay
from evaluation.metrics import Period
from evaluation.models import SurveyResponse
from evaluation.synthetic import seed


def test_whole_numbers_floats_and_nulls_read_the_same_on_either_parser():
    null = str(np.iinfo(np.int64).min)
    whole = arrays.numbers(f"3,-7,{null},1700000000")
    assert whole.tolist()[:2] == [3.0, -7.0] and np.isnan(whole[2]) and whole[3] == 1.7e9
    mixed = arrays.numbers(f"3,{null},2.5,1e-05")
    assert mixed[0] == 3.0 and np.isnan(mixed[1]) and mixed[2] == 2.5 and mixed[3] == 1e-05
    # A column of whole numbers gives the floats the float parser gives.
    text = ",".join(str(n) for n in (0, 9007199254740993, -12, 86400 * 20000))
    assert arrays.numbers(text).tolist() == np.fromstring(text, sep=",").tolist()


def test_survey_days_read_as_text_are_the_epoch_days(db):
    seed(40, seed=2, days=60, messages=False)
    read = arrays.columns(
        SurveyResponse.objects.order_by("pk"),
        texts=("day",),
        day=IsoDay("answered_on"),
        seconds=EpochSeconds("answered_on"),
    )
    assert read["day"].size == SurveyResponse.objects.count() > 0
    days = read["day"].astype("datetime64[D]").astype(np.int64) * arrays.DAY
    assert days.tolist() == read["seconds"].tolist()


def test_the_programme_counts_one_to_one_chats_as_the_grouped_queries_do(db):
    seed(150, seed=3, days=120, messages=False)
    today = timezone.localdate()
    since = Period.ending(today).start
    start = timezone.make_aware(timezone.datetime.combine(since, timezone.datetime.min.time()))
    months = programme._months(since, today)
    bounds = [(m, *programme._month_bounds(m)) for m in months]
    fast = programme._direct_chats_by_month(start, bounds)
    plain = queries.direct_chats_by_month(start, bounds)
    assert sum(fast.chats.values()) > 0 and sum(fast.participants.values()) > 0
    assert fast == plain
    # Nothing to count before the chats began.
    early = date(2001, 1, 1)
    early_start = timezone.make_aware(timezone.datetime(2001, 1, 1))
    none = [(m, *programme._month_bounds(m)) for m in programme._months(early, date(2001, 3, 1))]
    assert programme._direct_chats_by_month(early_start, none) == queries.ChatMonths({}, {}, {})
    assert queries.direct_chats_by_month(early_start, none) == queries.ChatMonths({}, {}, {})
