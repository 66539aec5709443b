"""Text from a dossier or the rules inside a Markdown report: shown as written, never acted on
(a country named "<script>" stays text). Kept apart from the assessment's Markdown renderer so
that every report that writes Markdown escapes alike without importing it."""

from __future__ import annotations

import re
from typing import Any

# What Markdown would act on in a dossier's text (a country, a quote, a rationale) or the rules':
# a `<` that could open a tag, a comment or a declaration (raw HTML), an entity reference, a `]`
# that could close a link or an image, a backslash that would escape the mark after it, and
# asterisks and tildes (emphasis, strikethrough). Each is escaped, so that the text reads as
# written, as in the text and HTML reports. Underscores (in URLs and names) and backticks (the
# engine's own `commands`) are left as they are: at worst they style a word.
_ACTIVE = re.compile(r"<(?=[A-Za-z/!?])|&(?=#?\w+;)|\](?=[(\[])|\\(?=[!-/:-@\[-`{-~])|[*~]")
# A text that starts as a block would: a heading, a quote, a list item, a reference definition.
_BLOCK_START = re.compile(
    r"(\s*)(#{1,6}(?=\s|$)|>|[-+](?=\s|$)|\d{1,9}(?=[.)](?:\s|$))|\[(?=[^\]]*\]:))"
)
_ENTITIES = {"<": "&lt;", "&": "&amp;"}


def _escape(found: re.Match[str]) -> str:
    mark = found.group()
    return _ENTITIES.get(mark) or "\\" + mark


def md_text(text: Any) -> str:
    """Text from a dossier or the rules, shown as written: Markdown's marks escaped."""
    escaped = _ACTIVE.sub(_escape, str(text))
    start = _BLOCK_START.match(escaped)
    if start is None:
        return escaped
    lead, mark = start.groups()
    if mark[0].isdigit():  # "1." or "1)" starts an ordered list: escape what follows the number
        end = start.end()
        return escaped[:end] + "\\" + escaped[end:]
    return lead + "\\" + escaped[len(lead) :]


_CODE_OR_EMPHASIS = re.compile(r"[`_]")


def md_cell(text: Any) -> str:
    """A dossier's text inside a line or a table cell: on one line, Markdown's inline marks
    escaped, backticks and underscores too (a country is never code or emphasis), and pipes
    (a cell starts no block, so a lone "-" stays as written)."""
    escaped = _ACTIVE.sub(_escape, " ".join(str(text).split()))
    return _CODE_OR_EMPHASIS.sub(r"\\\g<0>", escaped).replace("|", "\\|")
