"""evaluation reads metadata only: it never imports the code that decrypts messages."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "evaluation"
FORBIDDEN = (
    "chatplatform.crypto",
    "chatplatform.services.keys",
    "chatplatform.services.messages",
    "chatplatform.services.queue",
    "chatplatform.services.access",
)


def imported_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_no_evaluation_module_imports_decryption_or_its_callers():
    for path in APP.rglob("*.py"):
        names = imported_names(path)
        assert not any(n.startswith(FORBIDDEN) for n in names), path
        assert not any(n.endswith("decrypt_message") for n in names), path
