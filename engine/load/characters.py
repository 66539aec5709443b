"""Characters no text this tool reads may hold: the reports show the text as written, and
terminals and viewers act on control characters (clear a screen, retitle a window, overwrite a
line) and on bidirectional overrides (a text displays other than it reads).

Each check looks at the text only when it must: the common text holds none of them, and these
checks run on every file loaded.
"""

from __future__ import annotations

import re

# C0 but tab and newline, DEL, C1. In YAML only a double-quoted escape can write one (libyaml
# refuses them written raw).
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The same, less the carriage return of a narrative saved with Windows line ends.
_NARRATIVE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The bytes of UTF-8 text free of them (a C1 character is \xc2 and one of \x80-\x9f).
_TEXT_BYTES = bytes(range(0x20, 0x7F)) + b"\t\n\r" + bytes(range(0x80, 0x100))
_C1_BYTES = re.compile(rb"\xc2[\x80-\x9f]")
# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): no narrative
# of the reports needs one.
_BIDI_CHARACTERS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_NAMES = {"\x1b": "escape", "\r": "carriage return", "\x07": "bell", "\x0c": "form feed"}


def control_name(char: str) -> str:
    """`U+001B`, with the character's common name when it has one."""
    code = f"U+{ord(char):04X}"
    return f"{code}, {_NAMES[char]}" if char in _NAMES else code


def first_bidi(text: str) -> int | None:
    """Where the first bidirectional control of `text` is, if any. An ASCII text has none (a
    flag of the string, not a scan); otherwise each is looked for with `str.find`, many times
    faster than a character class."""
    if text.isascii():
        return None
    found = [at for at in (text.find(char) for char in _BIDI_CHARACTERS) if at >= 0]
    return min(found) if found else None


def bidi_message(char: str) -> str:
    return (
        f"a bidirectional control character (U+{ord(char):04X}): it makes the text display "
        "other than it reads; remove it"
    )


def narrative_problem(text: str, raw: bytes) -> tuple[int, str] | None:
    """The offset of the first character a narrative may not hold, and why; `raw` is the text's
    UTF-8, which says at C speed whether the text needs searching for control characters."""
    has_control = raw.translate(None, _TEXT_BYTES) or _C1_BYTES.search(raw)
    control = _NARRATIVE_CONTROL.search(text) if has_control else None
    bidi = first_bidi(text)
    if bidi is not None and (control is None or bidi < control.start()):
        return bidi, bidi_message(text[bidi])
    if control is not None:
        return control.start(), (
            f"a control character ({control_name(control.group())}) in the source text: the "
            "reports show the narrative, and terminals and viewers act on it; remove it"
        )
    return None
