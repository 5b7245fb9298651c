"""Training texts from Markdown to HTML. Raw HTML in a module is shown as text, never run."""

from __future__ import annotations

from functools import cache

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt


@cache
def _renderer() -> MarkdownIt:
    # CommonMark with HTML switched off: tags are escaped, so a module file cannot
    # inject script or style into the page (the CSP would refuse it anyway).
    return MarkdownIt("commonmark", {"html": False})


def render(source: str) -> SafeString:
    return mark_safe(_renderer().render(source))  # noqa: S308 (escaped by markdown-it)
