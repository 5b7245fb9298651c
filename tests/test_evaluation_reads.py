"""The report's fast reads give what the plain reads give: numbers with NULLs on either
parser, survey days read as text, columns that cannot hold NULL joined as they are, the
chat records read without their index, the programme's 1:1 chats counted with numpy,
breakdown answers coded without a pass over everyone (each person's first answer found
with numpy), remembered t quantiles, text answers read as one table, and separators
written into the SQL."""

from __future__ import annotations

import gc
import json
from datetime import date

import numpy as np
import pytest
from django.db import connection
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from scipy import stats as sps

from chatplatform.mentoring import queries
from chatplatform.models import Room
from escalation.models import Escalation
from evaluation import arrays, metrics, outcomes, programme, stats
from evaluation.dbfunctions import Constant, EpochSeconds, IsoDay, Joined, Unindexed
from evaluation.metrics import Period
from evaluation.models import ChatRecord, InstrumentVersion, SurveyIdentity, SurveyResponse
from evaluation.synthetic import seed


def categories(values: np.ndarray) -> tuple[list[str], list[int]]:
    """Groups of texts as a pass over every value makes them: the distinct texts in order,
    and each value's position among them."""
    names = sorted(set(values.tolist()))
    return names, [names.index(value) for value in values.tolist()]


def test_whole_numbers_floats_and_nulls_read_the_same_on_either_parser():
    null = str(np.iinfo(np.int64).min)
    whole = arrays.numbers(f"3,-7,{null},1700000000")
    assert whole.tolist()[:2] == [3.0, -7.0] and np.isnan(whole[2]) and whole[3] == 1.7e9
    mixed = arrays.numbers(f"3,{null},2.5,1e-05")
    assert mixed[0] == 3.0 and np.isnan(mixed[1]) and mixed[2] == 2.5 and mixed[3] == 1e-05
    # A column of whole numbers gives the floats the float parser gives.
    text = ",".join(str(n) for n in (0, 9007199254740993, -12, 86400 * 20000))
    assert arrays.numbers(text).tolist() == np.fromstring(text, sep=",").tolist()


def test_the_whole_number_check_agrees_with_the_one_it_replaces():
    texts = [
        "",
        "1,2,-3",
        "1, 2",
        "1.5,2",
        "1e5",
        "nan",
        "12,\u0663",
        "7,\u00e9",
        "-9223372036854775808",
    ]
    for text in texts:
        assert arrays._whole(text) == (not text.translate(arrays._NOT_INTEGER)), text
    # Digits of another script are not whole numbers numpy's integer parser reads.
    assert not arrays._whole("1,\u0663") and arrays._whole("4,-5, 6")


def test_days_read_in_place_are_the_days_split_text_gives():
    sep = arrays.TEXT_SEPARATOR
    days = ["2024-01-31", "1999-12-31", "2026-02-28", "2024-02-29"]
    text = sep.join(days)
    assert arrays.iso_days(text).tolist() == np.array(days, dtype="datetime64[D]").tolist()
    assert arrays.iso_days("").size == 0 and arrays.iso_days("").dtype == "datetime64[D]"
    # Not ten characters each (a value the database wrote another way): split first.
    odd = sep.join(["2024-01-31", "+12024-01-31", "2024-02-01"])
    assert arrays.iso_days(odd).tolist() == np.array(odd.split(sep), "datetime64[D]").tolist()
    # Ten characters but a separator inside one of them: split first, and it fails loudly.
    with pytest.raises(ValueError):
        arrays.iso_days(f"2024-01-3{sep}{sep}2024-02-01")


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


