"""Line wrapping for the text report, exactly as `textwrap.wrap` with `break_long_words` and
`break_on_hyphens` off, in a fraction of its time (a report wraps hundreds of lines).

The steps are textwrap's own: tabs expanded, each ASCII white-space character made a space, the
text split into words and runs of spaces, then lines filled greedily; a run of spaces that
would begin a line (but the first) is dropped, as is one that would end a line; a word longer
than the line stands alone. A test holds it to `textwrap.wrap` on every report and on random
text.
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
    chunks = [chunk for chunk in _SPACES.split(text.expandtabs().translate(_ASCII_SPACE)) if chunk]
    chunks.reverse()
    lines: list[str] = []
    while chunks:
        indent = subsequent_indent if lines else initial_indent
        room = width - len(indent)
        if lines and chunks[-1].strip() == "":
            chunks.pop()
        line: list[str] = []
        used = 0
        while chunks and used + len(chunks[-1]) <= room:
            used += len(chunks[-1])
            line.append(chunks.pop())
        if chunks and not line and len(chunks[-1]) > room:
            line.append(chunks.pop())  # a word longer than the line stands alone
        if line and line[-1].strip() == "":
            line.pop()
        if line:
            lines.append(indent + "".join(line))
    return lines
