"""Instruments are data: validated on load with errors naming the file, item and problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evaluation import registry
from evaluation.instruments import (
    InstrumentError,
    instrument_from_definition,
    load_instruments,
    parse_instrument,
)
from evaluation.models import InstrumentVersion

EXAMPLES = registry.BUILTIN_DIR / "examples"


def minimal(**changes) -> dict:
    definition = {
        "id": "mood",
        "version": 1,
        "languages": ["en", "es"],
        "validated": False,
        "title": {"en": "Mood", "es": "Ánimo"},
        "notice": {"en": "Not validated.", "es": "No validado."},
        "schedule": {"waves": ["pre", "post"]},
        "scales": {
            "agree": {
                "type": "likert",
                "points": [
                    {"value": 1, "label": {"en": "No", "es": "No"}},
                    {"value": 2, "label": {"en": "Maybe", "es": "Quizá"}},
                    {"value": 3, "label": {"en": "Yes", "es": "Sí"}},
                ],
            }
        },
        "items": [
            {"id": "a", "scale": "agree", "text": {"en": "A", "es": "A"}},
            {"id": "b", "scale": "agree", "reverse": True, "text": {"en": "B", "es": "B"}},
        ],
        "subscales": [
            {
                "id": "all",
                "title": {"en": "All", "es": "Todo"},
                "items": ["a", "b"],
                "higher_is_better": True,
            }
        ],
    }
    definition.update(changes)
    return definition


def parse(definition: dict, source: str = "mood.yaml"):
    return parse_instrument(yaml.safe_dump(definition, allow_unicode=True), source)


def test_built_in_instruments_load_and_are_labelled_not_validated():
    instruments = load_instruments([registry.BUILTIN_DIR])
    assert set(instruments) == {"stigma", "help_seeking", "distress", "experience", "demographics"}
    assert all(not i.validated for i in instruments.values())
    assert all(set(i.languages) == {"en", "es"} for i in instruments.values())


def test_stigma_measure_has_two_subscales_and_ten_to_twelve_items():
    stigma = load_instruments([registry.BUILTIN_DIR])["stigma"]
    assert 10 <= len(stigma.items) <= 12
    assert {s.id for s in stigma.subscales} == {"public_stigma", "self_stigma_help_seeking"}
    assert any(item.reverse for item in stigma.items)


def test_help_seeking_covers_every_source_on_a_seven_point_scale():
    help_seeking = load_instruments([registry.BUILTIN_DIR])["help_seeking"]
    assert {i.id for i in help_seeking.items} == {
        "friend",
        "family",
        "peer_mentor",
        "doctor",
        "counsellor",
        "helpline",
        "no_one",
    }
    assert {(i.scale.minimum, i.scale.maximum) for i in help_seeking.items} == {(1, 7)}


def test_the_licensed_example_is_structure_only_and_valid():
    example = load_instruments([EXAMPLES])["licensed_example"]
    assert example.validated
    assert all(text.startswith("[") for item in example.items for text in item.text.values())


def test_a_missing_field_is_named_with_the_file():
    definition = minimal()
    del definition["version"]
    with pytest.raises(InstrumentError, match=r"mood.yaml: missing required field 'version'"):
        parse(definition)


def test_an_item_on_an_undefined_scale_names_the_item():
    definition = minimal()
    definition["items"][1]["scale"] = "nope"
    with pytest.raises(InstrumentError) as error:
        parse(definition)
    assert error.value.item == "b"
    assert str(error.value) == "mood.yaml: item 'b': scale 'nope' is not defined under scales"


def test_a_missing_translation_names_the_item_and_language():
    definition = minimal()
    del definition["items"][0]["text"]["es"]
    with pytest.raises(InstrumentError, match=r"item 'a': text has no 'es' text"):
        parse(definition)


def test_a_subscale_listing_an_unknown_item_is_refused():
    definition = minimal()
    definition["subscales"][0]["items"] = ["a", "zzz"]
    with pytest.raises(InstrumentError, match=r"item 'zzz': subscale all lists an item"):
        parse(definition)


def test_invalid_yaml_gives_the_line():
    with pytest.raises(InstrumentError, match=r"broken.yaml: is not valid YAML at line 2"):
        parse_instrument("id: x\n  bad: [\n", "broken.yaml")


def test_validated_must_be_stated():
    definition = minimal()
    del definition["validated"]
    with pytest.raises(InstrumentError, match="validated must say true or false"):
        parse(definition)


def test_two_files_with_the_same_id_are_refused(tmp_path: Path):
    for name in ("one.yaml", "two.yaml"):
        (tmp_path / name).write_text(yaml.safe_dump(minimal()))
    with pytest.raises(InstrumentError, match="already defined"):
        load_instruments([tmp_path])


def test_layout_and_comments_do_not_change_the_digest_but_wording_does():
    first = parse(minimal())
    again = parse_instrument("# a comment\n" + yaml.safe_dump(minimal()), "mood.yaml")
    reworded = minimal()
    reworded["items"][0]["text"]["en"] = "A, reworded"
    assert first.digest == again.digest
    assert parse(reworded).digest != first.digest


def test_a_stored_version_rebuilds_the_same_instrument():
    stigma = load_instruments([registry.BUILTIN_DIR])["stigma"]
    rebuilt = instrument_from_definition(stigma.definition(), "stored")
    assert rebuilt.digest == stigma.digest
    assert rebuilt.items == stigma.items


def test_changing_an_answered_version_without_a_new_number_is_refused(db):
    instrument = parse(minimal())
    recorded = registry.record_version(instrument)
    reworded = minimal()
    reworded["items"][0]["text"]["en"] = "A, reworded"
    with pytest.raises(InstrumentError, match="give the changed definition a new version number"):
        registry.record_version(parse(reworded))
    bumped = registry.record_version(parse({**reworded, "version": 2}))
    assert bumped.pk != recorded.pk
    assert InstrumentVersion.objects.filter(instrument="mood").count() == 2
