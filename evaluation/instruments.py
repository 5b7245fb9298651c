"""Survey instruments as data: loading and validating their YAML definitions.

No Django here. A definition that breaks a rule is refused with an
``InstrumentError`` naming the file, the item and the problem, so an
organisation editing a file learns exactly what to fix.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

WAVES = ("pre", "post", "followup")
# "change": subscales compared between waves; "proportions": yes/no items reported as
# shares of "yes" (what people did, e.g. help_actions).
ANALYSES = ("change", "proportions")
# Conditions an item can be shown under: the participant's mentor recorded a referral of
# this kind in one of their chats (evaluation.models.Referral).
REFERRAL_KINDS = ("doctor", "therapy", "helpline", "education_work", "other")
SCALE_TYPES = ("likert", "range", "yes_no_dont_know", "choice")
SCORING_METHODS = ("sum", "mean")
DONT_KNOW = "dont_know"
# The missing-item rule from the issue: prorate a subscale only when at least
# this share of its items is answered.
DEFAULT_MIN_ANSWERED = 0.8

Answer = int | str | None


class InstrumentError(ValueError):
    """A definition breaks a rule. ``str()`` gives file, item and problem in one sentence."""

    def __init__(self, source: str, problem: str, item: str | None = None) -> None:
        self.source = source
        self.item = item
        self.problem = problem
        where = f"{source}: item {item!r}" if item else source
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Point:
    value: int | str
    label: Mapping[str, str]


@dataclass(frozen=True)
class Scale:
    type: str
    points: tuple[Point, ...]
    minimum: int = 0
    maximum: int = 0
    # range scales label only their ends; likert and choice label every point.
    anchors: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def is_scored(self) -> bool:
        return self.type != "choice"

    def values(self) -> list[int | str]:
        if self.type == "range":
            return list(range(self.minimum, self.maximum + 1))
        return [p.value for p in self.points]

    def parse(self, raw: str | None) -> Answer:
        """A submitted form value as an answer; blank means skipped. ValueError if off the scale."""
        if raw is None or raw.strip() == "":
            return None
        raw = raw.strip()
        if self.type == "yes_no_dont_know" and raw == DONT_KNOW:
            return DONT_KNOW
        for value in self.values():
            if str(value) == raw:
                return value
        raise ValueError("not a point on the scale")


@dataclass(frozen=True)
class Item:
    id: str
    text: Mapping[str, str]
    scale: Scale
    reverse: bool = False
    # Demographic items that define a pre-defined breakdown of the results.
    breakdown: bool = False
    # Shown only when this condition holds for the participant ("referral:<kind>").
    shown_if: str | None = None


@dataclass(frozen=True)
class Subscale:
    id: str
    title: Mapping[str, str]
    items: tuple[str, ...]
    higher_is_better: bool
    # A published reliability (e.g. test-retest) for reliable change; else alpha at baseline.
    reliability: float | None = None


@dataclass(frozen=True)
class Instrument:
    id: str
    version: int
    title: Mapping[str, str]
    languages: tuple[str, ...]
    validated: bool
    notice: Mapping[str, str]
    items: tuple[Item, ...]
    subscales: tuple[Subscale, ...]
    scoring: str
    min_answered: float
    # None: "don't know" counts as unanswered; a number: it is scored as that value.
    dont_know_score: float | None
    waves: tuple[str, ...]
    every_chat: bool
    once: bool
    source: str
    digest: str
    analysis: str = "change"

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def item(self, item_id: str) -> Item:
        return next(i for i in self.items if i.id == item_id)

    def text(self, mapping: Mapping[str, str], language: str) -> str:
        return mapping.get(language) or mapping[self.languages[0]]

    def parse_answers(self, form: Mapping[str, str]) -> dict[str, Answer]:
        """Answers keyed by item id from submitted values named ``<instrument>.<item>``.

        Raises InstrumentError naming the item when a value is not on its scale.
        """
        answers: dict[str, Answer] = {}
        for item in self.items:
            try:
                answers[item.id] = item.scale.parse(form.get(f"{self.id}.{item.id}"))
            except ValueError as error:
                raise InstrumentError(self.key, str(error), item.id) from None
        return answers

    def definition(self) -> dict[str, Any]:
        """A JSON-safe copy of the definition, stored with every version."""
        return json.loads(self._canonical)

    @property
    def _canonical(self) -> str:
        return _canonical_json(self)


_LATER_FIELDS: dict[str, Any] = {"analysis": "change", "shown_if": None}


def _canonical_json(instrument: Instrument) -> str:
    def plain(value: Any) -> Any:
        if hasattr(value, "__dataclass_fields__"):
            return {
                name: plain(getattr(value, name))
                for name in value.__dataclass_fields__
                if name not in ("source", "digest")
                # Fields added later are left out at their defaults, so definitions
                # written before them keep their digest.
                and not (name in _LATER_FIELDS and getattr(value, name) == _LATER_FIELDS[name])
            }
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    return json.dumps(plain(instrument), sort_keys=True, ensure_ascii=False)


class _Reader:
    """Reads one definition, raising InstrumentError with the file and item on any problem."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, problem: str, item: str | None = None) -> InstrumentError:
        return InstrumentError(self.source, problem, item)

    def require(self, data: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
        if key not in data:
            raise self.fail(f"missing required field {key!r}")
        value = data[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.fail(f"field {key!r} has the wrong type")
        return value

    def texts(
        self, value: Any, what: str, languages: Iterable[str], item: str | None = None
    ) -> dict[str, str]:
        if not isinstance(value, Mapping):
            raise self.fail(f"{what} must map each language to a text", item)
        texts = {str(k): v for k, v in value.items()}
        for language in languages:
            text = texts.get(language)
            if not isinstance(text, str) or not text.strip():
                raise self.fail(f"{what} has no {language!r} text", item)
        return texts

    def scale(self, name: str, data: Any, languages: tuple[str, ...]) -> Scale:
        where = f"scale {name}"
        if not isinstance(data, Mapping):
            raise self.fail(f"{where} must be a mapping")
        kind = data.get("type")
        if kind not in SCALE_TYPES:
            raise self.fail(f"{where}: type must be one of {', '.join(SCALE_TYPES)}, got {kind!r}")
        if kind == "range":
            low, high = data.get("min"), data.get("max")
            if not isinstance(low, int) or not isinstance(high, int) or low >= high:
                raise self.fail(f"{where}: a range needs whole numbers min < max")
            anchors = data.get("anchors") or {}
            if not isinstance(anchors, Mapping) or set(anchors) - {"min", "max"}:
                raise self.fail(f"{where}: anchors may only label 'min' and 'max'")
            return Scale(
                kind,
                (),
                low,
                high,
                {
                    end: self.texts(text, f"{where} anchor {end}", languages)
                    for end, text in anchors.items()
                },
            )
        raw_points = data.get("points")
        if kind == "yes_no_dont_know":
            raw_points = raw_points or [
                {"value": 1, "label": {"en": "Yes", "es": "Sí"}},
                {"value": 0, "label": {"en": "No", "es": "No"}},
            ]
        if not isinstance(raw_points, list) or len(raw_points) < 2:
            raise self.fail(f"{where}: needs at least two labelled points")
        points = []
        for raw in raw_points:
            if not isinstance(raw, Mapping) or "value" not in raw:
                raise self.fail(f"{where}: every point needs a value and a label")
            value = raw["value"]
            numeric = isinstance(value, int) and not isinstance(value, bool)
            if kind == "choice" and not isinstance(value, str):
                raise self.fail(f"{where}: choice values are short codes (text)")
            if kind != "choice" and not numeric:
                raise self.fail(f"{where}: point values must be whole numbers")
            points.append(
                Point(value, self.texts(raw.get("label"), f"{where} point {value}", languages))
            )
        values = [p.value for p in points]
        if len(set(values)) != len(values):
            raise self.fail(f"{where}: point values must be distinct")
        numeric_values = [v for v in values if isinstance(v, int)]
        return Scale(
            kind,
            tuple(points),
            min(numeric_values, default=0),
            max(numeric_values, default=0),
        )

    def read(self, data: Any, digest: str) -> Instrument:
        if not isinstance(data, Mapping):
            raise self.fail("the file must hold one mapping (id, version, title, items, ...)")
        instrument_id = self.require(data, "id", str)
        if not instrument_id.replace("_", "").isalnum():
            raise self.fail("id must be letters, digits and '_'")
        version = self.require(data, "version", int)
        if version < 1:
            raise self.fail("version must be 1 or more")
        languages = tuple(self.require(data, "languages", list))
        if not languages or not all(isinstance(lang, str) for lang in languages):
            raise self.fail("languages must list at least one language code")
        title = self.texts(data.get("title"), "title", languages)
        validated = data.get("validated")
        if not isinstance(validated, bool):
            raise self.fail("validated must say true or false (is this a validated scale?)")
        notice = self.texts(data.get("notice"), "notice", languages)
        scales = self.require(data, "scales", Mapping)
        parsed_scales = {name: self.scale(name, spec, languages) for name, spec in scales.items()}
        items = self.items(self.require(data, "items", list), parsed_scales, languages)
        subscales = self.subscales(data.get("subscales") or [], items, languages)
        scoring = data.get("scoring") or {}
        if not isinstance(scoring, Mapping):
            raise self.fail("scoring must be a mapping (method, min_answered, dont_know)")
        method = scoring.get("method", "mean")
        if method not in SCORING_METHODS:
            raise self.fail(f"scoring method must be sum or mean, got {method!r}")
        min_answered = scoring.get("min_answered", DEFAULT_MIN_ANSWERED)
        if not isinstance(min_answered, int | float) or not 0 < min_answered <= 1:
            raise self.fail("scoring min_answered must be a share between 0 and 1")
        dont_know = scoring.get("dont_know", "missing")
        if dont_know != "missing" and not isinstance(dont_know, int | float):
            raise self.fail("scoring dont_know must be 'missing' or a number")
        schedule = self.require(data, "schedule", Mapping)
        waves = tuple(schedule.get("waves") or ())
        if not waves or any(w not in WAVES for w in waves):
            raise self.fail(f"schedule waves must be some of {', '.join(WAVES)}")
        analysis = data.get("analysis", "change")
        if analysis not in ANALYSES:
            raise self.fail(f"analysis must be one of {', '.join(ANALYSES)}, got {analysis!r}")
        if analysis == "proportions":
            for item in items:
                if item.scale.type != "yes_no_dont_know":
                    raise self.fail("a proportions instrument asks yes/no questions", item.id)
        return Instrument(
            id=instrument_id,
            version=version,
            title=title,
            languages=languages,
            validated=validated,
            notice=notice,
            items=items,
            subscales=subscales,
            scoring=method,
            min_answered=float(min_answered),
            dont_know_score=None if dont_know == "missing" else float(dont_know),
            waves=waves,
            every_chat=bool(schedule.get("every_chat", False)),
            once=bool(schedule.get("once", False)),
            source=self.source,
            digest=digest,
            analysis=analysis,
        )

    def items(
        self, raw_items: list[Any], scales: Mapping[str, Scale], languages: tuple[str, ...]
    ) -> tuple[Item, ...]:
        if not raw_items:
            raise self.fail("an instrument needs at least one item")
        items: list[Item] = []
        for position, raw in enumerate(raw_items, start=1):
            if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
                raise self.fail(f"item number {position} needs an id")
            item_id = raw["id"]
            if not item_id.replace("_", "").isalnum():
                raise self.fail("item ids must be letters, digits and '_'", item_id)
            if any(i.id == item_id for i in items):
                raise self.fail("this item id is used twice", item_id)
            scale = scales.get(raw.get("scale"))
            if scale is None:
                raise self.fail(f"scale {raw.get('scale')!r} is not defined under scales", item_id)
            reverse = raw.get("reverse", False)
            if not isinstance(reverse, bool):
                raise self.fail("reverse must be true or false", item_id)
            if reverse and not scale.is_scored:
                raise self.fail("a choice item cannot be reverse-scored", item_id)
            shown_if = raw.get("shown_if")
            if shown_if is not None:
                kind, _, value = str(shown_if).partition(":")
                if kind != "referral" or value not in REFERRAL_KINDS:
                    raise self.fail(
                        "shown_if must be 'referral:' and one of " + ", ".join(REFERRAL_KINDS),
                        item_id,
                    )
            items.append(
                Item(
                    id=item_id,
                    text=self.texts(raw.get("text"), "text", languages, item_id),
                    scale=scale,
                    reverse=reverse,
                    breakdown=bool(raw.get("breakdown", False)),
                    shown_if=shown_if,
                )
            )
        return tuple(items)

    def subscales(
        self, raw_subscales: Any, items: tuple[Item, ...], languages: tuple[str, ...]
    ) -> tuple[Subscale, ...]:
        if not isinstance(raw_subscales, list):
            raise self.fail("subscales must be a list")
        by_id = {i.id: i for i in items}
        subscales: list[Subscale] = []
        for raw in raw_subscales:
            if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
                raise self.fail("every subscale needs an id")
            where = f"subscale {raw['id']}"
            member_ids = raw.get("items")
            if not isinstance(member_ids, list) or not member_ids:
                raise self.fail(f"{where} must list its items")
            for item_id in member_ids:
                item = by_id.get(item_id)
                if item is None:
                    raise self.fail(f"{where} lists an item that does not exist", item_id)
                if not item.scale.is_scored:
                    raise self.fail(f"{where} includes a choice item, which has no score", item_id)
            ranges = {(by_id[i].scale.minimum, by_id[i].scale.maximum) for i in member_ids}
            if len(ranges) != 1:
                raise self.fail(f"{where} mixes items on scales with different ranges")
            higher_is_better = raw.get("higher_is_better")
            if not isinstance(higher_is_better, bool):
                raise self.fail(f"{where} must say whether higher_is_better (true/false)")
            reliability = raw.get("reliability")
            if reliability is not None and (
                not isinstance(reliability, int | float) or not 0 < reliability < 1
            ):
                raise self.fail(f"{where} reliability must be between 0 and 1")
            subscales.append(
                Subscale(
                    id=raw["id"],
                    title=self.texts(raw.get("title"), f"{where} title", languages),
                    items=tuple(member_ids),
                    higher_is_better=higher_is_better,
                    reliability=None if reliability is None else float(reliability),
                )
            )
        return tuple(subscales)


def parse_instrument(text: str, source: str) -> Instrument:
    """One instrument from YAML text; ``source`` names it in errors (usually the file path)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise InstrumentError(source, f"is not valid YAML{line}") from None
    digest = hashlib.sha256(text.encode()).hexdigest()
    instrument = _Reader(source).read(data, digest)
    # The digest of the canonical definition: a change in wording or scoring changes it,
    # a change in comments or layout does not.
    canonical = hashlib.sha256(instrument._canonical.encode()).hexdigest()
    return Instrument(**{**instrument.__dict__, "digest": canonical})


def load_instruments(directories: Iterable[Path]) -> dict[str, Instrument]:
    """Every ``*.yaml`` definition in the directories, by instrument id.

    Two files may not define the same id: each instrument has one current version.
    """
    found: dict[str, Instrument] = {}
    for directory in directories:
        for path in sorted(Path(directory).glob("*.yaml")):
            instrument = parse_instrument(path.read_text(encoding="utf-8"), str(path))
            if instrument.id in found:
                raise InstrumentError(
                    str(path),
                    f"id {instrument.id!r} is already defined in {found[instrument.id].source}",
                )
            found[instrument.id] = instrument
    return found


def instrument_from_definition(definition: Mapping[str, Any], source: str) -> Instrument:
    """Rebuild a stored version (see Instrument.definition) for analysing its responses."""

    def texts(value: Mapping[str, str]) -> dict[str, str]:
        return dict(value)

    def scale(raw: Mapping[str, Any]) -> Scale:
        return Scale(
            raw["type"],
            tuple(Point(p["value"], texts(p["label"])) for p in raw["points"]),
            raw["minimum"],
            raw["maximum"],
            {end: texts(t) for end, t in raw["anchors"].items()},
        )

    fields = dict(definition)
    fields["items"] = tuple(
        Item(
            i["id"],
            texts(i["text"]),
            scale(i["scale"]),
            i["reverse"],
            i["breakdown"],
            i.get("shown_if"),
        )
        for i in definition["items"]
    )
    fields["subscales"] = tuple(
        Subscale(
            s["id"], texts(s["title"]), tuple(s["items"]), s["higher_is_better"], s["reliability"]
        )
        for s in definition["subscales"]
    )
    for name in ("languages", "waves"):
        fields[name] = tuple(definition[name])
    instrument = Instrument(**fields, source=source, digest="")
    return Instrument(
        **{
            **instrument.__dict__,
            "digest": hashlib.sha256(instrument._canonical.encode()).hexdigest(),
        }
    )
