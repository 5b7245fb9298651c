"""What the browser journeys share: one Daphne node and one Chromium per test module,
pages opened in a language, the interface's own words in that language, sign-in.

A journey names buttons and links by the words a person sees, taken from the
catalogues (``Words``), so the same test walks the English and the Spanish site and
fails if a page shows a string the catalogue does not have.
"""

from __future__ import annotations

import functools
import gettext
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.accessibility import check_page
from tests.servers import REPO_ROOT, Node, SeededDatabases, free_port, server_env, totp_code
from tests.test_browser import TIMEOUT_MS, launch_chromium

DEMO_PASSWORD = "demo-password-123"
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 900}
LANGUAGES = ["en", "es"]


def node_fixture(prefix: str, **env: str) -> Callable[[], Iterator[Node]]:
    """A module-scoped fixture: one Daphne node with the demo data, on SQLite in a temp dir."""

    @pytest.fixture(scope="module")
    def node(seeded_databases: SeededDatabases) -> Iterator[Node]:
        directory = Path(tempfile.mkdtemp(prefix=prefix))
        node_env = server_env(
            {"VAR_DIR": str(directory), "DATABASE_URL": f"sqlite:///{directory}/db.sqlite3", **env}
        )
        seeded_databases.fill(node_env)
        server = Node(env=node_env, port=free_port(), log_path=directory / "daphne.log")
        server.start()
        yield server
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)

    return node


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = launch_chromium(playwright)
        yield instance
        instance.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """``open_page(language, viewport=PHONE)``: a page in a fresh context (its own cookies
    and history), asking for ``language``; closed after the test."""
    opened: list[Any] = []

    def open_(language: str = "en", viewport: dict[str, int] = PHONE) -> Any:
        context = browser.new_context(
            viewport=viewport, locale=language, extra_http_headers={"Accept-Language": language}
        )
        opened.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        return page

    yield open_
    for context in opened:
        context.close()


@functools.cache
def _javascript_catalogue(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation(
        "djangojs", str(REPO_ROOT / "frontend" / "locale"), languages=[language]
    )


class Words:
    """The interface's words in one language: ``words("Send")`` from the Django catalogues,
    ``words.js("Connected")`` from the JavaScript one; ``%(name)s`` values as keywords."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, text: str, **values: object) -> str:
        from django.utils import translation

        with translation.override(self.language):
            translated = translation.gettext(text)
        return translated % values if values else translated

    def js(self, text: str, **values: object) -> str:
        translated = _javascript_catalogue(self.language).gettext(text)
        return translated % values if values else translated

    def js_count(self, singular: str, plural: str, count: int, **values: object) -> str:
        """A JavaScript string with plural forms, for ``count``."""
        translated = _javascript_catalogue(self.language).ngettext(singular, plural, count)
        return translated % {"count": count, **values}

    def js_pattern(self, text: str) -> re.Pattern[str]:
        """The JavaScript string as a pattern in which each ``%(name)s`` matches any value."""
        parts = re.split(r"%\(\w+\)s", _javascript_catalogue(self.language).gettext(text))
        return re.compile(".+?".join(map(re.escape, parts)))


def at(path: str) -> re.Pattern[str]:
    """An address whose path is exactly ``path`` (a pattern), whatever its query: so that
    ``/survey/consent/?next=/survey/before/`` is not taken for ``/survey/before/``."""
    return re.compile(rf"^[a-z]+://[^/?#]+{path}(?:[?#].*)?$")


def arrive(page: Any, path: str) -> None:
    """Wait until the page at ``path`` (a pattern) has loaded. Until its scripts have run,
    its forms post the ordinary way, adding an entry to the tab's history."""
    from playwright.sync_api import expect

    expect(page).to_have_url(at(path))
    page.wait_for_load_state()


def pages_behind(page: Any) -> list[str]:
    """Every address the Back button leads to from here, most recent first."""
    addresses = []
    while page.go_back(wait_until="commit") is not None:
        addresses.append(page.url)
    # Chromium may not report a navigation back to the tab's first blank page.
    if page.url not in addresses:
        addresses.append(page.url)
    return addresses


def leave_quickly_and_find_nothing_behind(page: Any, node: Node, words: Words) -> None:
    """Press "Leave quickly": the exit page replaces this one and Back finds no page of the site."""
    from playwright.sync_api import expect

    page.get_by_role("link", name=words("Leave quickly")).click()
    expect(page).to_have_url("about:blank")
    behind = pages_behind(page)
    assert not [url for url in behind if url.startswith(node.base_url)], behind


def sign_in(page: Any, node: Node, email: str, next_path: str = "") -> None:
    suffix = f"?next={next_path}" if next_path else ""
    page.goto(node.base_url + "/accounts/login/" + suffix)
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit].primary").click()


def set_up_two_steps(page: Any, name: str) -> str:
    """The first sign-in of a role that needs two steps: type the key, enter a code."""
    from playwright.sync_api import expect

    expect(page).to_have_url(at(r"/accounts/2fa/totp/activate/"))
    check_page(page, f"{name}-totp-setup")
    assert page.locator("input[name=password]").count() == 0, "the password was asked again"
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("#id_code").fill(totp_code(secret))
    page.locator("main button[type=submit].primary").click()
    expect(page).to_have_url(at(r"/accounts/2fa/recovery-codes/"))
    check_page(page, f"{name}-recovery-codes")
    page.locator("main a.button.primary").click()
    return secret


def enter_code(page: Any, secret: str, name: str) -> None:
    """A later sign-in's second step. A code is accepted once: the next period's is used."""
    from playwright.sync_api import expect

    expect(page).to_have_url(at(r"/accounts/2fa/authenticate/"))
    check_page(page, f"{name}-code")
    page.locator("#id_code").fill(totp_code(secret, steps_ahead=1))
    page.locator("main button[type=submit].primary").click()


def sign_in_mentor(page: Any, node: Node, email: str, words: Words) -> None:
    """Sign in as a demo mentor and become available on the console."""
    from playwright.sync_api import expect

    sign_in(page, node, email)
    expect(page).to_have_url(at(r"/staff/"))
    expect(page.locator("#conn-status")).to_have_text(words.js("Connected"))
    page.get_by_label(words("Available")).check()
    page.get_by_role("button", name=words("Save")).click()
    expect(page.locator("#me-summary")).to_contain_text(
        words.js("%(active)s of %(max)s chats open.", active=0, max=3)
    )
