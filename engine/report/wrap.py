"""Line wrapping for the text report, exactly as `textwrap.wrap` with `break_long_words` and
`break_on_hyphens` off, in a fraction of its time (a report wraps hundreds of lines).

The steps are textwrap's own: tabs expanded, each ASCII white-space character made a space, the
text split into words and runs of spaces, then lines filled greedily; a run of spaces that
would begin a line (but the first) is dropped, as is one that would end a line; a word longer
than the line stands alone. Text whose words are parted by single spaces (nearly all of a
report) is filled word by word. A test holds it to `textwrap.wrap` on the narratives and on
random text.
"""

from __future__ import annotations

import re

_ASCII_SPACE = str.maketrans("\t\n\x0b\x0c\r", "     ")
_SPACES = re.compile(r"( +)")


def wrap(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> list[str]:
    """`textwrap.wrap(text, width, initial_indent=..., subsequent_indent=...,
    break_long_words=False, break_on_hyphens=False)`."""
    if width <= 0:
        raise ValueError(f"invalid width {width!r} (must be > 0)")
    words = text.split()
    if words and " ".join(words) == text:  # single spaces, and no other white space
        if len(initial_indent) + len(text) <= width:
            return [initial_indent + text]  # it fits on one line
        return _words(words, width, initial_indent, subsequent_indent)
    chunks = [chunk for chunk in _SPACES.split(text.expandtabs().translate(_ASCII_SPACE)) if chunk]
    sizes = [len(chunk) for chunk in chunks]
    count = len(chunks)
    lines: list[str] = []
    at = 0
    while at < count:
        indent = subsequent_indent if lines else initial_indent
        room = width - len(indent)
        if lines and chunks[at].strip() == "":
            at += 1  # white space that would begin a line
        start, used = at, 0
        while at < count and used + sizes[at] <= room:
            used += sizes[at]
            at += 1
        if at < count and at == start and sizes[at] > room:
            at += 1  # a word longer than the line stands alone
        end = at
        if end > start and chunks[end - 1].strip() == "":
            end -= 1  # white space that would end a line
        if end > start:
            lines.append(indent + "".join(chunks[start:end]))
    return lines


def _words(words: list[str], width: int, initial_indent: str, subsequent_indent: str) -> list[str]:
    """The common case, words parted by single spaces and no other white space: the same lines,
    filled word by word."""
    lines: list[str] = []
    at, count = 0, len(words)
    while at < count:
        indent = subsequent_indent if lines else initial_indent
        room = width - len(indent)
        used = len(words[at])
        end = at + 1
        if used <= room:
            while end < count and used + 1 + len(words[end]) <= room:
                used += 1 + len(words[end])
                end += 1
        lines.append(indent + " ".join(words[at:end]))
        at = end
    return lines
