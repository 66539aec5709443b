"""The case table of the bad-input corpus, continued: helpers, and malformed YAML."""

from __future__ import annotations

from hostile_cases import (
    Case,
    D,
    H,
    edit,
    whole,
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
