"""Practice scenarios: a scripted participant as a YAML decision tree. No Django here.

A node says one line (in English and Spanish); the trainee's reply moves the tree on by
the first branch whose words appear in it (either language, case-insensitive, matched
at word starts), else by the branch that has no words. A node with ``end: true`` ends
the practice. What the trainee wrote is used for this choice only, never stored here.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chatplatform.mentoring.curriculum import LANGUAGES, MODULE_ID


class ScenarioError(ValueError):
    """A scenario file breaks a rule; ``str()`` names the file and the problem."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")


@dataclass(frozen=True)
class Branch:
    words: tuple[str, ...]  # lower-cased, both languages; empty: the default branch
    goto: str

    def matches(self, reply: str) -> bool:
        lowered = reply.lower()
        return any(re.search(r"(?<!\w)" + re.escape(word), lowered) for word in self.words)


@dataclass(frozen=True)
class Node:
    id: str
    say: Mapping[str, str]
    branches: tuple[Branch, ...]
    end: bool


@dataclass(frozen=True)
class Scenario:
    id: str
    version: int
    title: Mapping[str, str]
    persona: Mapping[str, str]
    start: str
    nodes: Mapping[str, Node]
    digest: str

    def next_node(self, current: str, reply: str) -> Node | None:
        """Where the trainee's reply leads from ``current``; None once the practice ended."""
        node = self.nodes[current]
        if node.end:
            return None
        chosen = next((b for b in node.branches if b.words and b.matches(reply)), None)
        if chosen is None:
            chosen = next(b for b in node.branches if not b.words)
        return self.nodes[chosen.goto]


def _text(source: str, value: Any, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) != set(LANGUAGES):
        raise ScenarioError(source, f"{what} must give exactly en and es")
    if not all(isinstance(v, str) and v.strip() for v in value.values()):
        raise ScenarioError(source, f"{what} is empty")
    return {k: v.strip() for k, v in value.items()}


def _branch(source: str, node_id: str, raw: Any) -> Branch:
    if not isinstance(raw, dict) or "goto" not in raw or set(raw) - {"words", "goto"}:
        raise ScenarioError(source, f"node {node_id!r}: each branch has goto and maybe words")
    words: list[str] = []
    if "words" in raw:
        by_language = raw["words"]
        if not isinstance(by_language, dict) or set(by_language) - set(LANGUAGES):
            raise ScenarioError(source, f"node {node_id!r}: words are listed per language")
        for listed in by_language.values():
            if not isinstance(listed, list) or not all(isinstance(w, str) for w in listed):
                raise ScenarioError(source, f"node {node_id!r}: words must be a list of text")
            words.extend(w.lower().strip() for w in listed if w.strip())
    return Branch(words=tuple(words), goto=str(raw["goto"]))


def load_scenario(path: Path) -> Scenario:
    source = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ScenarioError(source, f"cannot be read: {error}") from None
    if not isinstance(data, dict):
        raise ScenarioError(source, "must be a YAML mapping")
    scenario_id = data.get("id")
    if not isinstance(scenario_id, str) or not MODULE_ID.match(scenario_id):
        raise ScenarioError(source, "id must be lower-case letters, digits and hyphens")
    raw_nodes = data.get("nodes")
    if not isinstance(raw_nodes, dict) or not raw_nodes:
        raise ScenarioError(source, "nodes must map node ids to nodes")
    nodes: dict[str, Node] = {}
    for node_id, raw in raw_nodes.items():
        if not isinstance(raw, dict) or set(raw) - {"say", "next", "end"}:
            raise ScenarioError(source, f"node {node_id!r}: give say, and next or end")
        end = raw.get("end", False) is True
        branches = tuple(_branch(source, node_id, b) for b in raw.get("next", []) or [])
        if end == bool(branches):
            raise ScenarioError(source, f"node {node_id!r}: either ends or has branches")
        if branches and sum(1 for b in branches if not b.words) != 1:
            raise ScenarioError(source, f"node {node_id!r}: needs exactly one branch without words")
        nodes[str(node_id)] = Node(
            str(node_id), _text(source, raw.get("say"), node_id), branches, end
        )
    for node in nodes.values():
        for branch in node.branches:
            if branch.goto not in nodes:
                raise ScenarioError(source, f"node {node.id!r} goes to unknown {branch.goto!r}")
    start = data.get("start")
    if start not in nodes:
        raise ScenarioError(source, "start must name a node")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ScenarioError(source, "version must be a whole number from 1")
    return Scenario(
        id=scenario_id,
        version=version,
        title=_text(source, data.get("title"), "title"),
        persona=_text(source, data.get("persona"), "persona"),
        start=str(start),
        nodes=nodes,
        digest=hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest(),
    )


def load_scenarios(directory: Path) -> dict[str, Scenario]:
    scenarios = [load_scenario(p) for p in sorted(directory.glob("*.yaml"))]
    found: dict[str, Scenario] = {}
    for scenario in scenarios:
        if scenario.id in found:
            raise ScenarioError(scenario.id, "is defined twice")
        found[scenario.id] = scenario
    return found