def test_columns_that_cannot_hold_null_are_joined_as_the_converted_ones(db):
    seed(40, seed=4, days=60, messages=False)
    responses = SurveyResponse.objects.order_by("pk")
    fields = ("pk", "identity_id", "chat_number", "wave", "answers", "answered_on")
    plain = {name: Joined(F(name), ",", "null", nullable=False) for name in fields}
    converted = {name: Joined(F(name), ",", "null") for name in fields}
    assert responses.aggregate(**plain) == responses.aggregate(**converted)
    assert responses.aggregate(**plain)["pk"].count(",") + 1 == responses.count() > 0
    # Beside a nullable column (NULL read as NaN), every row keeps its position.
    identities = SurveyIdentity.objects.order_by("pk")
    read = arrays.columns(identities, id="pk", linked="linked_to_id")
    expected = list(identities.values_list("pk", "linked_to_id"))
    assert any(linked is None for _, linked in expected)
    assert read["id"].tolist() == [float(pk) for pk, _ in expected]
    assert [None if np.isnan(v) else int(v) for v in read["linked"]] == [v for _, v in expected]


def test_chat_records_read_without_their_index_are_the_same_records(db):
    seed(60, seed=5, days=90, messages=False)
    since = Period.ending(timezone.localdate()).since
    scanned = ChatRecord.objects.alias(started=Unindexed("started_at")).filter(started__gte=since)
    indexed = ChatRecord.objects.filter(started_at__gte=since)
    assert sorted(scanned.values_list("pk", flat=True)) == sorted(
        indexed.values_list("pk", flat=True)
    )
    assert scanned.count() > 0


def test_escalations_that_look_up_their_room_are_those_the_join_finds(db):
    seed(300, seed=5, days=90, messages=False)
    since = Period.ending(timezone.localdate()).since
    group = Room.objects.filter(kind=Room.Kind.GROUP).order_by("pk").first()
    moved = Escalation.objects.filter(created_at__gte=since).order_by("pk").first()
    # One escalation raised in a group room: neither read counts it.
    Escalation.objects.filter(pk=moved.pk).update(room=group)
    joined = Escalation.objects.filter(room__kind=Room.Kind.DIRECT, created_at__gte=since)
    found = sorted(metrics.direct_escalations(since).values_list("pk", flat=True))
    assert found == sorted(joined.values_list("pk", flat=True))
    assert found and moved.pk not in found


def test_breakdown_answers_are_coded_as_categories_codes_everyone(db):
    rng = np.random.default_rng(6)
    for size in (0, 1, 50, 400):
        people = np.unique(rng.integers(1, 2000, size))
        answered = rng.random(people.size) < 0.7
        choices = ["18-24", "25-34", "woman", outcomes.NOT_ANSWERED]
        values = {
            int(p): str(rng.choice(choices)) for p, a in zip(people, answered, strict=True) if a
        }
        everyone = np.array([values.get(int(p), outcomes.NOT_ANSWERED) for p in people], object)
        expected = categories(everyone)
        answered = outcomes.Answered(
            np.array(list(values), dtype=np.int64), np.array(list(values.values()), dtype=object)
        )
        coded = outcomes._coded(answered, people)
        assert (coded.names, coded.codes.tolist()) == expected


def test_each_persons_breakdown_answer_is_their_first_in_the_first_version_they_gave_one():
    """What a pass over every response keeping the first answer seen gives (versions in
    order, rows in id order within one, skipped items no answer)."""
    rng = np.random.default_rng(8)
    choices = np.array(["18-24", 25, None, "woman", 3.5], dtype=object)
    for rows in (0, 1, 30, 500):
        versions = []
        for _ in range(3):
            people = rng.integers(1, 80, rows)
            answers = choices[rng.integers(0, choices.size, (rows, 2))]
            versions.append((people, answers))
        expected: dict[int, str] = {}
        for people, answers in versions:
            for person, value in zip(people.tolist(), answers[:, 1].tolist(), strict=True):
                if value is not None:
                    expected.setdefault(person, str(value))
        parts = [outcomes._first_answers(people, answers, 1) for people, answers in versions]
        first = outcomes.Answered.first_of(parts)
        assert first.people.tolist() == sorted(expected)
        assert first.texts.tolist() == [expected[p] for p in sorted(expected)]
        assert first.people.dtype == np.int64 and first.texts.dtype == object
    assert outcomes.Answered.first_of([]).people.size == 0


