"""The case table of the bad-input corpus, continued: malformed YAML, wrong types and enums,
missing, unknown and duplicate keys and ids, quotes that do not match, unsafe paths and outputs,
impossible histories, broken rules files and `check` on the wrong things."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from hostile_cases import (
    RULES,
    Case,
    D,
    Expect,
    H,
    edit,
    line_of,
    replace,
    whole,
    write,
)


def dossier(
    case_id: str, old: str, new: str, marker: str | None, *fragments: str, **kw: int
) -> Case:
    return Case(case_id, edit(D, old, new, marker, *fragments, **kw))


def history(
    case_id: str, old: str, new: str, marker: str | None, *fragments: str, **kw: int
) -> Case:
    return Case(case_id, edit(H, old, new, marker, *fragments, **kw), command="history")


def rules(
    case_id: str, rel: str, old: str, new: str, marker: str | None, *fragments: str, **kw: int
) -> Case:
    return Case(case_id, edit(rel, old, new, marker, *fragments, **kw), command="check")


# --------------------------------------------------------------------------- malformed YAML


def malformed_cases() -> list[Case]:
    bad = "malformed YAML"
    cases = [
        dossier(
            "yaml-unclosed-flow-mapping",
            "{count: 3}",
            "{count: 3",
            "- id: sentence-5y",
            "did not find expected ',' or '}'",
        ),
        dossier(
            "yaml-unclosed-flow-sequence",
            "basis: [sentence-5y]",
            "basis: [sentence-5y",
            "values: {commensurate",
            "did not find expected ',' or ']'",
        ),
        dossier("yaml-stray-bracket", "records:", "records: ]", "records: ]", bad),
        dossier(
            "yaml-value-after-value", "country: Ruritania", "country: Ruritania: x", "country:", bad
        ),
        dossier(
            "yaml-tab-indentation", "    kind: sentence\n", "\tkind: sentence\n", "\tkind", bad
        ),
        dossier(
            "yaml-over-indented-key",
            "    kind: sentence\n",
            "      kind: sentence\n",
            "      kind",
            bad,
        ),
        dossier("yaml-list-item-in-mapping", "judgments:", "- stray\njudgments:", "- stray", bad),
        dossier(
            "yaml-unknown-escape",
            "quote: One trafficker",
            'quote: "\\q One trafficker',
            '"\\q',
            bad,
        ),
        dossier(
            "yaml-unterminated-single-quote",
            "country: Ruritania",
            "country: 'Ruritania",
            "government's",
            bad,
        ),
        dossier(
            "yaml-reserved-indicator-at",
            "country: Ruritania",
            "country: @Ruritania",
            "country:",
            bad,
        ),
        dossier(
            "yaml-reserved-indicator-backtick",
            "country: Ruritania",
            "country: `Ruritania",
            "country:",
            bad,
        ),
        dossier(
            "yaml-control-character",
            "country: Ruritania",
            "country: Ruri\x07tania",
            "country:",
            bad,
        ),
        dossier(
            "yaml-second-document",
            "judgments:",
            "---\njudgments:",
            "---",
            "expected a single document",
        ),
        dossier(
            "yaml-directive-of-a-later-version",
            "# A dossier",
            "%YAML 2.0\n---\n# A dossier",
            "%YAML",
            bad,
        ),
        dossier(
            "yaml-merge-key",
            "values: {count: 3}",
            "values: {<<: {count: 3}}",
            "<<",
            "merge keys are not supported",
        ),
        dossier(
            "yaml-complex-key",
            "country: Ruritania",
            "? [a, b]\n: c\ncountry: Ruritania",
            "? [a",
            "a mapping key must be a plain value",
        ),
        dossier(
            "yaml-python-tag-on-a-list",
            "country: Ruritania",
            'country: !!python/object/apply:os.system ["echo hi"]',
            "country:",
            "tag 'tag:yaml.org,2002:python/object/apply:os.system' is not supported",
        ),
        dossier(
            "yaml-python-tag-on-a-value",
            "country: Ruritania",
            "country: !!python/name:os.system",
            "country:",
            "is not supported",
        ),
        dossier(
            "yaml-binary-tag",
            "country: Ruritania",
            "country: !!binary aGVsbG8=",
            "country:",
            "is not supported",
        ),
        dossier(
            "yaml-local-tag",
            "country: Ruritania",
            "country: !secret Ruritania",
            "country:",
            "the tag '!secret' is not supported",
        ),
        dossier(
            "yaml-set-tag",
            "basis: [sentence-5y]",
            "basis: !!set {sentence-5y}",
            "basis:",
            "is not supported",
        ),
        dossier(
            "yaml-int-tag-on-text",
            "report_year: 2011",
            "report_year: !!int twenty",
            "report_year",
            "cannot read 'twenty' as tag:yaml.org,2002:int",
        ),
        dossier(
            "yaml-bool-tag-on-text",
            "{specialized: false}",
            "{specialized: !!bool maybe}",
            "specialized",
            "cannot read 'maybe'",
        ),
        dossier(
            "yaml-float-tag-on-text",
            "{prison_years: 5}",
            "{prison_years: !!float five}",
            "prison_years",
            "cannot read 'five'",
        ),
        dossier(
            "yaml-timestamp-tag-on-text",
            "report_year: 2011",
            "report_year: !!timestamp someday",
            "report_year",
            "cannot read 'someday'",
        ),
        Case("yaml-empty-file", whole(D, "", 1, "a dossier must be a mapping")),
        Case("yaml-comment-only", whole(D, "# nothing here\n", 1, "a dossier must be a mapping")),
        Case(
            "yaml-top-level-list",
            whole(D, "- country: Ruritania\n", 1, "a dossier must be a mapping"),
        ),
        Case("yaml-top-level-text", whole(D, "Ruritania 2011\n", 1, "a dossier must be a mapping")),
    ]
    for name, raw, line in (
        ("latin-1-byte", "country: Ruritania\nnote: caf\xe9\n".encode("latin-1"), 2),
        ("truncated-sequence", b"country: Ruritania\nreport_year: 2011\nnote: \xe2\x82\n", 3),
        ("utf-16", "country: Ruritania\n".encode("utf-16"), 1),
        ("stray-continuation-byte", b"country: Ruri\x80tania\n", 1),
    ):
        cases.append(Case(f"non-utf8-dossier-{name}", whole(D, raw, line, "not UTF-8 text")))
    cases.append(
        Case(
            "non-utf8-history",
            whole(H, b"country: Ruritania\nplacements: []\nnote: \xff\n", 3, "not UTF-8 text"),
            command="history",
        )
    )
    cases.append(
        Case(
            "non-utf8-rules-file",
            whole("rules/latin.yaml", b"# r\xe8gles\nrules: []\n", 1, "not UTF-8 text"),
            command="check",
        )
    )
    return cases


# --------------------------------------------------------------------------- types and keys


def structure_cases() -> list[Case]:
    valid_string = "Input should be a valid string"
    return [
        dossier(
            "type-country-list",
            "country: Ruritania",
            "country: [Ruritania]",
            "country:",
            valid_string,
        ),
        dossier(
            "type-country-mapping",
            "country: Ruritania",
            "country: {name: Ruritania}",
            "country:",
            valid_string,
        ),
        dossier(
            "type-country-null", "country: Ruritania", "country: null", "country:", valid_string
        ),
        dossier(
            "type-report-year-too-early",
            "report_year: 2011",
            "report_year: 2000",
            "report_year",
            "greater than or equal to 2001",
        ),
        dossier(
            "type-report-year-too-late",
            "report_year: 2011",
            "report_year: 2101",
            "report_year",
            "less than or equal to 2100",
        ),
        dossier(
            "type-report-year-fraction",
            "report_year: 2011",
            "report_year: 2011.5",
            "report_year",
            "fractional part",
        ),
        dossier(
            "type-report-year-word",
            "report_year: 2011",
            "report_year: twenty-eleven",
            "report_year",
            "valid integer",
        ),
        dossier(
            "type-report-year-list",
            "report_year: 2011",
            "report_year: [2011]",
            "report_year",
            "valid integer",
        ),
        dossier(
            "type-report-year-date",
            "report_year: 2011",
            "report_year: 2011-06-27",
            "report_year",
            "report_year",
        ),
        dossier(
            "enum-completeness",
            "country: Ruritania",
            "country: Ruritania\ncompleteness: full",
            "completeness",
            "'complete' or 'partial'",
        ),
        dossier(
            "type-source-text",
            'source: {file: ../sources/ruritania-2011.txt, title: "Toy report on Ruritania, 2011"}',
            "source: ../sources/ruritania-2011.txt",
            "source:",
            "source",
        ),
        dossier(
            "type-source-file-number",
            "file: ../sources/ruritania-2011.txt",
            "file: 2011",
            "source:",
            valid_string,
        ),
        dossier(
            "type-records-mapping",
            "records:\n",
            "records: {}\nold:\n",
            "records:",
            "valid list",
            count=2,
        ),
        dossier(
            "type-record-number",
            "  - id: convictions",
            "  - 7\n  - id: convictions",
            "  - 7",
            "valid dictionary",
        ),
        dossier(
            "type-record-id-pattern",
            "id: convictions",
            "id: Bad Id!",
            "Bad Id",
            "should match pattern",
        ),
        dossier("type-record-id-number", "id: convictions", "id: 7", "id: 7", valid_string),
        dossier(
            "enum-record-kind-unknown",
            "kind: conviction_count",
            "kind: convictions_count",
            "convictions_count",
            "unknown evidence kind 'convictions_count'",
        ),
        dossier(
            "enum-judgment-kind-in-records",
            "kind: conviction_count",
            "kind: sentence_severity",
            "kind: sentence_severity",
            "is a judgment kind: put it under 'judgments'",
            count=3,
        ),
        dossier(
            "enum-fact-kind-in-judgments",
            "kind: sentence_severity",
            "kind: victim_shelter",
            "kind: victim_shelter",
            "is a kind of fact",
            count=3,
            occurrence=2,
        ),
        dossier(
            "type-integer-field-word",
            "{count: 3}",
            "{count: three}",
            "{count:",
            "expected a whole number",
        ),
        dossier(
            "type-integer-field-fraction",
            "{count: 3}",
            "{count: 3.5}",
            "{count:",
            "expected a whole number",
        ),
        dossier(
            "type-integer-field-boolean",
            "{count: 3}",
            "{count: true}",
            "{count:",
            "expected a whole number",
        ),
        dossier(
            "type-number-field-word",
            "{prison_years: 5}",
            "{prison_years: five}",
            "prison_years",
            "expected a number",
        ),
        dossier(
            "type-boolean-field-text",
            "{specialized: false}",
            '{specialized: "no"}',
            "specialized",
            "expected true or false",
        ),
        dossier(
            "type-boolean-field-number",
            "{specialized: false}",
            "{specialized: 0}",
            "specialized",
            "expected true or false",
        ),
        dossier(
            "type-judgment-value",
            "{commensurate: true}",
            "{commensurate: mostly}",
            "{commensurate:",
            "expected true or false",
        ),
        dossier(
            "type-values-list",
            "values: {count: 3}",
            "values: [3]",
            "values: [3]",
            "valid dictionary",
        ),
        dossier(
            "type-quote-number",
            "quote: One trafficker",
            "quote: 5\n    note: One trafficker",
            "quote: 5",
            valid_string,
        ),
        dossier(
            "type-quote-list",
            "quote: One trafficker was sentenced to five years in prison.",
            "quote: [One trafficker]",
            "quote: [One",
            valid_string,
        ),
        dossier(
            "type-rationale-empty",
            "rationale: Five years",
            'rationale: ""\n    note: Five',
            'rationale: ""',
            "at least 1 character",
            count=2,
        ),
        dossier(
            "type-basis-text", "basis: [sentence-5y]", "basis: sentence-5y", "basis:", "valid list"
        ),
        dossier(
            "judgment-basis-empty", "basis: [sentence-5y]", "basis: []", "basis:", "has no basis"
        ),
        dossier(
            "judgment-basis-missing",
            "    basis: [sentence-5y]\n",
            "",
            "- id: sentence-comm",
            "has no basis",
        ),
        dossier(
            "judgment-basis-unknown-record",
            "basis: [sentence-5y]",
            "basis: [sentence-9y]",
            "basis:",
            "basis names unknown record 'sentence-9y'",
        ),
        dossier(
            "judgment-rationale-missing",
            "    rationale: Five years is commensurate with the penalty for rape in Ruritania's code.\n",
            "",
            "- id: sentence-comm",
            "rationale",
            "required key is missing",
        ),
        dossier(
            "missing-country",
            "country: Ruritania\n",
            "",
            "report_year",
            "country",
            "required key is missing",
        ),
        dossier(
            "missing-report-year",
            "report_year: 2011\n",
            "",
            "country",
            "report_year",
            "required key is missing",
        ),
        dossier(
            "missing-source",
            'source: {file: ../sources/ruritania-2011.txt, title: "Toy report on Ruritania, 2011"}\n',
            "",
            "country",
            "source",
            "required key is missing",
        ),
        dossier(
            "missing-source-file",
            "file: ../sources/ruritania-2011.txt, ",
            "",
            "source:",
            "required key is missing",
        ),
        dossier(
            "missing-record-id",
            "  - id: convictions\n    kind",
            "  - kind",
            "  - kind: conv",
            "required key is missing",
        ),
        dossier(
            "missing-record-kind",
            "    kind: sentence\n",
            "",
            "- id: sentence-5y",
            "required key is missing",
        ),
        dossier(
            "missing-required-field",
            "values: {count: 3}",
            "values: {}",
            "values: {}",
            "required field is missing",
        ),
        dossier(
            "unknown-top-level-key",
            "country: Ruritania",
            "country: Ruritania\ntier: Tier 1",
            "tier:",
            "unknown key",
        ),
        dossier(
            "unknown-misspelt-key",
            "report_year: 2011",
            "report_yaer: 2011",
            "report_yaer",
            "unknown key",
            count=2,
        ),
        dossier(
            "unknown-record-key",
            "    kind: sentence\n",
            "    kind: sentence\n    qoute: x\n",
            "qoute",
            "unknown key",
        ),
        dossier(
            "unknown-source-key",
            "file: ../sources",
            "fiel: x, file: ../sources",
            "source:",
            "unknown key",
        ),
        dossier(
            "unknown-judgment-key",
            "    basis: [sentence-5y]",
            "    basis: [sentence-5y]\n    weight: 3",
            "weight",
            "unknown key",
        ),
        dossier(
            "unknown-value-field", "{count: 3}", "{count: 3, counted: 4}", "counted", "counted"
        ),
        dossier(
            "duplicate-record-id",
            "id: sentence-5y",
            "id: convictions",
            "id: convictions",
            "duplicate record id 'convictions'",
            occurrence=2,
            count=2,
        ),
        dossier(
            "duplicate-judgment-id",
            "id: sentence-commensurate",
            "id: general-shelters",
            "id: general-shelters",
            "duplicate record id 'general-shelters'",
            occurrence=2,
        ),
        dossier(
            "duplicate-top-level-key",
            "report_year: 2011",
            "report_year: 2011\ncountry: X",
            "country: X",
            "duplicate key 'country'",
        ),
        dossier(
            "duplicate-value-key",
            "{count: 3}",
            "{count: 3, count: 4}",
            "{count: 3, count",
            "duplicate key 'count'",
        ),
        dossier(
            "duplicate-source-key",
            'title: "Toy',
            'file: x, title: "Toy',
            "source:",
            "duplicate key 'file'",
        ),
        dossier(
            "duplicate-record-key",
            "    kind: sentence\n",
            "    kind: sentence\n    kind: sentence\n",
            "kind: sentence",
            "duplicate key 'kind'",
            occurrence=2,
        ),
    ]


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
        _source("nul-byte", '"../sources/bad\\0name.txt"', "cannot resolve"),
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
        return Expect("evidence/ruritania/../sources/ruritania-2011.txt", line, ("not UTF-8",))

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
