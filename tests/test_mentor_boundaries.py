"""The chat core reaches the mentor programme only through the hooks the settings name."""

from __future__ import annotations

from pathlib import Path

from tests.test_evaluation_boundaries import imported_names

CORE = Path(__file__).resolve().parent.parent / "chatplatform"
PROGRAMME = CORE / "mentoring"


def test_no_core_module_imports_the_mentor_programme():
    for path in CORE.rglob("*.py"):
        if PROGRAMME in path.parents:
            continue
        names = imported_names(path)
        assert not any(n.startswith("chatplatform.mentoring") for n in names), path