def test_remembered_t_quantiles_are_scipys_to_the_bit():
    for df in (1, 2, 3, 9, 10, 29, 30, 120, 1000, 49999, 10**6):
        assert stats.t_critical(df) == float(sps.t.ppf(0.975, df))


def _as_parsed(table: np.ndarray) -> list[list[tuple[type, object]]]:
    return [[(type(value), value) for value in row] for row in table.tolist()]


def test_text_answers_are_one_table_of_the_values_a_parse_per_response_gives(monkeypatch):
    parsed, plain_loads = [], json.loads

    def loads(text):
        parsed.append(plain_loads(text))
        return parsed[-1]

    monkeypatch.setattr(outcomes.json, "loads", loads)
    texts = [
        '["18_24", "woman", "english", 1]',
        '[null, "a, b", "say \\"hi\\"", 0]',
        '["caf\\u00e9", "", "\\u0000", 2.5]',
        '[true, false, "dont_know", null]',
    ]
    document = "[" + ",".join(texts) + "]"
    table = outcomes._answer_table(texts, 4, document)
    assert table.shape == (4, 4) and table.dtype == object
    assert _as_parsed(table) == [[(type(v), v) for v in plain_loads(t)] for t in texts]
    # Not one container per response: the garbage collector has nothing to scan.
    assert not gc.is_tracked(table)
    assert not any(isinstance(value, list) for value in table.ravel().tolist())
    # One flat list parsed, no list per response made on the way.
    assert len(parsed) == 1 and not any(isinstance(value, list) for value in parsed[0])
    assert outcomes._answer_table([], 4, "[]").shape == (0, 4)


def test_text_answers_the_flat_read_cannot_place_are_read_as_before():
    marker = outcomes._ROW_END.item()
    odd = [
        # An answer that is the marker itself, and one that holds a bracket.
        ['["a", ' + json.dumps(marker) + "]", '["b", "c"]'],
        ['["[x]", "y"]', '["z", null]'],
    ]
    for texts in odd:
        table = outcomes._answer_table(texts, 2, "[" + ",".join(texts) + "]")
        assert _as_parsed(table) == [[(type(v), v) for v in json.loads(t)] for t in texts]
    # A response of another length is refused, as the plain parse refused it.
    texts = ['["a", "b"]', '["c"]', '["d", "e", "f"]']
    with pytest.raises(ValueError):
        outcomes._answer_table(texts, 2, "[" + ",".join(texts) + "]")


def test_joined_columns_write_their_separators_into_the_sql_and_read_the_same(db):
    seed(40, seed=2, days=60, messages=False)
    bound = []

    def capture(execute, sql, params, many, context):
        bound.append(list(params))
        return execute(sql, params, many, context)

    responses = SurveyResponse.objects.order_by("pk")
    with connection.execute_wrapper(capture):
        read = arrays.columns(responses, texts=("wave",), id="pk", chat="chat_number", wave="wave")
    # No separator or NULL mark travels as a parameter: SQLite would read it on every row.
    assert bound and not any(
        value in (",", arrays.TEXT_SEPARATOR, arrays.NULL_TEXT, "") for p in bound for value in p
    )
    # The columns line up row by row (in the order the database gives).
    ids, chats = read["id"].astype(int).tolist(), read["chat"].astype(int).tolist()
    rows = zip(ids, chats, read["wave"].tolist(), strict=True)
    assert sorted(rows) == list(responses.values_list("pk", "chat_number", "wave"))


def test_a_constant_text_refuses_what_could_break_out_of_its_quotes():
    assert Constant(arrays.TEXT_SEPARATOR).value == arrays.TEXT_SEPARATOR
    for text in ("it's", "a\\b", "100%", "\x00"):
        with pytest.raises(ValueError):
            Constant(text)


def _versions() -> tuple[int, ...]:
    return tuple(InstrumentVersion.objects.values_list("pk", flat=True))


