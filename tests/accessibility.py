"""Accessibility and screenshots for the browser tests.

``check_page`` runs axe-core (bundled, pinned: axe-playwright-python) on the page as it
is now, at 375 and at 1280 px wide, with every rule axe enables by default, and fails on
any violation of any impact. It also saves the page at both widths under
var/screenshots/, so a person can look at every page and state after each run.
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


def check_page(page: Any, name: str) -> None:
    """No axe violation of any impact on the page as it is, at 375 and at 1280 px wide; the
    whole page saved at each width as ``name``. The page gets its own width back after."""
    # A navigation that has just committed: let its page finish loading first.
    page.wait_for_load_state()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    original = page.viewport_size
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": original["height"] if original else 800})
        violations = axe_violations(page)
        if violations:
            found.append(f"at {width} px: {len(violations)} violation(s)\n{describe(violations)}")
        page.screenshot(path=str(SCREENSHOTS / f"{slug}-{width}.png"), full_page=True)
    if original:
        page.set_viewport_size(original)
    assert not found, f"{name}: " + "\n".join(found)
