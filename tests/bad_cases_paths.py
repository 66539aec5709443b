"""The case table of the bad-input corpus: quotes that do not match their source, sources
outside the evidence tree, and outputs that would replace an input."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from bad_cases import dossier
from hostile_cases import (
    RULES,
    Case,
    D,
    Expect,
    H,
    line_of,
    replace,
    write,
)

# --------------------------------------------------------------------------- quotes


def quote_cases() -> list[Case]:
    not_found = "quote does not occur in the source text"
    return [
        dossier(
            "quote-curly-apostrophe",
            "government's general",
            "government\u2019s general",
            "government\u2019s",
            not_found,
            "(record 'general-shelters')",
            "U+2019",
            "U+0027",
            "must match exactly",
        ),
        dossier(
            "quote-hyphen-for-em-dash",
            "shelters — none",
            "shelters - none",
            "shelters - n",
            not_found,
            "U+002D HYPHEN-MINUS",
            "U+2014 EM DASH",
        ),
        dossier(
            "quote-typographic-double-quotes",
            "quote: One trafficker was sentenced to five years in prison.",
            'quote: "described the shelters as \u201cadequate\u201d"',
            "described",
            not_found,
            "U+201C",
        ),
        dossier(
            "quote-word-changed",
            "convicted three traffickers",
            "convicted four traffickers",
            "four traffickers",
            not_found,
            "(record 'convictions')",
            "first difference at character 26",
            "'f' (U+0066",
        ),
        dossier(
            "quote-extended",
            "five years in prison.",
            "five years in prison and fined.",
            "and fined",
            not_found,
            "first difference",
        ),
        dossier(
            "quote-case-changed",
            "quote: The government convicted",
            "quote: the government convicted",
            "quote: the",
            not_found,
            "'t' (U+0074",
        ),
        dossier(
            "quote-empty",
            "quote: One trafficker was sentenced to five years in prison.",
            'quote: ""',
            'quote: ""',
            "String should have at least 1 character",
        ),
        dossier(
            "quote-blank",
            "quote: One trafficker was sentenced to five years in prison.",
            'quote: "   "',
            'quote: "   "',
            not_found,
            "the quote is empty",
        ),
        dossier(
            "quote-from-elsewhere",
            "quote: One trafficker was sentenced to five years in prison.",
            "quote: Lorem ipsum dolor sit amet.",
            "Lorem",
            not_found,
            "no passage of the source begins or ends like it",
        ),
        dossier(
            "quote-in-a-judgment",
            "    basis: [sentence-5y]",
            "    basis: [sentence-5y]\n    quote: sentences were lenient",
            "lenient",
            not_found,
            "(record 'sentence-commensurate')",
        ),
        dossier(
            "quote-spanning-two-paragraphs",
            "quote: One trafficker was sentenced to five years in prison.",
            "quote: in prison. Victims may stay in the state's shelters",
            "in prison. V",
            not_found,
        ),
    ]


# --------------------------------------------------------------------------- paths and outputs


def _source(
    case_id: str, new: str, *fragments: str, prepare: Callable[[Path], None] | None = None
) -> Case:
    def build(ws: Path) -> Expect:
        if prepare is not None:
            prepare(ws)
        text = replace(ws, D, "../sources/ruritania-2011.txt", new)
        return Expect(D, line_of(text, "source:"), fragments)

    return Case(f"source-{case_id}", build)


def _outside(ws: Path) -> None:
    write(ws, "outside.txt", "The government convicted three traffickers.\n")


def _link_out(ws: Path) -> None:
    _outside(ws)
    (ws / "evidence/sources/link.txt").symlink_to(ws / "outside.txt")


def _fifo_source(ws: Path) -> None:
    os.mkfifo(ws / "evidence/sources/pipe.txt")


def path_cases() -> list[Case]:
    outside = "is outside the evidence tree"
    cases = [
        _source("absolute-etc-passwd", "/etc/passwd", outside, "never reads or records"),
        _source("climbing-to-etc-passwd", "../../../../../../../etc/passwd", outside),
        _source("beside-the-evidence-tree", "../../outside.txt", outside, prepare=_outside),
        _source("link-out-of-the-tree", "../sources/link.txt", outside, prepare=_link_out),
        _source("device", "/dev/zero", outside),
        _source("missing", "../sources/missing.txt", "source text not found"),
        _source("directory", "../sources", "cannot read: a directory"),
        _source("fifo", "../sources/pipe.txt", "not a regular file", prepare=_fifo_source),
        _source(
            "nul-byte",
            '"../sources/bad\\0name.txt"',
            "a control character (U+0000) in a quoted string",
        ),
    ]

    def other_root(ws: Path) -> Expect:
        (ws / "elsewhere").mkdir()
        text = (ws / D).read_text(encoding="utf-8")
        return Expect(D, line_of(text, "source:"), ("outside the root set in TIP_ASSESS_SOURCES",))

    cases.append(
        Case(
            "source-outside-a-configured-root", other_root, env={"TIP_ASSESS_SOURCES": "elsewhere"}
        )
    )

    def bad_source_byte(ws: Path) -> Expect:
        raw = (ws / "evidence/sources/ruritania-2011.txt").read_bytes()
        raw = raw.replace(b"One trafficker", b"One traf\xfficker")
        (ws / "evidence/sources/ruritania-2011.txt").write_bytes(raw)
        line = raw[: raw.index(b"\xff")].count(b"\n") + 1
        return Expect("evidence/sources/ruritania-2011.txt", line, ("not UTF-8",))

    cases.append(Case("source-not-utf8", bad_source_byte))
    cases.append(
        dossier(
            "source-report-year-contradicted",
            "report_year: 2011",
            "report_year: 2012",
            "report_year",
            "report_year 2012 contradicts the source, which is the 2011 report",
        )
    )
    for name, target in (
        ("dossier", D),
        ("source", "evidence/sources/ruritania-2011.txt"),
        ("history", H),
        ("rules-file", RULES),
    ):
        cases.append(Case(f"output-over-the-{name}", _output(target), command="output"))
    cases.append(
        Case("output-over-a-hard-link-to-the-dossier", _output_link(hard=True), command="output")
    )
    cases.append(
        Case("output-over-a-symlink-to-the-dossier", _output_link(hard=False), command="output")
    )
    cases.append(
        Case("output-over-the-decision-log", _output("state/decisions.jsonl"), command="output")
    )
    return cases


def _output(target: str) -> Callable[[Path], Expect]:
    def build(ws: Path) -> Expect:
        fragment = "decision log" if target.startswith("state/") else "over an input"
        return Expect(target, None, (fragment,))

    return build


def _output_link(hard: bool) -> Callable[[Path], Expect]:
    def build(ws: Path) -> Expect:
        link = ws / "out" / "link.yaml"
        link.parent.mkdir(exist_ok=True)
        if hard:
            os.link(ws / D, link)
        else:
            link.symlink_to(ws / D)
        return Expect("out/link.yaml", None, ("over an input",))

    return build