def test_each_versions_answers_are_its_rows_answers_in_row_order(db):
    seed(40, seed=2, days=60, messages=False)
    read, answers = outcomes._read(outcomes._consented(), ("en", "es"), _versions())
    stored = dict(outcomes._consented().values_list("pk", "answers"))
    assert set(answers) == set(_versions()) and len(stored) > 1
    for version, text in answers.items():
        ids = read["id"][read["version"] == version].astype(int).tolist()
        assert [json.loads(t) for t in text.split(arrays.TEXT_SEPARATOR)[:-1]] == [
            stored[i] for i in ids
        ]
    assert {version for version, text in answers.items() if text} == set(
        read["version"].astype(int).tolist()
    )
    # A row of a version the read was not told of: refused, never answers out of line.
    answered = sorted(read["version"].astype(int).tolist())[0]
    with pytest.raises(ValueError):
        outcomes._read(
            outcomes._consented(), ("en", "es"), tuple(v for v in _versions() if v != answered)
        )


def test_survey_rows_come_in_id_order_whatever_order_sql_gives(db, monkeypatch):
    seed(40, seed=2, days=60, messages=False)
    read, answers = outcomes._read(outcomes._consented(), ("en", "es"), _versions())
    ids = SurveyResponse.objects.filter(identity__consent=SurveyIdentity.Consent.GIVEN).values_list(
        "pk", flat=True
    )
    assert read["id"].tolist() == sorted(ids) and len(ids) > 1
    # Rows SQL hands back in another order are sorted, every column alike, and each
    # version's answers with them.
    plain = outcomes.columns_and_joined
    shuffle = np.random.default_rng(3).permutation(len(ids))
    version_of = dict(SurveyResponse.objects.values_list("pk", "instrument_version_id"))

    def shuffled_responses(queryset, joined, *args, **kwargs):
        read, texts = plain(queryset, joined, *args, **kwargs)
        if queryset.model is not SurveyResponse:
            return read, texts
        versions = np.array([version_of[int(i)] for i in read["id"].tolist()])
        for name in texts:
            mine = versions == int(name.removeprefix("answers_"))
            pieces = np.array(texts[name].split(arrays.TEXT_SEPARATOR), dtype=object)
            rank = np.cumsum(mine) - 1
            texts[name] = arrays.TEXT_SEPARATOR.join(pieces[rank[shuffle[mine[shuffle]]]])
        return {name: values[shuffle] for name, values in read.items()}, texts

    monkeypatch.setattr(outcomes, "columns_and_joined", shuffled_responses)
    shuffled, shuffled_answers = outcomes._read(outcomes._consented(), ("en", "es"), _versions())
    assert shuffled["id"].tolist() == sorted(ids)
    for name, values in read.items():
        assert shuffled[name].tolist() == values.tolist(), name
    assert shuffled_answers == answers and any(answers.values())


def test_waves_are_read_as_the_codes_of_their_texts(db):
    seed(40, seed=2, days=60, messages=False)
    odd = SurveyResponse.objects.filter(identity__consent=SurveyIdentity.Consent.GIVEN).first()
    SurveyResponse.objects.filter(pk=odd.pk).update(wave="later")
    read, _ = outcomes._read(outcomes._consented(), ("en", "es"), _versions())
    texts = dict(outcomes._consented().values_list("pk", "wave"))
    codes = read["wave"].astype(int).tolist()
    assert codes == [outcomes.wave_code(texts[int(i)]) for i in read["id"].tolist()]
    assert {"pre", "post", "followup", "later"} <= set(texts.values())
    assert [outcomes.wave_code(w) for w in ("pre", "post", "followup", "later")] == [0, 1, 2, 3]


