"""The case table of the bad-input corpus (tests/test_hostile_inputs.py).

Each case breaks one file of a small workspace (the toy rulebook of tests/fixtures/audit/rules
with tests/fixtures/hostile) one way, and says what the refusal must name: the file as the
message shows it, the line (None where the problem has no line, such as a file too large to
read) and fragments of the message. Lines are found from a marker in the edited text, never
written as numbers, so the table survives edits of the fixtures.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

D = "evidence/ruritania/2011.yaml"
H = "evidence/ruritania/history.yaml"
S = "evidence/sources/ruritania-2011.txt"
RULES = "rules/rules.yaml"
VOCAB = "rules/vocabulary.yaml"
PARAMS = "rules/parameters.yaml"
BOOK = "rules/rulebook.yaml"
OUT = "out/report.txt"
LOG = "state/decisions.jsonl"


@dataclass(frozen=True)
class Expect:
    """What a refusal must say: the file, the line (or None), fragments; how many messages."""

    file: str
    line: int | None
    fragments: tuple[str, ...]
    count: int = 1


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path], Expect]  # breaks the workspace, says what the refusal must name
    command: str = "assess"  # assess (with -o and --record), check, or history (assess --history)
    env: dict[str, str] = field(default_factory=dict)
    limit: str | None = None  # the named limit that must fire


def line_of(text: str, marker: str, occurrence: int = 1) -> int:
    """The 1-based line of the `occurrence`-th `marker` in `text`."""
    at = -1
    for _ in range(occurrence):
        at = text.index(marker, at + 1)
    return text[:at].count("\n") + 1


def replace(ws: Path, rel: str, old: str, new: str, count: int = 1) -> str:
    path = ws / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    text = text.replace(old, new, count)
    path.write_text(text, encoding="utf-8")
    return text


def write(ws: Path, rel: str, text: str | bytes) -> str:
    path = ws / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
        return text.decode("utf-8", "replace")
    path.write_text(text, encoding="utf-8")
    return text


def edit(
    rel: str,
    old: str,
    new: str,
    marker: str | None,
    *fragments: str,
    count: int = 1,
    occurrence: int = 1,
) -> Callable[[Path], Expect]:
    """Replace `old` by `new` in `rel`; the refusal names `rel` at the line of `marker`."""

    def build(ws: Path) -> Expect:
        text = replace(ws, rel, old, new)
        line = None if marker is None else line_of(text, marker, occurrence)
        return Expect(rel, line, fragments, count)

    return build


def edit_source(old: str, new: str, marker: str, *fragments: str) -> Callable[[Path], Expect]:
    """Edit the source narrative; the refusal names the dossier at the line of `marker`."""

    def build(ws: Path) -> Expect:
        replace(ws, S, old, new)
        return Expect(D, line_of((ws / D).read_text(encoding="utf-8"), marker), fragments)

    return build


def whole(
    rel: str, text: str | bytes, marker: str | int | None, *fragments: str, count: int = 1
) -> Callable[[Path], Expect]:
    """Write `text` as `rel`; the refusal names `rel` at the line of `marker` (or that line)."""

    def build(ws: Path) -> Expect:
        written = write(ws, rel, text)
        line = marker if isinstance(marker, int) or marker is None else line_of(written, marker)
        return Expect(rel, line, fragments, count)

    return build


# --------------------------------------------------------------------------- hostile YAML


def bomb(levels: int, width: int, key: str = "a") -> str:
    lines = [f"{key}0: &{key}0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels + 1):
        lines.append(f"{key}{level}: &{key}{level} [{', '.join([f'*{key}{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def flow_nest(depth: int) -> str:
    return "a: " + "[" * depth + "]" * depth + "\n"


def block_nest(depth: int) -> str:
    return "".join(f"{' ' * level}k{level}:\n" for level in range(depth)) + " " * depth + "x: 1\n"


def many_records(count: int) -> str:
    return "".join(
        f"  - id: extra-{index}\n    kind: conviction_count\n"
        "    quote: The government convicted three traffickers during the reporting period.\n"
        f"    values: {{count: {index + 1}}}\n"
        for index in range(count)
    )


def hostile_cases() -> list[Case]:
    """Alias bombs, deep nesting, huge integers and files: each stopped by its named limit."""
    cases: list[Case] = []
    for levels, width in ((2, 2), (4, 10), (8, 10), (9, 10)):
        cases.append(
            Case(
                f"dossier-alias-bomb-{levels}x{width}",
                whole(
                    D,
                    "country: Ruritania\n" + bomb(levels, width),
                    "&a0",
                    "anchors and aliases (&a0) are not allowed",
                ),
            )
        )
        if levels * width > 20:  # a few aliases are fine in rules files
            cases.append(
                Case(
                    f"rules-alias-bomb-{levels}x{width}",
                    whole(
                        "rules/bomb.yaml",
                        "# a bomb\n" + bomb(levels, width),
                        f"*a{_crossing(levels, width)}",
                        "aliases expand to more than 10000 nodes",
                    ),
                    command="check",
                    limit="alias_nodes",
                )
            )
        cases.append(
            Case(
                f"history-alias-bomb-{levels}x{width}",
                whole(
                    H,
                    "country: Ruritania\n" + bomb(levels, width),
                    "&a0",
                    "anchors and aliases (&a0) are not allowed",
                ),
                command="history",
            )
        )
    cases.append(
        Case(
            "dossier-anchor-on-a-value",
            edit(D, "country: Ruritania", "country: &c Ruritania", "&c", "(&c) are not allowed"),
        )
    )
    cases.append(
        Case(
            "dossier-alias-of-a-quote",
            edit(
                D,
                "values: {count: 3}",
                "values: &v {count: 3}\n    note: *v",
                "&v",
                "(&v) are not allowed in dossiers and histories",
            ),
        )
    )
    cases.append(
        Case(
            "history-anchor-on-an-entry",
            edit(H, "- {year: 2008", "- &p {year: 2008", "&p", "(&p) are not allowed"),
            command="history",
        )
    )
    for depth in (33, 40, 1_000, 5_000, 100_000):
        cases.append(
            Case(
                f"dossier-flow-nesting-{depth}",
                whole(D, "country: Ruritania\n" + flow_nest(depth), 2, "nested deeper than 32"),
                limit="depth",
            )
        )
    for depth in (33, 200, 1_000):
        cases.append(
            Case(
                f"dossier-block-nesting-{depth}",
                whole(D, block_nest(depth), "k32:", "nested deeper than 32"),
                limit="depth",
            )
        )
        cases.append(
            Case(
                f"rules-block-nesting-{depth}",
                whole("rules/deep.yaml", block_nest(depth), "k32:", "nested deeper than 32"),
                command="check",
                limit="depth",
            )
        )
    cases.append(
        Case(
            "history-flow-nesting-5000",
            whole(H, "country: Ruritania\n" + flow_nest(5000), 2, "nested deeper than 32"),
            command="history",
            limit="depth",
        )
    )
    for digits in (19, 100, 4_301, 5_000, 100_000):
        cases.append(
            Case(
                f"dossier-report-year-{digits}-digits",
                edit(
                    D,
                    "report_year: 2011",
                    "report_year: " + "9" * digits,
                    "report_year",
                    f"an integer of {digits} digits",
                ),
                limit="int_digits",
            )
        )
    for where, old, new in (
        ("count", "values: {count: 3}", "values: {count: " + "1" * 50 + "}"),
        ("negative-count", "values: {count: 3}", "values: {count: -" + "1" * 50 + "}"),
        ("hex", "values: {count: 3}", "values: {count: 0x" + "f" * 40 + "}"),
        ("underscored", "values: {count: 3}", "values: {count: " + "1_000" * 10 + "}"),
        ("tagged", "values: {count: 3}", "values: {count: !!int '" + "7" * 30 + "'}"),
    ):
        cases.append(
            Case(
                f"dossier-long-integer-{where}",
                edit(D, old, new, "values: {count:", "an integer of"),
                limit="int_digits",
            )
        )
    cases.append(
        Case(
            "history-year-of-30-digits",
            edit(H, "year: 2008", "year: " + "2" * 30, "2" * 30, "an integer of 30 digits"),
            command="history",
            limit="int_digits",
        )
    )
    cases.append(
        Case(
            "rules-parameter-of-40-digits",
            edit(PARAMS, "value: 1}", "value: " + "1" * 40 + "}", "1" * 40, "an integer of 40"),
            command="check",
            limit="int_digits",
        )
    )
    big = "country: Ruritania\n# " + "x" * 1_100_000 + "\n"
    for rel, command in ((D, "assess"), (H, "history"), ("rules/big.yaml", "check")):
        cases.append(
            Case(
                f"oversized-file-{command}",
                whole(rel, big, None, "a file of 1100022 bytes"),
                command=command,
                limit="file_bytes",
            )
        )
    cases.append(
        Case(
            "oversized-file-lowered-limit",
            whole(D, "country: Ruritania\n# " + "x" * 20_000 + "\n", None, "a file of 20022 bytes"),
            env={"TIP_ASSESS_MAX_FILE_BYTES": "16384"},
            limit="file_bytes",
        )
    )
    for count in (501, 2_300):
        cases.append(
            Case(
                f"dossier-{count}-records",
                edit(
                    D,
                    "judgments:",
                    many_records(count) + "judgments:",
                    "id: extra-497",
                    "more than 500 records",
                ),
                limit="records",
            )
        )
    cases.append(
        Case(
            "dossier-records-lowered-limit",
            edit(D, "judgments:", many_records(3) + "judgments:", "id: extra-0", "more than 3"),
            env={"TIP_ASSESS_MAX_RECORDS": "3"},
            limit="records",
        )
    )
    cases.append(
        Case(
            "history-entries-lowered-limit",
            edit(
                H,
                "placements:\n",
                "placements:\n  - {year: 2007, placement: Tier 2, source: test fixture}\n",
                "{year: 2011",
                "more than 4 records",
            ),
            command="history",
            env={"TIP_ASSESS_MAX_RECORDS": "4"},
            limit="records",
        )
    )
    cases.append(
        Case(
            "dossier-too-many-nodes",
            edit(
                D,
                "values: {count: 3}",
                "values: {count: 3, notes: [" + ", ".join(["0"] * 60_000) + "]}",
                "notes",
                "more YAML nodes than allowed",
            ),
            limit="nodes",
        )
    )
    cases.append(
        Case(
            "source-oversized",
            edit_source(
                "Ruritania (Tier 2)", "Ruritania (Tier 2)\n" + "y" * 5_000, "source:", "a file of"
            ),
            env={"TIP_ASSESS_MAX_SOURCE_BYTES": "4096"},
            limit="source_bytes",
        )
    )
    return cases


def _crossing(levels: int, width: int) -> int:
    """The level whose first alias takes the expansion over 10,000 nodes."""
    size = width + 1  # a level-0 list: the list and its scalars
    expanded = 0
    for level in range(1, levels + 1):
        for _ in range(width):
            expanded += size
            if expanded > 10_000:
                return level - 1
        size = width * size + 1
    raise AssertionError("the bomb never crosses the limit")


def _fifo(rel: str, create: bool = False) -> Callable[[Path], Expect]:
    def build(ws: Path) -> Expect:
        path = ws / rel
        if not create:
            path.unlink()
        os.mkfifo(path)
        return Expect(rel, None, ("not a regular file",))

    return build


def _directory(rel: str) -> Callable[[Path], Expect]:
    def build(ws: Path) -> Expect:
        path = ws / rel
        path.unlink()
        path.mkdir()
        return Expect(rel, None, ("a directory",))

    return build


def _symlink_loop(rel: str) -> Callable[[Path], Expect]:
    def build(ws: Path) -> Expect:
        path = ws / rel
        path.unlink()
        path.symlink_to(path.name)
        return Expect(rel, None, ("cannot read file",))

    return build


def special_file_cases() -> list[Case]:
    return [
        Case("dossier-fifo", _fifo(D)),
        Case("dossier-directory", _directory(D)),
        Case("dossier-symlink-loop", _symlink_loop(D)),
        Case("history-fifo", _fifo(H), command="history"),
        Case("rules-fifo", _fifo("rules/extra.yaml", create=True), command="check"),
    ]
