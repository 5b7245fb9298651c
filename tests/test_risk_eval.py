"""The risk evaluator: corpus files, how each message counts, Wilson intervals, the report.

The dev split is held to thresholds here; the blind split is only checked to load and
to print figures without any message text (its figures are never asserted on, so no
test invites tuning on it).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from escalation.risk import Assessment, default_detector
from escalation.risk_eval.__main__ import main
from escalation.risk_eval.corpus import (
    BLIND3_DIR,
    BLIND4_DIR,
    BLIND5_DIR,
    BLIND6_DIR,
    BLIND7_CONVERSATIONS,
    BLIND7_DIR,
    BLIND8_CONVERSATIONS,
    BLIND8_DIR,
    BLIND9_CONVERSATIONS,
    BLIND9_DIR,
    BLIND10_CONVERSATIONS,
    BLIND10_DIR,
    BLIND11_CONVERSATIONS,
    BLIND11_DIR,
    BLIND12_CONVERSATIONS,
    BLIND12_DIR,
    BLIND13_CONVERSATIONS,
    BLIND13_DIR,
    BLIND14_CONVERSATIONS,
    BLIND14_DIR,
    BLIND15_CONVERSATIONS,
    BLIND15_DIR,
    BLIND16_CONVERSATIONS,
    BLIND16_DIR,
    BLIND17_CONVERSATIONS,
    BLIND17_DIR,
    BLIND18_CONVERSATIONS,
    BLIND18_DIR,
    BLIND19_CONVERSATIONS,
    BLIND19_DIR,
    BLIND20_CONVERSATIONS,
    BLIND20_DIR,
    BLIND21_CONVERSATIONS,
    BLIND21_DIR,
    BLIND22_DIR,
    BLIND_DIR,
    DEV2_DIR,
    DEV3_DIR,
    DEV4_DIR,
    DEV5_DIR,
    DEV7_CONVERSATIONS,
    DEV7_DIR,
    DEV8_CONVERSATIONS,
    DEV8_DIR,
    DEV9_CONVERSATIONS,
    DEV9_DIR,
    DEV10_CONVERSATIONS,
    DEV10_DIR,
    DEV11_CONVERSATIONS,
    DEV11_DIR,
    DEV12_CONVERSATIONS,
    DEV12_DIR,
    DEV13_CONVERSATIONS,
    DEV13_DIR,
    DEV14_CONVERSATIONS,
    DEV14_DIR,
    DEV_DIR,
    LEGACY_BLIND,
    LEGACY_LABELLED,
    CorpusError,
    Example,
    group_of,
    load_conversations,
    load_corpus,
    load_corpus_file,
    load_corpus_tree,
    load_legacy,
    training_examples,
)
from escalation.risk_eval.evaluate import Outcome, Rate, evaluate, figures, format_report
from tests.risk_corpus import training_set

VALID = {
    "text": "I took all my pills an hour ago",
    "language": "en",
    "level": "imminent",
    "who": "self",
    "when": "now",
    "family": "attempt_in_progress",
    "style": "plain",
}


CONVERSATION = {
    "language": "en",
    "messages": ["I have the pills here", "tonight"],
    "levels": ["high", "none"],
    "combined_level": "imminent",
}


def write_rows(path: Path, *rows: dict) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def example(level: str = "none", who: str = "self", other_level: str | None = None) -> Example:
    return Example(
        text="-",
        language="en",
        level=level,
        who=who,
        other_level=other_level,
        when="now",
        family="third_party" if who == "other" else "ideation_active",
        style="plain",
        split="dev",
        source="x:1",
    )


class TestCorpusFiles:
    def test_a_valid_line_loads_with_its_labels(self, tmp_path: Path) -> None:
        (found,) = load_corpus_file(write_rows(tmp_path / "en-batch-01.jsonl", VALID), "dev")
        assert (found.level, found.who, found.family, found.source) == (
            "imminent",
            "self",
            "attempt_in_progress",
            "en-batch-01.jsonl:1",
        )
        assert found.at_risk and not found.other_at_risk

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"level": "l"}, "level"),
            ({"who": "friend"}, "who"),
            ({"family": "other"}, "family"),
            ({"style": "shouty"}, "style"),
            ({"language": "fr"}, "language"),
            ({"who": "other"}, "other_level"),
            ({"text": ""}, "text"),
        ],
    )
    def test_a_bad_field_names_file_line_and_field_but_not_the_text(
        self, tmp_path: Path, change: dict, field: str
    ) -> None:
        path = write_rows(tmp_path / "en-batch-01.jsonl", VALID, {**VALID, **change})
        with pytest.raises(CorpusError) as raised:
            load_corpus_file(path, "dev")
        assert "en-batch-01.jsonl:2" in str(raised.value)
        assert repr(field) in str(raised.value)
        assert "pills" not in str(raised.value)

    def test_other_level_only_goes_with_who_other(self, tmp_path: Path) -> None:
        path = write_rows(tmp_path / "a-batch-1.jsonl", {**VALID, "other_level": "high"})
        with pytest.raises(CorpusError, match="only goes with who 'other'"):
            load_corpus_file(path, "dev")

    def test_older_sets_read_third_party_as_the_other_persons_level(self, tmp_path: Path) -> None:
        row = {"text": "my friend took pills", "language": "en", "level": "imminent"}
        path = write_rows(
            tmp_path / "old.jsonl", {**row, "category": "third_party", "split": "dev"}
        )
        (found,) = load_legacy(path)
        assert (found.level, found.who, found.other_level) == ("none", "other", "imminent")

    def test_the_shipped_corpus_loads(self) -> None:
        dev, blind = load_corpus(DEV_DIR, "dev"), load_corpus(BLIND_DIR, "blind")
        assert {e.language for e in dev} == {e.language for e in blind} == {"en", "es"}
        assert len(load_legacy(LEGACY_LABELLED)) == 570
        assert len(load_legacy(LEGACY_BLIND)) == 336
        dev2 = load_corpus_tree(DEV2_DIR, "dev2")
        kinds = {e.source.split("/")[0] for e in dev2}
        assert (len(dev2), kinds) == (4000, {"everyday", "negatives", "positives"})
        assert len(load_corpus_tree(BLIND3_DIR, "blind3")) == 800
        assert len(load_corpus_tree(BLIND4_DIR, "blind4")) == 800
        assert len(load_corpus_tree(BLIND5_DIR, "blind5")) == 800
        assert len(load_corpus_tree(BLIND6_DIR, "blind6")) == 800
        assert len(load_corpus_tree(BLIND7_DIR, "blind7")) == 800
        assert len(load_corpus_tree(BLIND8_DIR, "blind8")) == 800
        assert len(load_corpus_tree(BLIND9_DIR, "blind9")) == 800
        blind10 = load_corpus_tree(BLIND10_DIR, "blind10")
        assert len(blind10) == 800 and {e.language for e in blind10} == {"en", "es"}
        blind11 = load_corpus_tree(BLIND11_DIR, "blind11")
        assert len(blind11) == 800 and {e.language for e in blind11} == {"en", "es"}
        blind12 = load_corpus_tree(BLIND12_DIR, "blind12")
        assert len(blind12) == 800 and {e.language for e in blind12} == {"en", "es"}
        dev8 = load_corpus_tree(DEV8_DIR, "dev8")
        assert len(dev8) == 800 and {e.language for e in dev8} == {"en", "es"}
        assert sum(e.level in ("high", "imminent") for e in dev8) == 440
        assert len(load_conversations(DEV8_CONVERSATIONS)) == 80
        blind13 = load_corpus_tree(BLIND13_DIR, "blind13")
        assert len(blind13) == 800 and {e.language for e in blind13} == {"en", "es"}
        assert len(load_conversations(BLIND13_CONVERSATIONS)) == 100
        blind14 = load_corpus_tree(BLIND14_DIR, "blind14")
        assert len(blind14) == 800 and {e.language for e in blind14} == {"en", "es"}
        assert len(load_conversations(BLIND14_CONVERSATIONS)) == 100
        dev9 = load_corpus_tree(DEV9_DIR, "dev9")
        assert len(dev9) == 800 and {e.language for e in dev9} == {"en", "es"}
        assert sum(e.level in ("high", "imminent") for e in dev9) == 400
        assert len(load_conversations(DEV9_CONVERSATIONS)) == 80
        blind15 = load_corpus_tree(BLIND15_DIR, "blind15")
        assert len(blind15) == 800 and {e.language for e in blind15} == {"en", "es"}
        assert len(load_conversations(BLIND15_CONVERSATIONS)) == 100
        blind16 = load_corpus_tree(BLIND16_DIR, "blind16")
        assert len(blind16) == 800 and {e.language for e in blind16} == {"en", "es"}
        assert len(load_conversations(BLIND16_CONVERSATIONS)) == 100
        dev10 = load_corpus_tree(DEV10_DIR, "dev10")
        assert len(dev10) == 800 and {e.language for e in dev10} == {"en", "es"}
        assert sum(e.level in ("high", "imminent") for e in dev10) == 320
        assert len(load_conversations(DEV10_CONVERSATIONS)) == 80
        dev11 = load_corpus_tree(DEV11_DIR, "dev11")
        assert len(dev11) == 800 and {e.language for e in dev11} == {"en", "es"}
        assert sum(e.level in ("high", "imminent") for e in dev11) == 280
        assert len(load_conversations(DEV11_CONVERSATIONS)) == 80
        blind17 = load_corpus_tree(BLIND17_DIR, "blind17")
        assert len(blind17) == 800 and {e.language for e in blind17} == {"en", "es"}
        assert len(load_conversations(BLIND17_CONVERSATIONS)) == 100
        blind18 = load_corpus_tree(BLIND18_DIR, "blind18")
        assert len(blind18) == 800 and {e.language for e in blind18} == {"en", "es"}
        assert len(load_conversations(BLIND18_CONVERSATIONS)) == 100
        dev12 = load_corpus_tree(DEV12_DIR, "dev12")
        assert len(dev12) == 800 and {e.language for e in dev12} == {"en", "es"}
        assert sum(e.level in ("high", "imminent") for e in dev12) == 338
        assert len(load_conversations(DEV12_CONVERSATIONS)) == 80
        blind19 = load_corpus_tree(BLIND19_DIR, "blind19")
        assert len(blind19) == 800 and {e.language for e in blind19} == {"en", "es"}
        assert sum(e.level in ("high", "imminent") for e in blind19) == 352
        assert len(load_conversations(BLIND19_CONVERSATIONS)) == 100
        blind20 = load_corpus_tree(BLIND20_DIR, "blind20")
        assert len(blind20) == 800 and {e.language for e in blind20} == {"en", "es"}
        assert sum(e.level in ("high", "imminent") for e in blind20) == 352
        assert len(load_conversations(BLIND20_CONVERSATIONS)) == 100
        dev13 = load_corpus_tree(DEV13_DIR, "dev13")
        assert len(dev13) == 800 and {e.language for e in dev13} == {"en", "es"}
        assert sum(e.level in ("high", "imminent") for e in dev13) == 313
        assert len(load_conversations(DEV13_CONVERSATIONS)) == 80
        blind21 = load_corpus_tree(BLIND21_DIR, "blind21")
        assert len(blind21) == 800 and {e.language for e in blind21} == {"en", "es"}
        assert sum(e.level in ("high", "imminent") for e in blind21) == 352
        assert len(load_conversations(BLIND21_CONVERSATIONS)) == 100
        dev14 = load_corpus_tree(DEV14_DIR, "dev14")
        assert len(dev14) == 800 and {e.language for e in dev14} == {"en", "es"}
        assert sum(e.level in ("high", "imminent") for e in dev14) == 320
        assert len(load_conversations(DEV14_CONVERSATIONS)) == 80
        dev3 = load_corpus_tree(DEV3_DIR, "dev3")
        assert len(dev3) == 1200 and {e.language for e in dev3} == {"en", "es"}
        dev4 = load_corpus_tree(DEV4_DIR, "dev4")
        assert len(dev4) == 1000 and {e.language for e in dev4} == {"en", "es"}
        dev5 = load_corpus_tree(DEV5_DIR, "dev5")
        assert len(dev5) == 600 and {e.language for e in dev5} == {"en", "es"}
        dev7 = load_corpus_tree(DEV7_DIR, "dev7")
        assert len(dev7) == 800 and {e.language for e in dev7} == {"en", "es"}
        assert sum(e.level in ("high", "imminent") for e in dev7) == 400
        assert len(load_conversations(DEV7_DIR / "conversations.jsonl")) == 80

    def test_a_tree_names_each_line_by_its_path_and_a_malformed_line_by_path(
        self, tmp_path: Path
    ) -> None:
        (tmp_path / "negatives").mkdir()
        write_rows(tmp_path / "negatives" / "en-01.jsonl", VALID, VALID)
        (tmp_path / "README.md").write_text("not a corpus file", encoding="utf-8")
        found = load_corpus_tree(tmp_path, "dev2")
        assert [e.source for e in found] == ["negatives/en-01.jsonl:1", "negatives/en-01.jsonl:2"]
        assert {group_of(e) for e in found} == {"dev2/negatives/en-01.jsonl"}
        write_rows(tmp_path / "negatives" / "es-01.jsonl", {**VALID, "level": "grave"})
        with pytest.raises(CorpusError, match=r"negatives/es-01.jsonl:1: field 'level'") as raised:
            load_corpus_tree(tmp_path, "dev2")
        assert VALID["text"] not in str(raised.value)

    def test_groups_are_writers_first_dev_older_set_and_each_file_of_the_others(self) -> None:
        examples = training_set()
        groups = {group_of(e) for e in examples}
        assert {"dev", "older-labelled"} <= groups
        by_file = 0
        for name, directory in (
            ("dev2", DEV2_DIR),
            ("dev3", DEV3_DIR),
            ("blind3", BLIND3_DIR),
            ("blind4", BLIND4_DIR),
            ("dev4", DEV4_DIR),
            ("blind5", BLIND5_DIR),
            ("dev5", DEV5_DIR),
            ("blind6", BLIND6_DIR),
            ("blind7", BLIND7_DIR),
            ("blind8", BLIND8_DIR),
            ("blind9", BLIND9_DIR),
            ("dev7", DEV7_DIR),
            ("blind10", BLIND10_DIR),
            ("blind11", BLIND11_DIR),
            ("blind12", BLIND12_DIR),
            ("dev8", DEV8_DIR),
            ("blind13", BLIND13_DIR),
            ("blind14", BLIND14_DIR),
            ("dev9", DEV9_DIR),
            ("blind15", BLIND15_DIR),
            ("blind16", BLIND16_DIR),
            ("dev10", DEV10_DIR),
            ("dev11", DEV11_DIR),
            ("blind17", BLIND17_DIR),
            ("blind18", BLIND18_DIR),
            ("dev12", DEV12_DIR),
            ("blind19", BLIND19_DIR),
            ("blind20", BLIND20_DIR),
            ("dev13", DEV13_DIR),
            ("blind21", BLIND21_DIR),
            ("dev14", DEV14_DIR),
        ):
            files = {g for g in groups if g.startswith(f"{name}/")}
            corpus_files = [
                p for p in directory.rglob("*.jsonl") if p.name != "conversations.jsonl"
            ]
            assert len(files) == len(corpus_files) > 0, name
            by_file += len(files)
        assert len(groups) == 2 + by_file

    def test_the_retired_blind_splits_are_training_data_and_v2_and_v22_are_not(
        self, tmp_path: Path, monkeypatch
    ) -> None:
        from escalation.risk_eval import corpus

        write_rows(tmp_path / "en-01.jsonl", {**VALID, "text": "a fresh blind v22 message"})
        monkeypatch.setattr(corpus, "BLIND22_DIR", tmp_path)
        examples = training_examples()
        splits = {e.split for e in examples}
        assert {
            "blind3",
            "blind4",
            "dev4",
            "blind5",
            "dev5",
            "blind6",
            "blind7",
            "blind8",
            "blind9",
            "dev7",
            "blind10",
            "blind11",
            "blind12",
            "dev8",
            "blind13",
            "blind14",
            "dev9",
            "blind15",
            "blind16",
            "dev10",
            "dev11",
            "blind17",
            "blind18",
            "dev12",
            "blind19",
            "blind20",
            "dev13",
            "blind21",
            "dev14",
        } <= splits
        assert not splits & {"blind", "blind22"}
        assert "a fresh blind v22 message" not in {e.text for e in examples}

    def test_the_dev_conversations_are_dev_dev7_to_dev14_and_retired_v7_to_v21s_never_v22s(
        self, tmp_path: Path, monkeypatch
    ) -> None:
        from escalation.risk_eval import corpus

        dev = write_rows(tmp_path / "dev.jsonl", CONVERSATION)
        retired7 = write_rows(
            tmp_path / "v7.jsonl", {**CONVERSATION, "language": "es"}, CONVERSATION
        )
        retired8 = write_rows(tmp_path / "v8.jsonl", {**CONVERSATION, "language": "es"})
        retired9 = write_rows(tmp_path / "v9.jsonl", CONVERSATION)
        dev7 = write_rows(tmp_path / "dev7.jsonl", {**CONVERSATION, "language": "es"})
        retired10 = write_rows(tmp_path / "v10.jsonl", CONVERSATION)
        retired11 = write_rows(tmp_path / "v11.jsonl", {**CONVERSATION, "language": "es"})
        retired12 = write_rows(tmp_path / "v12.jsonl", CONVERSATION)
        dev8 = write_rows(tmp_path / "dev8.jsonl", {**CONVERSATION, "language": "es"})
        retired13 = write_rows(tmp_path / "v13.jsonl", CONVERSATION)
        retired14 = write_rows(tmp_path / "v14.jsonl", {**CONVERSATION, "language": "es"})
        dev9 = write_rows(tmp_path / "dev9.jsonl", CONVERSATION)
        retired15 = write_rows(tmp_path / "v15.jsonl", {**CONVERSATION, "language": "es"})
        retired16 = write_rows(tmp_path / "v16.jsonl", CONVERSATION)
        dev10 = write_rows(tmp_path / "dev10.jsonl", {**CONVERSATION, "language": "es"})
        dev11 = write_rows(tmp_path / "dev11.jsonl", CONVERSATION)
        retired17 = write_rows(tmp_path / "v17.jsonl", {**CONVERSATION, "language": "es"})
        retired18 = write_rows(tmp_path / "v18.jsonl", CONVERSATION)
        dev12 = write_rows(tmp_path / "dev12.jsonl", {**CONVERSATION, "language": "es"})
        retired19 = write_rows(tmp_path / "v19.jsonl", CONVERSATION)
        retired20 = write_rows(tmp_path / "v20.jsonl", {**CONVERSATION, "language": "es"})
        dev13 = write_rows(tmp_path / "dev13.jsonl", CONVERSATION)
        retired21 = write_rows(tmp_path / "v21.jsonl", {**CONVERSATION, "language": "es"})
        dev14 = write_rows(tmp_path / "dev14.jsonl", CONVERSATION)
        fresh = tmp_path / "blind22"
        fresh.mkdir()
        write_rows(fresh / "conversations.jsonl", CONVERSATION)
        monkeypatch.setattr(corpus, "CONVERSATIONS", dev)
        monkeypatch.setattr(corpus, "BLIND7_CONVERSATIONS", retired7)
        monkeypatch.setattr(corpus, "BLIND8_CONVERSATIONS", retired8)
        monkeypatch.setattr(corpus, "BLIND9_CONVERSATIONS", retired9)
        monkeypatch.setattr(corpus, "DEV7_CONVERSATIONS", dev7)
        monkeypatch.setattr(corpus, "BLIND10_CONVERSATIONS", retired10)
        monkeypatch.setattr(corpus, "BLIND11_CONVERSATIONS", retired11)
        monkeypatch.setattr(corpus, "BLIND12_CONVERSATIONS", retired12)
        monkeypatch.setattr(corpus, "DEV8_CONVERSATIONS", dev8)
        monkeypatch.setattr(corpus, "BLIND13_CONVERSATIONS", retired13)
        monkeypatch.setattr(corpus, "BLIND14_CONVERSATIONS", retired14)
        monkeypatch.setattr(corpus, "DEV9_CONVERSATIONS", dev9)
        monkeypatch.setattr(corpus, "BLIND15_CONVERSATIONS", retired15)
        monkeypatch.setattr(corpus, "BLIND16_CONVERSATIONS", retired16)
        monkeypatch.setattr(corpus, "DEV10_CONVERSATIONS", dev10)
        monkeypatch.setattr(corpus, "DEV11_CONVERSATIONS", dev11)
        monkeypatch.setattr(corpus, "BLIND17_CONVERSATIONS", retired17)
        monkeypatch.setattr(corpus, "BLIND18_CONVERSATIONS", retired18)
        monkeypatch.setattr(corpus, "DEV12_CONVERSATIONS", dev12)
        monkeypatch.setattr(corpus, "BLIND19_CONVERSATIONS", retired19)
        monkeypatch.setattr(corpus, "BLIND20_CONVERSATIONS", retired20)
        monkeypatch.setattr(corpus, "DEV13_CONVERSATIONS", dev13)
        monkeypatch.setattr(corpus, "BLIND21_CONVERSATIONS", retired21)
        monkeypatch.setattr(corpus, "DEV14_CONVERSATIONS", dev14)
        monkeypatch.setattr(corpus, "BLIND22_DIR", fresh)
        monkeypatch.setattr(corpus, "BLIND22_CONVERSATIONS", fresh / "conversations.jsonl")
        found = corpus.development_conversations()
        assert [c.source for c in found] == [
            "dev/conversations.jsonl:1",
            "blind7/conversations.jsonl:1",
            "blind7/conversations.jsonl:2",
            "blind8/conversations.jsonl:1",
            "blind9/conversations.jsonl:1",
            "dev7/conversations.jsonl:1",
            "blind10/conversations.jsonl:1",
            "blind11/conversations.jsonl:1",
            "blind12/conversations.jsonl:1",
            "dev8/conversations.jsonl:1",
            "blind13/conversations.jsonl:1",
            "blind14/conversations.jsonl:1",
            "dev9/conversations.jsonl:1",
            "blind15/conversations.jsonl:1",
            "blind16/conversations.jsonl:1",
            "dev10/conversations.jsonl:1",
            "dev11/conversations.jsonl:1",
            "blind17/conversations.jsonl:1",
            "blind18/conversations.jsonl:1",
            "dev12/conversations.jsonl:1",
            "blind19/conversations.jsonl:1",
            "blind20/conversations.jsonl:1",
            "dev13/conversations.jsonl:1",
            "blind21/conversations.jsonl:1",
            "dev14/conversations.jsonl:1",
        ]
        assert [c.language for c in found] == [
            "en",
            "es",
            "en",
            "es",
            "en",
            "es",
            "en",
            "es",
            "en",
            "es",
            "en",
            "es",
            "en",
            "es",
            "en",
            "es",
            "en",
            "es",
            "en",
            "es",
            "en",
            "es",
            "en",
            "es",
            "en",
        ]
        for name in (
            "BLIND7_CONVERSATIONS",
            "BLIND8_CONVERSATIONS",
            "BLIND9_CONVERSATIONS",
            "DEV7_CONVERSATIONS",
            "BLIND10_CONVERSATIONS",
            "BLIND11_CONVERSATIONS",
            "BLIND12_CONVERSATIONS",
            "DEV8_CONVERSATIONS",
            "BLIND13_CONVERSATIONS",
            "BLIND14_CONVERSATIONS",
            "DEV9_CONVERSATIONS",
            "BLIND15_CONVERSATIONS",
            "BLIND16_CONVERSATIONS",
            "DEV10_CONVERSATIONS",
            "DEV11_CONVERSATIONS",
            "BLIND17_CONVERSATIONS",
            "BLIND18_CONVERSATIONS",
            "DEV12_CONVERSATIONS",
            "BLIND19_CONVERSATIONS",
            "BLIND20_CONVERSATIONS",
            "DEV13_CONVERSATIONS",
            "BLIND21_CONVERSATIONS",
            "DEV14_CONVERSATIONS",
        ):
            monkeypatch.setattr(corpus, name, tmp_path / "missing.jsonl")
        assert [c.source for c in corpus.development_conversations()] == [
            "dev/conversations.jsonl:1"
        ]

    def test_the_shipped_dev_conversations_include_dev7s_to_dev14s_and_retired_v7s_to_v21s(
        self,
    ) -> None:
        from escalation.risk_eval.corpus import development_conversations

        sources = [c.source.split("/")[0] for c in development_conversations()]
        names = (
            "dev",
            "blind7",
            "blind8",
            "blind9",
            "dev7",
            "blind10",
            "blind11",
            "blind12",
            "dev8",
            "blind13",
            "blind14",
            "dev9",
            "blind15",
            "blind16",
            "dev10",
            "dev11",
            "blind17",
            "blind18",
            "dev12",
            "blind19",
            "blind20",
            "dev13",
            "blind21",
            "dev14",
        )
        assert [sources.count(name) for name in names] == [
            120,
            100,
            100,
            100,
            80,
            100,
            100,
            100,
            80,
            100,
            100,
            80,
            100,
            100,
            80,
            80,
            100,
            100,
            80,
            100,
            100,
            80,
            100,
            80,
        ]
        assert len(sources) == 2260
        assert len(load_conversations(BLIND7_CONVERSATIONS)) == 100
        assert len(load_conversations(BLIND8_CONVERSATIONS)) == 100
        assert len(load_conversations(BLIND9_CONVERSATIONS)) == 100
        assert len(load_conversations(DEV7_CONVERSATIONS)) == 80
        assert len(load_conversations(BLIND10_CONVERSATIONS)) == 100
        assert len(load_conversations(BLIND11_CONVERSATIONS)) == 100
        assert len(load_conversations(BLIND12_CONVERSATIONS)) == 100
        assert len(load_conversations(BLIND13_CONVERSATIONS)) == 100
        assert len(load_conversations(BLIND14_CONVERSATIONS)) == 100
        assert len(load_conversations(DEV9_CONVERSATIONS)) == 80
        assert len(load_conversations(BLIND15_CONVERSATIONS)) == 100
        assert len(load_conversations(BLIND16_CONVERSATIONS)) == 100
        assert len(load_conversations(DEV10_CONVERSATIONS)) == 80
        assert len(load_conversations(DEV11_CONVERSATIONS)) == 80
        assert len(load_conversations(BLIND17_CONVERSATIONS)) == 100
        assert len(load_conversations(BLIND18_CONVERSATIONS)) == 100
        assert len(load_conversations(DEV12_CONVERSATIONS)) == 80
        assert len(load_conversations(BLIND19_CONVERSATIONS)) == 100
        assert len(load_conversations(BLIND20_CONVERSATIONS)) == 100
        assert len(load_conversations(DEV13_CONVERSATIONS)) == 80
        assert len(load_conversations(BLIND21_CONVERSATIONS)) == 100
        assert len(load_conversations(DEV14_CONVERSATIONS)) == 80

    def test_spanish_varieties_beyond_the_guides_list_are_accepted(self, tmp_path: Path) -> None:
        rows = [
            {**VALID, "language": "es", "text": f"un mensaje de {variety}", "variety": variety}
            for variety in ("es-PE", "es-VE", "es-MX", "neutral")
        ]
        path = write_rows(tmp_path / "es-01.jsonl", *rows)
        examples = load_corpus_tree(tmp_path, "blind22")
        assert [e.source for e in examples] == [f"es-01.jsonl:{n}" for n in range(1, 5)]
        assert path.exists() and {e.language for e in examples} == {"es"}

    def test_a_trees_conversations_file_is_not_read_as_single_messages(
        self, tmp_path: Path
    ) -> None:
        write_rows(tmp_path / "en-01.jsonl", VALID)
        write_rows(tmp_path / "conversations.jsonl", CONVERSATION)
        assert [e.source for e in load_corpus_tree(tmp_path, "blind22")] == ["en-01.jsonl:1"]

    @pytest.mark.parametrize(
        "split",
        [
            "dev3",
            "blind3",
            "blind4",
            "dev4",
            "blind5",
            "dev5",
            "blind6",
            "blind7",
            "blind8",
            "blind9",
            "dev7",
            "blind10",
            "blind11",
            "blind12",
            "dev8",
            "blind13",
            "blind14",
            "dev9",
            "blind15",
            "blind16",
            "dev10",
            "dev11",
            "blind17",
            "blind18",
            "dev12",
            "blind19",
            "blind20",
            "dev13",
            "blind21",
            "dev14",
        ],
    )
    def test_a_file_of_a_batch_written_split_is_its_own_group(
        self, tmp_path: Path, split: str
    ) -> None:
        write_rows(tmp_path / "es-01.jsonl", VALID)
        (found,) = load_corpus_tree(tmp_path, split)
        assert group_of(found) == f"{split}/es-01.jsonl"


class TestHowEachMessageCounts:
    def test_an_own_alert_on_the_writers_risk_is_recall(self) -> None:
        found = figures([Outcome(example("high"), Assessment("high"))])
        assert (found.recall.hits, found.recall.total) == (1, 1)

    def test_the_writers_risk_alerted_as_someone_elses_is_a_miss(self) -> None:
        found = figures([Outcome(example("imminent"), Assessment("imminent", who="other"))])
        assert found.recall.hits == 0
        assert found.imminent_recall.hits == 0
        assert found.own_read_as_other.hits == 1

    def test_a_third_party_alert_on_worry_about_a_friend_is_not_a_false_alarm(self) -> None:
        worry = example("none", "other", "imminent")
        found = figures([Outcome(worry, Assessment("imminent", who="other"))])
        assert found.false_alarms == Rate(0, 1)
        assert found.third_party == Rate(1, 1)

    def test_worry_about_a_friend_alerted_as_the_writers_own_risk_is_a_false_alarm(self) -> None:
        worry = example("none", "other", "high")
        found = figures([Outcome(worry, Assessment("high"))])
        assert found.false_alarms == Rate(1, 1)
        assert found.other_read_as_own == Rate(1, 1)
        assert found.third_party == Rate(0, 1)

    def test_a_quote_is_never_an_alert(self) -> None:
        found = figures([Outcome(example("none", "quoted"), Assessment("none", who="quoted"))])
        assert found.false_alarms == Rate(0, 1)

    def test_high_on_an_imminent_message_is_recall_but_not_imminent_recall(self) -> None:
        found = figures([Outcome(example("imminent"), Assessment("high"))])
        assert found.recall == Rate(1, 1)
        assert found.imminent_recall == Rate(0, 1)


def test_wilson_interval_matches_the_formula() -> None:
    low, high = Rate(8, 10).interval
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)
    assert Rate(0, 0).interval is None
    assert str(Rate(0, 0)) == "n/a"


@pytest.fixture(scope="module")
def dev_report():
    return evaluate("dev", default_detector(), load_corpus(DEV_DIR, "dev"))


def test_dev_split_meets_its_thresholds(dev_report) -> None:
    """In-sample (the model was trained on dev), so only a regression guard; the
    cross-validated and blind figures are in `make eval-risk` and the docs."""
    for language, found in dev_report.by_language.items():
        assert found.recall.value >= 0.97, (language, format_report(dev_report))
        assert found.imminent_recall.value >= 0.95, (language, format_report(dev_report))
        assert found.false_alarms.value <= 0.08, (language, format_report(dev_report))


def test_report_has_figures_per_language_and_family_with_intervals(dev_report) -> None:
    text = format_report(dev_report)
    assert "language en" in text and "language es" in text
    assert "  attempt_in_progress" in text
    assert "[" in text and "]" in text
    assert "recall (high+imminent)" in text


def test_blind_split_prints_figures_and_never_a_message(capsys) -> None:
    assert main(["--split", "blind", "--no-families"]) == 0
    printed = capsys.readouterr().out
    assert "BLIND corpus" in printed
    assert "rules only" in printed and "model only" in printed
    for blind in load_corpus(BLIND_DIR, "blind"):
        assert blind.text not in printed


def test_blind_v22_is_reported_per_language_and_family_and_never_printed(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    from escalation.risk_eval import __main__ as evaluator

    secret = {**VALID, "text": "a fresh blind message nobody may read"}
    spanish = {**secret, "language": "es", "text": "un mensaje ciego que nadie puede leer"}
    write_rows(tmp_path / "en-01.jsonl", secret, {**secret, "level": "none", "family": "smalltalk"})
    # Varieties beyond the labelling guide's (es-PE, es-VE) are read like any other.
    write_rows(
        tmp_path / "es-01.jsonl",
        {**spanish, "variety": "es-PE"},
        {**spanish, "variety": "es-VE", "level": "none", "family": "smalltalk"},
    )
    (tmp_path / "README.md").write_text("not a corpus file", encoding="utf-8")
    monkeypatch.setattr(evaluator, "BLIND22_DIR", tmp_path)
    monkeypatch.setattr(evaluator, "BLIND22_CONVERSATIONS", tmp_path / "conversations.jsonl")
    assert main(["--split", "blind22"]) == 0
    printed = capsys.readouterr().out
    assert "BLIND corpus v22 (fresh, run once" in printed
    assert "BLIND corpus v22, ablation" in printed
    assert "rules only" in printed and "model only" in printed
    assert "0/2" in printed and "0/1" in printed  # nothing here alerts
    assert "  smalltalk" in printed and "[" in printed
    assert "language en" in printed and "language es" in printed
    es_row = next(line for line in printed.splitlines() if line.startswith("language es"))
    assert es_row.count("0/1") == 3  # both lines read: recall, imminent, false alarms
    assert secret["text"] not in printed and spanish["text"] not in printed
    assert "conversations" not in printed  # none in this directory


def test_blind_v22_conversations_are_reported_memory_off_and_on_and_never_printed(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    from escalation.risk_eval import __main__ as evaluator

    write_rows(tmp_path / "en-01.jsonl", {**VALID, "text": "a fresh blind message"})
    harmless = {
        "language": "es",
        "messages": ["nos vemos mañana", "un abrazo"],
        "levels": ["none", "none"],
        "combined_level": "none",
    }
    conversations = write_rows(tmp_path / "conversations.jsonl", CONVERSATION, harmless)
    monkeypatch.setattr(evaluator, "BLIND22_DIR", tmp_path)
    monkeypatch.setattr(evaluator, "BLIND22_CONVERSATIONS", conversations)
    rules_only = "escalation.risk.rules_only_detector"
    assert main(["--split", "blind22", "--no-families", "--detector", rules_only]) == 0
    printed = capsys.readouterr().out
    section = printed[printed.index("BLIND corpus v22, conversations (2)") :]
    # Each row: recall, imminent recall, false alarms, as hits/total where there is a total.
    rows = {
        line.split("  ")[0]: re.findall(r"\d+/\d+", line)
        for line in section.splitlines()[3:]
        if line
    }
    assert set(rows) == {"off", "on", "off, en", "on, en", "off, es", "on, es"}
    # The pills, then "tonight": imminent only once memory reads them together.
    assert (rows["off, en"], rows["on, en"]) == (["1/1", "0/1"], ["1/1", "1/1"])
    # The harmless Spanish conversation raises no alarm, with memory or without.
    assert rows["off, es"] == rows["on, es"] == ["0/1"]
    assert (rows["off"], rows["on"]) == (["1/1", "0/1", "0/1"], ["1/1", "1/1", "0/1"])
    for message in (*CONVERSATION["messages"], *harmless["messages"]):
        assert message not in printed


def test_without_a_blind_v22_directory_the_split_is_skipped(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    from escalation.risk_eval import __main__ as evaluator

    monkeypatch.setattr(evaluator, "BLIND22_DIR", tmp_path / "missing")
    assert main(["--split", "blind22"]) == 0
    assert "BLIND corpus v22" not in capsys.readouterr().out


def test_the_blind22_directory_is_never_training_data() -> None:
    assert BLIND22_DIR.name == "blind22"
    assert all(e.split != "blind22" for e in training_set())


@pytest.mark.parametrize(
    "retired",
    [
        "blind5",
        "blind6",
        "blind7",
        "blind8",
        "blind9",
        "blind10",
        "blind11",
        "blind12",
        "blind13",
        "blind14",
        "blind15",
        "blind16",
        "blind17",
        "blind18",
        "blind19",
        "blind20",
        "blind21",
    ],
)
def test_a_retired_blind_split_is_no_longer_a_split_of_its_own(retired: str) -> None:
    with pytest.raises(SystemExit):
        main(["--split", retired])


def test_errors_are_listed_for_dev_only(capsys) -> None:
    assert main(["--split", "older-blind", "--errors"]) == 0
    printed = capsys.readouterr().out
    assert "blind_test" in printed
    assert "missed risk:" not in printed


class TestConversations:
    def test_a_conversation_line_is_checked(self, tmp_path: Path) -> None:
        from escalation.risk_eval.corpus import load_conversations

        row = {
            "language": "en",
            "messages": ["a", "b"],
            "levels": ["none"],
            "combined_level": "high",
        }
        with pytest.raises(CorpusError, match="one level per message"):
            load_conversations(write_rows(tmp_path / "conversations.jsonl", row))

    def test_memory_counts_a_conversation_that_only_adds_up_to_imminent(self) -> None:
        from escalation.risk import rules_only_detector
        from escalation.risk_eval.corpus import Conversation
        from escalation.risk_eval.evaluate import conversation_figures

        pills = Conversation(
            "en", ("I have the pills here", "tonight"), ("high", "none"), "imminent", "x:1"
        )
        off = conversation_figures(rules_only_detector(), [pills], memory=False)
        on = conversation_figures(rules_only_detector(), [pills], memory=True)
        assert (off.imminent_recall, on.imminent_recall) == (Rate(0, 1), Rate(1, 1))
        assert on.raised_by_memory == 1
