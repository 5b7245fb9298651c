"""The Spanish catalogues are complete and match the source.

Every app keeps its catalogues in ``<app>/locale/es/LC_MESSAGES/`` (``django.po`` for
templates and Python, ``djangojs.po`` for the JavaScript modules). ``make messages``
extracts; a developer then translates the new entries. These tests fail on any
untranslated or fuzzy entry, on a string in the source that the catalogue lacks (or one
it keeps after the source dropped it), and on a format placeholder a translation lost.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from tests.servers import REPO_ROOT

APPS = ["chatplatform", "moderation", "escalation", "evaluation", "frontend"]
LANGUAGES = ["es"]
# Source strings whose Spanish is spelled the same. Any other entry whose translation
# equals its English is English left in place, and fails.
SAME_IN_SPANISH = {
    "Mentor", "Supervisor", "id", "API", "Spam", "%(by)s: %(action)s (%(target)s)",
    "Australia", "No", "no",
}  # fmt: skip


def catalogues(root: Path = REPO_ROOT) -> list[Path]:
    return sorted(
        path
        for app in APPS
        for language in LANGUAGES
        for path in (root / app / "locale" / language / "LC_MESSAGES").glob("*.po")
    )


def entry_key(entry: polib.POEntry) -> tuple[str | None, str, str]:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


def describe(path: Path) -> str:
    return str(path.relative_to(path.parents[4]))


def test_every_app_with_strings_has_both_catalogues_where_it_needs_them():
    names = {describe(path) for path in catalogues()}
    assert {f"{app}/locale/es/LC_MESSAGES/django.po" for app in APPS} <= names
    assert "frontend/locale/es/LC_MESSAGES/djangojs.po" in names


@pytest.mark.parametrize("path", catalogues(), ids=describe)
def test_catalogue_has_no_untranslated_or_fuzzy_entry(path: Path):
    catalogue = polib.pofile(str(path))
    assert catalogue.metadata.get("Language") == "es"
    assert not catalogue.metadata_is_fuzzy, "the header is marked fuzzy"
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"untranslated in {describe(path)}: {untranslated}"
    assert not fuzzy, f"fuzzy (check, then remove the flag) in {describe(path)}: {fuzzy}"
    assert not catalogue.obsolete_entries(), "obsolete entries: run `make messages`"
    copied = [
        entry.msgid
        for entry in catalogue
        if entry.msgstr == entry.msgid and entry.msgid not in SAME_IN_SPANISH
    ]
    assert not copied, f"English copied as the Spanish in {describe(path)}: {copied}"


@pytest.mark.parametrize("path", catalogues(), ids=describe)
def test_msgfmt_accepts_the_catalogue_with_its_placeholders(path: Path, tmp_path: Path):
    """msgfmt --check: each %(name)s of the source is in the translation; the header is sound."""
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "out.mo"), str(path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the source with its catalogues freshly extracted by `make messages`' command."""
    root = tmp_path_factory.mktemp("source")
    for app in APPS:
        shutil.copytree(
            REPO_ROOT / app,
            root / app,
            ignore=shutil.ignore_patterns("__pycache__", "*.mo", "*.jsonl"),
        )
    shutil.copy(REPO_ROOT / "manage.py", root / "manage.py")
    environment = {**os.environ, "DEBUG": "true", "VAR_DIR": str(root / "var")}
    for domain in ("django", "djangojs"):
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "--domain", domain],
            cwd=root,
            env=environment,
            check=True,
            capture_output=True,
        )
    return root


@pytest.mark.parametrize("path", catalogues(), ids=describe)
def test_catalogue_holds_exactly_the_strings_of_the_source(path: Path, extracted: Path):
    committed = polib.pofile(str(path))
    fresh = polib.pofile(str(extracted / path.relative_to(REPO_ROOT)))
    in_source = {entry_key(entry) for entry in fresh if not entry.obsolete}
    in_catalogue = {entry_key(entry) for entry in committed if not entry.obsolete}
    missing = sorted(key[1] for key in in_source - in_catalogue)
    stale = sorted(key[1] for key in in_catalogue - in_source)
    assert not missing, (
        f"in the source but not in {describe(path)} (run `make messages`): {missing}"
    )
    assert not stale, f"in {describe(path)} but no longer in the source: {stale}"


def test_no_app_has_strings_without_a_catalogue(extracted: Path):
    """A new JavaScript file or app with strings gets its catalogue from `make messages`."""
    produced = {str(path.relative_to(extracted)) for path in catalogues(extracted)}
    committed = {str(path.relative_to(REPO_ROOT)) for path in catalogues()}
    assert produced <= committed, f"catalogues not committed: {sorted(produced - committed)}"