def test_languages_are_read_as_codes_that_stand_for_their_texts(db):
    seed(40, seed=2, days=60, messages=False)
    responses = outcomes._consented()
    odd = responses.order_by("pk")[3]
    # A language no instrument version offers (stored by hand): read as well.
    SurveyResponse.objects.filter(pk=odd.pk).update(language="pt-BR")
    rows, _, languages = outcomes._read_all(responses, ("en", "es"), _versions())
    assert languages == ("en", "es", "pt-BR")
    texts = dict(responses.values_list("pk", "language"))
    read = [languages[int(code)] for code in rows["language"].tolist()]
    assert read == [texts[int(i)] for i in rows["id"].tolist()]
    assert {"en", "es", "pt-BR"} == set(texts.values())
    codes = rows["language"].astype(np.int64)
    groups = outcomes._language_groups(codes, languages)
    assert (groups.names, groups.codes.tolist()) == categories(np.array(read, dtype=object))
    # Only the versions' languages: read once, nothing else to look up.
    SurveyResponse.objects.filter(pk=odd.pk).update(language="es")
    rows, _, languages = outcomes._read_all(responses, ("en", "es"), _versions())
    assert languages == ("en", "es") and set(rows["language"].tolist()) == {0.0, 1.0}


def test_each_response_is_its_devices_person_as_the_joined_read_gives(db):
    seed(40, seed=2, days=60, messages=False)
    devices = list(SurveyIdentity.objects.order_by("pk"))
    # Two devices linked to a third: their answers count as the third's.
    for device in devices[1:3]:
        device.linked_to = devices[0]
        device.save(update_fields=["linked_to"])
    read, _ = outcomes._read(outcomes._consented(), ("en", "es"), _versions())
    joined = dict(
        outcomes._consented().values_list("pk", Coalesce("identity__linked_to_id", "identity_id"))
    )
    assert read["person"].tolist() == [joined[int(i)] for i in read["id"].tolist()]
    assert set(read["person"].tolist()) != set(read["device"].tolist())
    assert outcomes._people_of(np.array([], dtype=float)).size == 0


def test_distinct_days_are_what_sorting_every_day_finds():
    rng = np.random.default_rng(11)
    cases = [
        np.array([20000]),
        rng.integers(19000, 19400, 5000),
        rng.integers(-400, 400, 300),
        # Too far apart for a table of the range: sorted instead.
        np.array([-(2**62), 0, 19000, 2**40, 19000]),
    ]
    for days in cases:
        found, codes = arrays.distinct_days(days.astype(np.int64))
        expected, expected_codes = np.unique(days, return_inverse=True)
        assert found.tolist() == expected.tolist()
        assert codes.tolist() == expected_codes.tolist()
        assert found.dtype == np.int64 and codes.dtype.kind == "i"


def test_group_codes_are_ordered_as_a_stable_sort_orders_them():
    rng = np.random.default_rng(12)
    cases = [
        rng.integers(0, 12, 5000),
        rng.integers(0, 70000, 3000),
        rng.integers(-3, 5, 400),
        np.array([], dtype=np.int64),
        np.array([2.0, 1.0, 2.0, 0.5]),
    ]
    for codes in cases:
        expected = np.argsort(codes, kind="stable").tolist()
        assert arrays.stable_order(codes).tolist() == expected


def test_distinct_ids_are_what_np_unique_finds():
    rng = np.random.default_rng(13)
    cases = [
        rng.integers(0, 3000, 5000),
        rng.integers(0, 50, 3).astype(np.int32),
        # Spread far wider than their count, negative or not whole: np.unique itself.
        np.array([3, 2**40, 3]),
        np.array([-1, 4, 4]),
        np.array([2.0, 1.0, 2.0]),
        np.array([], dtype=np.int64),
    ]
    for values in cases:
        found, expected = arrays.distinct(values), np.unique(values)
        assert found.tolist() == expected.tolist() and found.dtype == expected.dtype


def test_each_ids_first_position_is_what_np_unique_finds():
    rng = np.random.default_rng(14)
    cases = [
        rng.integers(0, 3000, 5000),
        rng.integers(0, 50, 3).astype(np.int32),
        np.array([7]),
        # Spread far wider than their count, negative or not whole: np.unique itself.
        np.array([3, 2**40, 3]),
        np.array([-1, 4, 4, -1]),
        np.array([2.0, 1.0, 2.0]),
        np.array([], dtype=np.int64),
    ]
    for values in cases:
        found, first = arrays.first_of_each(values)
        expected, expected_first = np.unique(values, return_index=True)
        assert found.tolist() == expected.tolist() and found.dtype == expected.dtype
        assert first.tolist() == expected_first.tolist()


