"""Training modules as data: the shipped curriculum loads, and mistakes are named. No database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chatplatform.mentoring.curriculum import CurriculumError, load_curriculum, load_module, score

SHIPPED = Path(__file__).resolve().parent.parent / "chatplatform/mentoring/data/curriculum"
EXPECTED = [
    "role-and-limits",
    "active-listening",
    "boundaries-confidentiality",
    "safe-messaging",
    "recognising-risk",
    "escalation",
    "self-care",
]


def write_module(directory: Path, body: str, module_id: str = "listening") -> Path:
    path = directory / f"{module_id}.yaml"
    path.write_text(body, encoding="utf-8")
    for language in ("en", "es"):
        (directory / f"{module_id}.{language}.md").write_text(f"# {language}\n", encoding="utf-8")
    return path


MODULE = """
id: listening
version: 2
title: {en: Listening, es: Escucha}
summary: {en: How to listen, es: Cómo escuchar}
pass_mark: 50
expiry_days: 30
quiz:
  - prompt: {en: Pick B, es: Elige B}
    options:
      - text: {en: A, es: A}
      - text: {en: B, es: B}
        correct: true
  - prompt: {en: Pick A, es: Elige A}
    options:
      - text: {en: A, es: A}
        correct: true
      - text: {en: B, es: B}
"""


def test_the_shipped_curriculum_loads_in_order_in_both_languages():
    modules = load_curriculum(SHIPPED)
    assert [m.id for m in modules] == EXPECTED
    for module in modules:
        assert set(module.title) == set(module.body) == {"en", "es"}
        assert module.questions, module.id
        assert all(len(q.options) >= 2 for q in module.questions)


def test_a_module_is_scored_against_its_pass_mark(tmp_path):
    module = load_module(write_module(tmp_path, MODULE))
    assert (module.version, module.pass_mark, module.expiry_days) == (2, 50, 30)
    assert score(module, {0: 1, 1: 0}) == (100, True)
    assert score(module, {0: 1, 1: 1}) == (50, True)
    assert score(module, {0: 0, 1: None}) == (0, False)


def test_the_digest_changes_with_the_wording(tmp_path):
    before = load_module(write_module(tmp_path, MODULE)).digest
    (tmp_path / "listening.es.md").write_text("# otro texto\n", encoding="utf-8")
    assert load_module(tmp_path / "listening.yaml").digest != before


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("id: listening", "id: Listening!"), "id must be lower-case"),
        (("title: {en: Listening, es: Escucha}", "title: {en: Listening}"), "title must give"),
        (
            ("        correct: true\n  - prompt: {en: Pick A", "  - prompt: {en: Pick A"),
            "exactly one",
        ),
        (("pass_mark: 50", "pass_mark: 150"), "pass_mark must be a whole number"),
        (("version: 2", "version: 2\ncolour: blue"), "unknown keys"),
        (("expiry_days: 30", "expiry_days: 30\nsignoff: true"), "must name its practice"),
    ],
)
def test_a_broken_module_is_refused_naming_the_file_and_the_problem(tmp_path, change, problem):
    path = write_module(tmp_path, MODULE.replace(*change))
    with pytest.raises(CurriculumError) as caught:
        load_module(path)
    assert str(caught.value).startswith("listening.yaml: ")
    assert problem in str(caught.value)


def test_a_module_without_its_spanish_text_is_refused(tmp_path):
    path = write_module(tmp_path, MODULE)
    (tmp_path / "listening.es.md").unlink()
    with pytest.raises(CurriculumError, match=r"listening\.es\.md is missing"):
        load_module(path)


def test_a_module_must_be_named_after_its_id(tmp_path):
    write_module(tmp_path, MODULE)
    shutil.move(tmp_path / "listening.yaml", tmp_path / "other.yaml")
    with pytest.raises(CurriculumError, match=r"must be named listening\.yaml"):
        load_module(tmp_path / "other.yaml")


def test_an_empty_directory_is_not_a_curriculum(tmp_path):
    with pytest.raises(CurriculumError, match="holds no module"):
        load_curriculum(tmp_path)
