"""Accessibility and screenshots for the browser tests.

``check_page`` runs axe-core (bundled, pinned: axe-playwright-python) on the page as it
is now, with every rule axe enables by default, and fails on any violation of any
impact. It also saves the page at 375 and 1280 px wide under var/screenshots/, so a
person can look at every page and state after each run.
"""

from __future__ import annotations

import re
from typing import Any

from axe_playwright_python.sync_playwright import Axe

from tests.servers import REPO_ROOT

SCREENSHOTS = REPO_ROOT / "var" / "screenshots"
WIDTHS = (375, 1280)
_axe = Axe()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    results = _axe.run(page, options={"resultTypes": ["violations"]})
    return results.response["violations"]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:5]]
        lines.append(f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}")
    return "\n".join(lines)


def screenshot(page: Any, name: str) -> None:
    """Save the whole page at each width, then give the page back its own width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    original = page.viewport_size
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": original["height"] if original else 800})
        page.screenshot(path=str(SCREENSHOTS / f"{slug}-{width}.png"), full_page=True)
    if original:
        page.set_viewport_size(original)


def check_page(page: Any, name: str) -> None:
    """No axe violation of any impact on the page as it is; screenshots saved as ``name``."""
    violations = axe_violations(page)
    screenshot(page, name)
    assert not violations, f"{name}: {len(violations)} axe violation(s)\n{describe(violations)}"
