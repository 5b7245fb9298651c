"""Training modules as data: loading, validating and scoring them. No Django here.

A module is three files in one directory: ``<id>.yaml`` (title, version, pass mark,
expiry, the quiz) and its text in Markdown, ``<id>.en.md`` and ``<id>.es.md``. A file
that breaks a rule is refused with a ``CurriculumError`` naming the file and the
problem, so an organisation editing its curriculum learns exactly what to fix.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("en", "es")
MODULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
MODULE_KEYS = {
    "id",
    "order",
    "version",
    "title",
    "summary",
    "minutes",
    "pass_mark",
    "expiry_days",
    "signoff",
    "practice",
    "quiz",
}


class CurriculumError(ValueError):
    """A module definition breaks a rule; ``str()`` names the file and the problem."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


@dataclass(frozen=True)
class Question:
    prompt: Mapping[str, str]
    options: tuple[Mapping[str, str], ...]
    correct: int


@dataclass(frozen=True)
class Module:
    id: str
    version: int
    order: int
    title: Mapping[str, str]
    summary: Mapping[str, str]
    body: Mapping[str, str]  # Markdown, by language
    minutes: int
    pass_mark: int  # percent of questions answered correctly
    expiry_days: int
    # A supervisor must sign off a practice chat before the module counts.
    signoff: bool
    # The practice scenario a trainee runs for this module, if any.
    practice: str
    questions: tuple[Question, ...]
    source: str
    digest: str

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def definition(self) -> dict[str, Any]:
        """What is stored with every attempt: the exact wording and rules answered."""
        return {
            "id": self.id,
            "version": self.version,
            "title": dict(self.title),
            "minutes": self.minutes,
            "pass_mark": self.pass_mark,
            "expiry_days": self.expiry_days,
            "signoff": self.signoff,
            "questions": [
                {
                    "prompt": dict(q.prompt),
                    "options": [dict(o) for o in q.options],
                    "correct": q.correct,
                }
                for q in self.questions
            ],
        }


def text(mapping: Mapping[str, str], language: str) -> str:
    """The text in ``language``, else English."""
    return mapping.get(language) or mapping["en"]


def score(module: Module, answers: Mapping[int, int | None]) -> tuple[int, bool]:
    """Percent of questions answered correctly, and whether that reaches the pass mark.

    ``answers`` maps a question's index to the chosen option's index (None: skipped).
    """
    if not module.questions:
        return 100, True
    right = sum(1 for i, q in enumerate(module.questions) if answers.get(i) == q.correct)
    percent = round(100 * right / len(module.questions))
    return percent, percent >= module.pass_mark


def _languages(source: str, value: Any, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) != set(LANGUAGES):
        raise CurriculumError(source, f"{what} must give exactly {' and '.join(LANGUAGES)}")
    for language, words in value.items():
        if not isinstance(words, str) or not words.strip():
            raise CurriculumError(source, f"{what} in {language!r} is empty")
    return {k: v.strip() for k, v in value.items()}


def _int(source: str, data: dict[str, Any], key: str, low: int, high: int, default: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CurriculumError(source, f"{key} must be a whole number from {low} to {high}")
    return value


def _question(source: str, number: int, raw: Any) -> Question:
    where = f"question {number}"
    if not isinstance(raw, dict) or set(raw) - {"prompt", "options"}:
        raise CurriculumError(source, f"{where} must have a prompt and options, nothing else")
    options = raw.get("options")
    if not isinstance(options, list) or len(options) < 2:
        raise CurriculumError(source, f"{where} needs at least two options")
    texts: list[dict[str, str]] = []
    correct: list[int] = []
    for index, option in enumerate(options):
        if not isinstance(option, dict) or set(option) - {"text", "correct"}:
            raise CurriculumError(source, f"{where}, option {index + 1}: give text and correct")
        texts.append(_languages(source, option.get("text"), f"{where}, option {index + 1}"))
        if option.get("correct", False) is True:
            correct.append(index)
        elif option.get("correct", False) is not False:
            raise CurriculumError(source, f"{where}, option {index + 1}: correct is true or false")
    if len(correct) != 1:
        raise CurriculumError(source, f"{where} must have exactly one correct option")
    return Question(
        prompt=_languages(source, raw.get("prompt"), f"{where} prompt"),
        options=tuple(texts),
        correct=correct[0],
    )


def load_module(path: Path) -> Module:
    """Load, validate and fingerprint one module from its YAML file and Markdown texts."""
    source = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise CurriculumError(source, f"cannot be read: {error}") from None
    if not isinstance(data, dict):
        raise CurriculumError(source, "must be a YAML mapping")
    unknown = set(data) - MODULE_KEYS
    if unknown:
        raise CurriculumError(source, f"unknown keys {sorted(unknown)}")
    module_id = data.get("id")
    if not isinstance(module_id, str) or not MODULE_ID.match(module_id):
        raise CurriculumError(source, "id must be lower-case letters, digits and hyphens")
    if path.stem != module_id:
        raise CurriculumError(source, f"the file must be named {module_id}.yaml")
    body: dict[str, str] = {}
    for language in LANGUAGES:
        text_path = path.with_name(f"{module_id}.{language}.md")
        try:
            body[language] = text_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise CurriculumError(source, f"its text {text_path.name} is missing") from None
        if not body[language].strip():
            raise CurriculumError(text_path.name, "is empty")
    raw_quiz = data.get("quiz", [])
    if not isinstance(raw_quiz, list):
        raise CurriculumError(source, "quiz must be a list of questions")
    questions = tuple(_question(source, n, q) for n, q in enumerate(raw_quiz, start=1))
    signoff = data.get("signoff", False)
    if not isinstance(signoff, bool):
        raise CurriculumError(source, "signoff must be true or false")
    practice = data.get("practice", "")
    if not isinstance(practice, str):
        raise CurriculumError(source, "practice must name a scenario")
    if signoff and not practice:
        raise CurriculumError(source, "a module that needs sign-off must name its practice")
    if not questions and not signoff:
        raise CurriculumError(source, "a module needs a quiz, a signed-off practice chat or both")
    digest = hashlib.sha256(
        json.dumps([data, body], sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    return Module(
        id=module_id,
        version=_int(source, data, "version", 1, 10_000, 0),
        order=_int(source, data, "order", 0, 10_000, 100),
        title=_languages(source, data.get("title"), "title"),
        summary=_languages(source, data.get("summary"), "summary"),
        body=body,
        minutes=_int(source, data, "minutes", 1, 6000, 30),
        pass_mark=_int(source, data, "pass_mark", 1, 100, 80),
        expiry_days=_int(source, data, "expiry_days", 1, 3650, 365),
        signoff=signoff,
        practice=practice,
        questions=questions,
        source=source,
        digest=digest,
    )


def load_curriculum(directory: Path) -> tuple[Module, ...]:
    """Every module in ``directory`` (its ``*.yaml`` files), ordered by ``order`` then id."""
    if not directory.is_dir():
        raise CurriculumError(str(directory), "is not a directory")
    modules = [load_module(p) for p in sorted(directory.glob("*.yaml"))]
    if not modules:
        raise CurriculumError(str(directory), "holds no module")
    return modules_in_order(modules)


def modules_in_order(modules: Iterable[Module]) -> tuple[Module, ...]:
    modules = list(modules)
    seen: set[str] = set()
    for module in modules:
        if module.id in seen:
            raise CurriculumError(module.source, f"module {module.id!r} is defined twice")
        seen.add(module.id)
    return tuple(sorted(modules, key=lambda m: (m.order, m.id)))
