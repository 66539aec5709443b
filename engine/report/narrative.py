"""The narrative with every recorded quote marked: where each quote stands, line by line.

Quotes are found as the loader finds them (runs of white space folded), so a quote wrapped over
two lines of the source is marked on both. Overlapping quotes are marked once, with every record
they belong to.
"""

from __future__ import annotations

import html
import itertools
from dataclasses import dataclass

from engine.models import normalise_space
from engine.report.context import anchor


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    record: str


@dataclass(frozen=True)
class Piece:
    """Part of one narrative line: plain text, or text inside the quotes of `records`."""

    text: str
    records: tuple[str, ...]
    starts: tuple[str, ...]  # records whose quote begins here (for their anchors)


def quote_spans(text: str, quotes: dict[str, str]) -> list[Span]:
    """Character spans of each record's quote in the original text (first occurrence)."""
    folded: list[str] = []
    origin: list[int] = []
    space = False
    for index, char in enumerate(text):
        if char.isspace():
            if space:
                continue
            folded.append(" ")
            space = True
        else:
            folded.append(char)
            space = False
        origin.append(index)
    flat = "".join(folded)
    spans = []
    for record, quote in sorted(quotes.items()):
        needle = normalise_space(quote)
        at = flat.find(needle) if needle else -1
        if at >= 0:
            spans.append(Span(origin[at], origin[at + len(needle) - 1] + 1, record))
    return sorted(spans, key=lambda s: (s.start, s.end, s.record))


def lines(text: str, quotes: dict[str, str]) -> list[tuple[int, list[Piece]]]:
    """(line number, pieces) for every line of the narrative."""
    spans = quote_spans(text, quotes)
    out = []
    offset = 0
    for number, line in enumerate(text.split("\n"), start=1):
        end = offset + len(line)
        inside = [s for s in spans if s.start < end and s.end > offset]
        cuts = {offset, end}
        for span in inside:
            cuts.add(max(span.start, offset))
            cuts.add(min(span.end, end))
        points = sorted(cuts)
        pieces = []
        for a, b in itertools.pairwise(points):
            if a == b:
                continue
            covering = tuple(s.record for s in inside if s.start <= a and s.end >= b)
            starting = tuple(s.record for s in inside if s.start == a)
            pieces.append(Piece(text[a:b], covering, starting))
        out.append((number, pieces))
        offset = end + 1
    return out


def narrative_html(
    text: str,
    quotes: dict[str, str],
    record_href: dict[str, str],
    id_prefix: str = "",
) -> str:
    """The narrative as HTML paragraphs, one per non-blank line, each quote a <mark> linked to
    its record (where `record_href` has it) with an anchor `quote-<record>` at its start."""
    parts = []
    for number, pieces in lines(text, quotes):
        if not "".join(p.text for p in pieces).strip():
            continue
        body = []
        for piece in pieces:
            chunk = html.escape(piece.text)
            if piece.records:
                names = " ".join(piece.records)
                ids = "".join(
                    f'<span class="quote-anchor" id="{id_prefix}quote-{anchor(r)}"></span>'
                    for r in piece.starts
                )
                target = next((record_href[r] for r in piece.records if r in record_href), None)
                inner = f'<a href="{html.escape(target)}">{chunk}</a>' if target else chunk
                chunk = f'{ids}<mark data-records="{html.escape(names)}" title="{html.escape(names)}">{inner}</mark>'
            body.append(chunk)
        parts.append(
            f'<p class="line" id="{id_prefix}line-{number}"><span class="ln">{number}</span> '
            + "".join(body)
            + "</p>"
        )
    return "\n".join(parts)
