"""Django's makemessages, with the project's conventions built in.

`make messages` runs it for both domains. Compared with Django's own command:
- the JavaScript modules call ``t("...")`` (frontend/static/frontend/js/socket.js),
  so ``t`` is a gettext keyword for the djangojs domain;
- without --locale it updates every language in settings.LANGUAGES but the source one;
- folders that are not part of the site (tests, benchmarks, docs, scripts, deploy,
  var) are never scanned;
- catalogues name the file of each string but not its line, have no obsolete
  entries, and carry no creation timestamp: a catalogue changes only when its
  strings do, so developers who add strings in parallel rarely conflict.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.commands import makemessages

NOT_PART_OF_THE_SITE = [
    "tests/*",
    "benchmarks/*",
    "docs/*",
    "scripts/*",
    "deploy/*",
    "var/*",
    "build/*",
    "*/migrations/*",
]

# The JavaScript modules' gettext and ngettext aliases (``t``, ``tn``); ``interpolate``
# needs nothing extra.
JAVASCRIPT_KEYWORDS = ["--keyword=t", "--keyword=tn:1,2"]

TIMESTAMP_LINE = re.compile(r'^"POT-Creation-Date: .*\\n"\n', re.MULTILINE)


class Command(makemessages.Command):
    help = makemessages.Command.help + " Project defaults: see chatplatform/management/commands."

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["locale"] and not options["all"]:
            options["locale"] = [
                code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE
            ]
        options["ignore_patterns"] = [*options["ignore_patterns"], *NOT_PART_OF_THE_SITE]
        if not options["no_location"] and not options["add_location"]:
            options["add_location"] = "file"
        options["no_obsolete"] = True
        options["no_wrap"] = True
        super().handle(*args, **options)

    def process_locale_dir(self, locale_dir: str, files: list) -> None:
        base_options = self.xgettext_options
        if self.domain == "djangojs":
            self.xgettext_options = [*base_options, *JAVASCRIPT_KEYWORDS]
        try:
            super().process_locale_dir(locale_dir, files)
        finally:
            self.xgettext_options = base_options

    def write_po_file(self, potfile: str, locale: str) -> None:
        super().write_po_file(potfile, locale)
        pofile = Path(potfile).parent / locale / "LC_MESSAGES" / f"{self.domain}.po"
        text = pofile.read_text(encoding="utf-8")
        pofile.write_text(TIMESTAMP_LINE.sub("", text), encoding="utf-8")
