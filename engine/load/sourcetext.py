"""A source narrative, indexed once: quotes are found with white space folded, then located.

The text is folded once (every run of white space becomes one space), with the number of words
before each line and each paragraph; a quote's line and paragraph are found by counting the
words before it and bisecting. A quote that does not occur is
explained: the closest passage of the source, and the first character where the two differ
(a typographic apostrophe where the source has a straight one is the usual cause).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

from engine.models import normalise_space

_HEADER_REPORT = re.compile(r"^#\s*report:\s*(?P<text>.*)$")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# Characters that look alike in a narrative and are the usual reason a quote does not match.
_LOOKALIKES = frozenset(
    "'\"`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u2032\u2033-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
)


@dataclass(frozen=True)
class QuoteLocation:
    """Where a quote stands in the source narrative: line and paragraph (1-based)."""

    line: int
    paragraph: int


@dataclass(frozen=True)
class HeaderYear:
    """The report year a source's `# report:` header line names."""

    year: int
    line: int
    text: str


class SourceText:
    """One source narrative with its folded form and the word counts to locate quotes."""

    def __init__(self, text: str) -> None:
        self.text = text
        # str.split's white space is re's \s, character for character (a test holds them to it).
        self.folded = " ".join(text.split())
        # A quote found at an offset of the folded text begins in the word the spaces before
        # that offset count; words never span lines or paragraphs, so the words before each
        # line and each paragraph (block between blank lines) place it.
        self._words_before_line = list(
            accumulate((len(line.split()) for line in text.split("\n")), initial=0)
        )[:-1]
        block_words = [len(block.split()) for block in text.split("\n\n")]
        self._words_before_block = list(accumulate(block_words, initial=0))[:-1]
        # Paragraphs are the blocks that hold a word: blank blocks are not counted.
        self._paragraphs_before_block = list(
            accumulate((1 if words else 0 for words in block_words), initial=0)
        )[:-1]

    def _word(self, folded_at: int) -> int:
        """The index of the word the character at `folded_at` in the folded text belongs to
        (a space: the word before it)."""
        return self.folded.count(" ", 0, folded_at)

    def _line(self, word: int) -> int:
        return bisect_right(self._words_before_line, word)

    def _paragraph(self, word: int) -> int:
        return self._paragraphs_before_block[bisect_right(self._words_before_block, word) - 1] + 1

    def locate(self, quote: str) -> QuoteLocation | None:
        """The line and paragraph (1-based) the quote begins in, or None if it does not occur."""
        folded_quote = normalise_space(quote)
        if not folded_quote:
            return None
        at = self.folded.find(folded_quote)
        if at < 0:
            return None
        word = self._word(at)
        return QuoteLocation(line=self._line(word), paragraph=self._paragraph(word))

    def header_year(self) -> HeaderYear | None:
        """The year in the `# report:` line of the header comments, if there is one."""
        for number, raw in enumerate(self.text.splitlines()[:40], start=1):
            line = raw.strip()
            if line and not line.startswith("#"):
                return None
            match = _HEADER_REPORT.match(line)
            if match:
                year = _YEAR.search(match.group("text"))
                return HeaderYear(int(year.group()), number, line) if year else None
        return None

    def mismatch(self, quote: str) -> str:
        """Why `quote` does not occur: the closest passage and the first differing character."""
        folded_quote = normalise_space(quote)
        if not folded_quote:
            return "the quote is empty"
        prefix = self._longest(folded_quote, suffix=False)
        suffix = self._longest(folded_quote, suffix=True)
        if max(prefix, suffix) < min(8, len(folded_quote) // 2 + 1):
            return "no passage of the source begins or ends like it"
        # The start of the quote, when it matches far enough, gives the true first difference.
        if prefix >= min(20, len(folded_quote) // 4) or prefix >= suffix:
            start = self.folded.find(folded_quote[:prefix])
            differs_at = prefix  # in the quote
            source_at = start + prefix  # in the folded source
            passage_start = start
        else:
            end = self.folded.find(folded_quote[-suffix:])
            differs_at = len(folded_quote) - suffix - 1
            source_at = end - 1
            passage_start = max(0, end - differs_at - 1)
        line = self._line(self._word(min(passage_start, len(self.folded) - 1)))
        passage = self.folded[max(0, passage_start - 10) : passage_start + len(folded_quote) + 10]
        theirs = folded_quote[differs_at]
        ours = self.folded[source_at] if 0 <= source_at < len(self.folded) else None
        found = "the source ends there" if ours is None else f"the source has {_describe(ours)}"
        hint = ""
        if theirs in _LOOKALIKES and ours in _LOOKALIKES:
            hint = " (typographic and straight quotes, apostrophes and dashes must match exactly)"
        return (
            f'closest passage (source line {line}): "{_shorten(passage)}"; first difference at '
            f"character {differs_at + 1} of the quote: the quote has {_describe(theirs)} where "
            f"{found}{hint}"
        )

    def _longest(self, quote: str, suffix: bool) -> int:
        """The length of the longest prefix (or suffix) of `quote` that occurs in the source."""
        low, high = 0, len(quote)
        while low < high:
            middle = (low + high + 1) // 2
            part = quote[-middle:] if suffix else quote[:middle]
            if part in self.folded:
                low = middle
            else:
                high = middle - 1
        return low


def _describe(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    shown = char if char.isprintable() and not char.isspace() else " " if char == " " else "?"
    return f"'{shown}' (U+{ord(char):04X} {name})"


def _shorten(text: str, width: int = 160) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