def test_ids_coded_in_a_table_are_what_np_unique_codes():
    rng = np.random.default_rng(15)
    cases = [
        rng.integers(0, 3000, 5000),
        np.array([7, 7]),
        np.array([3, 2**40, 3]),
        np.array([-1, 4, 4, -1]),
        np.array([], dtype=np.int64),
    ]
    for values in cases:
        found, codes = arrays.codes_of(values)
        expected, expected_codes = np.unique(values, return_inverse=True)
        assert found.tolist() == expected.tolist() and codes.tolist() == expected_codes.tolist()


def test_positions_among_sorted_ids_are_what_searching_them_finds():
    rng = np.random.default_rng(17)
    cases = [
        (np.unique(rng.integers(0, 60000, 5000)), rng.integers(-5, 61000, 8000)),
        (np.array([0, 3, 9]), np.array([9, 0, 3, 3, 4, 10, -1])),
        (np.array([4], dtype=np.int32), np.array([4, 5, 3], dtype=np.int32)),
        # Spread far wider than their count, negative or not whole: searched for.
        (np.array([3, 2**40]), np.array([2**40, 3, 4])),
        (np.array([-1, 4]), np.array([4, -1, 0])),
        (np.array([0.5, 2.0]), np.array([2.0, 1.0])),
        (np.array([], dtype=np.int64), np.array([1, 2])),
        (np.array([1, 2]), np.array([], dtype=np.int64)),
    ]
    for present, values in cases:
        found = arrays.positions(present, values)
        at = np.minimum(np.searchsorted(present, values), max(present.size - 1, 0))
        hit = present[at] == values if present.size else np.zeros(values.size, dtype=bool)
        assert found.tolist() == np.where(hit, at, -1).tolist()


def test_common_values_first_positions_are_what_intersect1d_finds():
    rng = np.random.default_rng(16)
    cases = [
        (rng.integers(0, 400, 300), rng.integers(0, 400, 500)),
        (np.array([5, 5, 1]), np.array([1, 5, 5, 9])),
        (np.array([3, 2**40]), np.array([2**40, 3, 3])),
        (np.array([-2, 4]), np.array([4, -2])),
        (np.array([], dtype=np.int64), np.array([1])),
        (np.array([1, 2]), np.array([3, 4])),
    ]
    for left, right in cases:
        _, expected_left, expected_right = np.intersect1d(left, right, return_indices=True)
        found_left, found_right = arrays.common_firsts(left, right)
        assert found_left.tolist() == expected_left.tolist()
        assert found_right.tolist() == expected_right.tolist()


def test_version_wave_and_language_read_as_one_number_are_each_responses_own(db):
    seed(40, seed=2, days=60, messages=False)
    responses = outcomes._consented()
    read = outcomes._read(responses, ("en", "es"), _versions())[0]
    stored = {
        pk: (version, outcomes.wave_code(wave), ("en", "es").index(language))
        for pk, version, wave, language in responses.values_list(
            "pk", "instrument_version_id", "wave", "language"
        )
    }
    codes = ("version", "wave", "language")
    decoded = zip(*(read[name].tolist() for name in codes), strict=True)
    assert [stored[int(i)] for i in read["id"].tolist()] == list(decoded)
    assert len({version for version, _, _ in stored.values()}) > 1
    # A version id no float holds exactly once packed: refused, never read wrong.
    huge = InstrumentVersion.objects.first()
    huge.pk, huge.version = 2**52, 999
    huge.save(force_insert=True)
    responses.filter(pk=responses.order_by("pk").first().pk).update(instrument_version=huge)
    with pytest.raises(ValueError):
        outcomes._read(responses, ("en", "es"), _versions())
