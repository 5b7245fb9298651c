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
    assert set(instruments) == {
        "stigma",
        "help_seeking",
        "help_actions",
        "distress",
        "experience",
        "demographics",
    }
    assert all(not i.validated for i in instruments.values())
    assert all(set(i.languages) == {"en", "es"} for i in instruments.values())


def test_trait_like_measures_are_compared_at_follow_up_not_after_a_chat():
    instruments = load_instruments([registry.BUILTIN_DIR])
    for name in ("stigma", "help_seeking"):
        assert instruments[name].waves == ("pre", "followup")
    assert instruments["distress"].waves == ("pre", "post")
    assert instruments["distress"].every_chat


def test_the_page_before_a_first_chat_has_at_most_eight_questions():
    before = registry.for_wave("pre", first_chat=True, include_once=True)
    assert sum(len(i.items) for i in before) <= registry.PRE_CHAT_QUESTIONS == 8
    assert {i.id for i in before} == {"distress", "stigma", "help_seeking"}
    # Background questions come after the chat (or at follow-up), once.
    demographics = registry.instruments()["demographics"]
    assert demographics.once and demographics.waves == ("post", "followup")


def test_an_instrument_that_would_lengthen_the_first_page_is_refused(tmp_path):
    extra = minimal(schedule={"waves": ["pre", "post"]})
    (tmp_path / "mood.yaml").write_text(yaml.safe_dump(extra, allow_unicode=True))
    registry._load.cache_clear()
    try:
        with pytest.raises(InstrumentError, match="at most 8 are allowed"):
            registry._load((str(tmp_path),))
    finally:
        registry._load.cache_clear()


def test_stigma_is_the_short_self_stigma_form_with_a_reverse_item():
    stigma = load_instruments([registry.BUILTIN_DIR])["stigma"]
    assert stigma.version == 2 and len(stigma.items) == 4
    assert [s.id for s in stigma.subscales] == ["self_stigma_help_seeking"]
    assert [i.id for i in stigma.items if i.reverse] == ["ss3"]


def test_help_seeking_asks_about_three_sources_on_a_seven_point_scale():
    help_seeking = load_instruments([registry.BUILTIN_DIR])["help_seeking"]
    assert [i.id for i in help_seeking.items] == ["informal", "professional", "helpline"]
    assert {(i.scale.minimum, i.scale.maximum) for i in help_seeking.items} == {(1, 7)}


def test_actual_help_seeking_is_asked_at_follow_up_as_yes_no_proportions():
    actions = load_instruments([registry.BUILTIN_DIR])["help_actions"]
    assert actions.analysis == "proportions" and actions.waves == ("followup",)
    assert {i.scale.type for i in actions.items} == {"yes_no_dont_know"}
    conditional = {i.id: i.shown_if for i in actions.items if i.shown_if}
    assert conditional == {
        "followed_doctor": "referral:doctor",
        "followed_therapy": "referral:therapy",
        "followed_helpline": "referral:helpline",
        "followed_education_work": "referral:education_work",
        "followed_other": "referral:other",
    }
    assert "not a validated questionnaire" in actions.notice["en"]


def test_a_proportions_instrument_must_ask_yes_no_questions():
    definition = minimal(analysis="proportions")
    with pytest.raises(InstrumentError, match="asks yes/no questions"):
        parse(definition)


def test_a_condition_must_name_a_known_referral():
    definition = minimal()
    definition["items"][0]["shown_if"] = "referral:astrologer"
    with pytest.raises(InstrumentError, match="shown_if must be"):
        parse(definition)


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
