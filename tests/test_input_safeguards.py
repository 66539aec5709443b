"""The safeguards around bad input that are not refusals: raising a limit, file permissions of
outputs, idempotent recording (a retried `assess --record`), `check` sorting files by content,
lint on impossible histories, quotes located through the folded index."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import support
from hostile_cases import D, H, many_records
from hypothesis import given, settings
from hypothesis import strategies as st
from test_hostile_inputs import build_workspace, invoke

from engine.audit.decision_log import DecisionLog
from engine.load.rules import load_rulebook
from engine.load.sourcetext import SourceText
from engine.models import normalise_space
from engine.quality.lint import lint


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return build_workspace(tmp_path / "ws")


def grow(ws: Path, count: int) -> None:
    path = ws / D
    path.write_text(path.read_text().replace("judgments:", many_records(count) + "judgments:"))


# --------------------------------------------------------------------------- limits


@pytest.mark.parametrize(
    ("args", "env"),
    [
        # --no-fragility: the limit is under test, not the what-if sweep of 520 records
        (["--limit", "records=600", "assess", D, "--rules", "rules", "--no-fragility"], {}),
        (["assess", D, "--rules", "rules", "--limit", "records=600", "--no-fragility"], {}),
        (["assess", D, "--rules", "rules", "--no-fragility"], {"TIP_ASSESS_MAX_RECORDS": "600"}),
    ],
    ids=["before-the-command", "after-the-command", "environment"],
)
def test_a_raised_limit_lets_a_large_dossier_through(
    ws: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str]
) -> None:
    grow(ws, 520)
    refused = invoke(ws, ["assess", D, "--rules", "rules"], {}, monkeypatch)
    assert refused.exit_code == 2 and "limit 'records' = 500" in refused.stderr
    accepted = invoke(ws, args, env, monkeypatch)
    assert accepted.exit_code == 0, accepted.stderr
    assert ": Tier 2 (determined)\n" in accepted.stdout.splitlines(keepends=True)[0]
    # an override lasts one command
    again = invoke(ws, ["assess", D, "--rules", "rules"], {}, monkeypatch)
    assert again.exit_code == 2 and "limit 'records' = 500" in again.stderr


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--limit", "recrods=5", "check"], {}, "expected NAME=N with NAME one of file_bytes"),
        (["--limit", "records=0", "check"], {}, "must be a positive whole number"),
        (["--limit", "records", "check"], {}, "expected NAME=N"),
        (["check", "evidence"], {"TIP_ASSESS_MAX_DEPTH": "deep"}, "TIP_ASSESS_MAX_DEPTH"),
    ],
)
def test_a_bad_limit_setting_is_a_usage_error(
    ws: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str], message: str
) -> None:
    result = invoke(ws, [*args, "--rules", "rules"], env, monkeypatch)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["rules", "list"], ["check", "evidence"]])
def test_a_bad_limit_in_the_environment_is_said_once(
    ws: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    env = {"TIP_ASSESS_MAX_RECORDS": "abc", "TIP_ASSESS_MAX_DEPTH": "-3"}
    result = invoke(ws, [*args, "--rules", "rules"], env, monkeypatch)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: TIP_ASSESS_MAX_DEPTH: the limit 'depth' must be a positive whole number (got '-3')",
        "error: TIP_ASSESS_MAX_RECORDS: the limit 'records' must be a positive whole number "
        "(got 'abc')",
    ]
    assert result.stdout == ""


def test_a_few_aliases_in_a_rules_file_are_fine(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = ws / "rules" / "rules.yaml"
    text = path.read_text()
    text = text.replace(
        "text: Sentences are commensurate with those for grave crimes.",
        "text: &grave Sentences are commensurate with those for grave crimes.",
        1,
    ).replace("text: Sentences are commensurate with those for grave crimes.", "text: *grave")
    assert "*grave" in text
    path.write_text(text)
    result = invoke(ws, ["check", "--rules", "rules"], {}, monkeypatch)
    assert result.exit_code == 0, result.stderr


# --------------------------------------------------------------------------- outputs


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_outputs_get_the_permissions_of_any_new_file(
    ws: Path, monkeypatch: pytest.MonkeyPatch, mask: int
) -> None:
    old = os.umask(mask)
    try:
        result = invoke(ws, ["assess", D, "--rules", "rules", "-o", "out/new.txt"], {}, monkeypatch)
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.stderr
    assert (ws / "out/new.txt").stat().st_mode & 0o777 == 0o666 & ~mask


def test_an_existing_output_keeps_its_mode(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = ws / "out" / "kept.txt"
    target.write_text("old\n")
    target.chmod(0o604)
    result = invoke(ws, ["assess", D, "--rules", "rules", "-o", "out/kept.txt"], {}, monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert target.stat().st_mode & 0o777 == 0o604
    assert target.read_text().startswith("Ruritania, report year 2011")


# --------------------------------------------------------------------------- idempotent log


def record(ws: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> object:
    args = ["assess", D, "--rules", "rules", "--record", "--log", "state/log.jsonl", "--by", "ana"]
    return invoke(ws, [*args, *extra], {}, monkeypatch)


def test_a_retry_with_the_same_request_id_is_not_recorded_twice(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = record(ws, monkeypatch, "--request-id", "ticket-42")
    second = record(ws, monkeypatch, "--request-id", "ticket-42")
    assert first.exit_code == second.exit_code == 0  # type: ignore[attr-defined]
    assert first.stdout == second.stdout  # type: ignore[attr-defined]
    assert "recorded decision 1" in first.stderr  # type: ignore[attr-defined]
    assert "already recorded as decision 1" in second.stderr  # type: ignore[attr-defined]
    log = DecisionLog(ws / "state/log.jsonl")
    assert [entry["request_id"] for entry in log.entries()] == ["ticket-42"]
    third = record(ws, monkeypatch, "--request-id", "ticket-43")
    assert "recorded decision 2" in third.stderr  # type: ignore[attr-defined]
    assert log.verify().ok and log.verify().entries == 2


def test_a_request_id_reused_for_another_decision_is_refused(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert record(ws, monkeypatch, "--request-id", "r1").exit_code == 0  # type: ignore[attr-defined]
    before = (ws / "state/log.jsonl").read_bytes()
    path = ws / D
    path.write_text(path.read_text().replace("{count: 3}", "{count: 4}"))
    result = record(ws, monkeypatch, "--request-id", "r1")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "request id 'r1' was already used for entry 1" in result.stderr  # type: ignore[attr-defined]
    assert "evidence_sha256" in result.stderr  # type: ignore[attr-defined]
    assert (ws / "state/log.jsonl").read_bytes() == before


KILL_AFTER_APPEND = """
import os, sys
from engine.audit import decision_log
from engine.cli.main import main

append = decision_log.DecisionLog.append

def append_then_die(self, record):
    append(self, record)  # durably written (fsync) ...
    os._exit(137)         # ... and the writer dies before it can acknowledge it

decision_log.DecisionLog.append = append_then_die
sys.argv = ["tip-assess", *sys.argv[1:]]
main()
"""


def test_a_writer_killed_after_appending_can_retry_without_a_duplicate(ws: Path) -> None:
    args = ["assess", D, "--rules", "rules", "--record", "--log", "state/log.jsonl"]
    args += ["--by", "ana", "--request-id", "job-7"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIP_ASSESS_")}
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_APPEND, *args],
        cwd=ws,
        env={**env, "PYTHONPATH": str(support.ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert killed.returncode == 137, killed.stderr
    assert "recorded decision" not in killed.stderr  # never acknowledged
    assert killed.stdout == ""
    retry = subprocess.run(
        [sys.executable, "-m", "engine", *args],
        cwd=ws,
        env={**env, "PYTHONPATH": str(support.ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert retry.returncode == 0, retry.stderr
    assert "already recorded as decision 1" in retry.stderr
    assert retry.stdout.startswith("Ruritania, report year 2011")
    log = DecisionLog(ws / "state/log.jsonl")
    assert len(log.entries()) == 1
    assert log.verify().ok


# --------------------------------------------------------------------------- check by content


def test_check_sorts_files_by_content_not_by_name(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (ws / H).rename(ws / "evidence/ruritania/placements-2008-2010.yaml")
    shutil.copy(ws / D, ws / "evidence/ruritania/history.yaml")  # a dossier named history.yaml
    shutil.copytree(ws / "rules", ws / "evidence/other-rules")
    result = invoke(ws, ["check", "evidence", "rules", "--rules", "rules"], {}, monkeypatch)
    assert result.exit_code == 0, result.stderr
    # 2 dossiers, 1 history; rules: the 5 files in use, and the 5 of the other rulebook
    assert "2 dossier(s), 1 placement history(ies) and 10 rules file(s) are valid" in result.stdout
    shutil.rmtree(ws / "evidence/other-rules")
    shutil.copy(ws / "rules/rules.yaml", ws / "evidence/ruritania/stray-rules.yaml")
    result = invoke(ws, ["check", "evidence", "--rules", "rules"], {}, monkeypatch)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: evidence/ruritania/stray-rules.yaml:1: this is a rules file, outside the rules "
        "directory in use (rules)"
    )


def test_check_names_the_rules_directory_it_looked_for(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = invoke(ws, ["check", "evidence", "--rules", "nowhere"], {}, monkeypatch)
    assert result.exit_code == 2
    assert f"rules directory not found (looked for {ws / 'nowhere'}" in result.stderr


# --------------------------------------------------------------------------- lint


def test_lint_fails_on_impossible_histories(ws: Path) -> None:
    extra = ws / "rules" / "rules_extra.yaml"
    extra.write_text(
        extra.read_text().replace(
            "    then: {conclude: downgrade, value: due}\n",
            "    then: {conclude: downgrade, value: due}\n"
            "    examples:\n"
            "      - name: downgraded from Tier 1\n"
            "        evidence:\n"
            "          - {kind: prior_placement, values: {years_before: 1, year: 2008,"
            " placement: Tier 1, automatic_downgrade: true}}\n"
            "        expect: does_not_fire\n",
        )
    )
    history = ws / H
    history.write_text(history.read_text().replace("{year: 2011", "{year: 2020"))
    result = lint(ws / "rules", "rules", evidence=ws / "evidence")
    messages = [problem.render() for problem in result.problems]
    assert any(
        re.match(
            r"rules/rules_extra\.yaml:\d+: rule downgrade\.due: .*the history cannot be true", m
        )
        and "only gives placement 'Tier 3'" in m
        for m in messages
    ), messages
    assert any(m.startswith(f"{ws / H}:") and "a waiver for 2020" in m for m in messages), messages


def test_the_downgrade_years_come_from_the_real_rulebook(tmp_path: Path) -> None:
    history = tmp_path / "peru" / "history.yaml"
    history.parent.mkdir()
    text = (support.EVIDENCE / "peru" / "history.yaml").read_text()
    history.write_text(
        text.replace(
            "  - year: 2010\n    placement: Tier 2\n",
            "  - year: 2010\n    placement: Tier 3\n    automatic_downgrade: true\n",
        )
    )
    from engine.errors import InputError
    from engine.load.history import load_history

    with pytest.raises(InputError) as caught:
        load_history(history, support.rulebook())
    [problem] = caught.value.problems
    assert problem.line is not None
    assert "before the automatic downgrade existed (first report year 2011, rule " in (
        problem.message
    )


# --------------------------------------------------------------------------- quotes


def reference_locate(source: str, quote: str) -> tuple[int, int] | None:
    """The quote locator as it was before the folded index (walks both texts in step), the
    quote's first character counted in its paragraph (a quote that begins a paragraph is in
    that paragraph, not the one before)."""
    folded_source = normalise_space(source)
    folded_quote = normalise_space(quote)
    at = folded_source.find(folded_quote)
    if at < 0:
        return None
    original = folded = 0
    text = source.strip()
    lead = len(source) - len(source.lstrip())
    while folded < at and original < len(text):
        if text[original].isspace():
            while original < len(text) and text[original].isspace():
                original += 1
            folded += 1
        else:
            original += 1
            folded += 1
    prefix = source[: lead + original + 1]
    paragraphs = [block for block in prefix.split("\n\n") if block.strip()]
    return prefix.count("\n") + 1, max(1, len(paragraphs))


WORDS = st.sampled_from(["a", "bb", "law", "’s", "x", "\n", "\n\n", " ", "\t", "\n\n\n", "  "])


@settings(max_examples=300, derandomize=True, deadline=None)
@given(words=st.lists(WORDS, max_size=40), start=st.integers(0, 40), size=st.integers(1, 8))
def test_the_folded_index_locates_quotes_as_the_walk_did(
    words: list[str], start: int, size: int
) -> None:
    source = "".join(words)
    quote = "".join(words[start : start + size])
    if not normalise_space(quote):
        return
    found = SourceText(source).locate(quote)
    expected = reference_locate(source, quote)
    assert (None if found is None else (found.line, found.paragraph)) == expected


def test_a_quote_is_located_in_the_paragraph_it_begins() -> None:
    source = SourceText("# header\n\nFirst paragraph.\n\n\n\nSecond one,\nwrapped.\n\nThird.")
    found = {
        quote: (location.line, location.paragraph)
        for quote in ("First", "paragraph.", "Second one, wrapped.", "wrapped.", "Third.")
        if (location := source.locate(quote)) is not None
    }
    assert found == {
        "First": (3, 2),
        "paragraph.": (3, 2),
        "Second one, wrapped.": (7, 3),
        "wrapped.": (8, 3),
        "Third.": (10, 4),
    }
    across = source.locate("paragraph. Second")  # a quote across two: where it begins
    assert across is not None and (across.line, across.paragraph) == (3, 2)


def test_every_quote_of_the_corpus_is_located_as_before() -> None:
    book = support.rulebook()
    for path in sorted(support.EVIDENCE.glob("*/*.yaml")):
        if path.name == "history.yaml":
            continue
        loaded = support.load_dossier(path, book)
        for record in [*loaded.dossier.records, *loaded.dossier.judgments]:
            if record.quote is None:
                continue
            location = loaded.locations[record.id]
            expected = reference_locate(loaded.source_text, record.quote)
            assert (location.line, location.paragraph) == expected, (path, record.id)


def test_a_mismatch_shows_the_closest_passage() -> None:
    source = SourceText("Intro.\n\nThe minister said: 'we act'. Then nothing happened.\n")
    message = source.mismatch("The minister said: ‘we act’.")
    assert "closest passage (source line 3)" in message
    assert "character 20 of the quote" in message
    assert "U+2018 LEFT SINGLE QUOTATION MARK" in message and "U+0027 APOSTROPHE" in message


def test_problems_of_the_rulebook_section_name_its_file_and_line() -> None:
    book = load_rulebook(support.RULES, "rules")
    text = (support.RULES / "rulebook.yaml").read_text()
    line = text[: text.index("placement_kind:")].count("\n") + 1
    assert book.info_location("history.placement_kind") == ("rules/rulebook.yaml", line)


# --------------------------------------------------------------------------- the YAML builder


TRICKY_SCALARS = """\
plain: word
quoted: "2007"
single: 'true'
year: 2007
negative: -3
float: 2.5
exp: 1e3
bools: [true, false, yes, no, on, off, True, FALSE]
nulls: [null, ~, Null, '']
empty:
date: 2007-06-12
words: [none_confirmed, official_complicity, trafficking, '0x10', 0x10, 0o17, .5, +1, ".inf"]
tagged: !!str 12
block: |
  two
  lines
folded: >
  one
  line
"""


def test_the_loader_reads_every_value_as_pyyaml_does(tmp_path: Path) -> None:
    """The builder resolves plain strings without the resolver's pattern search and keeps the
    tags it has seen: its values must be PyYAML's own, on every committed YAML file and on
    scalars that test each resolver."""
    import yaml

    from engine.load.yamlsource import load_yaml_file

    # PyYAML's safe loader on libyaml's parser (its pure-Python parser gives the same values,
    # ten times slower); the resolver and the constructors are PyYAML's own either way.
    reference = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    tricky = tmp_path / "tricky.yaml"
    tricky.write_text(TRICKY_SCALARS, encoding="utf-8")
    files = [
        tricky,
        *sorted(support.RULES.glob("*.yaml")),
        *sorted(support.EVIDENCE.rglob("*.yaml")),
    ]
    assert len(files) > 20
    for path in files:
        ours, _, _ = load_yaml_file(path)
        theirs = yaml.load(path.read_text(encoding="utf-8"), Loader=reference)
        assert ours == theirs, path
        assert repr(ours) == repr(theirs), (
            path
        )  # the same types too (1 is not True, 2007 not '2007')


def _node_lines(node: Any, value: Any, path: tuple[Any, ...], out: dict[Any, int]) -> None:
    """The line of every key and item below `node`, from the marks of PyYAML's composer."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        for (key_node, value_node), key in zip(node.value, value, strict=True):
            out[(*path, key)] = key_node.start_mark.line + 1
            _node_lines(value_node, value[key], (*path, key), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out[(*path, index)] = item.start_mark.line + 1
            _node_lines(item, value[index], (*path, index), out)


def test_the_line_of_every_key_and_item_is_the_composers(tmp_path: Path) -> None:
    """The builder reads a key and its value in one step and keeps its own line map: it must
    give every key (and list item) the line PyYAML's composer marks it at, on every committed
    YAML file without anchors and on scalars that test each resolver."""
    import yaml

    from engine.load.yamlsource import load_yaml_file

    tricky = tmp_path / "tricky.yaml"
    tricky.write_text(TRICKY_SCALARS + "nested:\n  - {a: 1, b: [x, {c: d}]}\n  - - e\n", "utf-8")
    files = [
        tricky,
        *sorted(support.RULES.glob("*.yaml")),
        *sorted(support.EVIDENCE.rglob("*.yaml")),
    ]
    compared = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        node = yaml.compose(text, Loader=loader)
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=loader)):
            continue  # an alias's lines are those of its anchor (test_hostile_inputs)
        data, lines, _ = load_yaml_file(path)
        expected = {(): node.start_mark.line + 1}
        _node_lines(node, data, (), expected)
        assert lines.lines == expected, path
        compared += 1
    assert compared > 20


def test_pyyamls_own_parser_gives_the_same_values_and_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without libyaml the builder reads the events of PyYAML's pure-Python parser, which ends
    its stream the same way."""
    import yaml

    from engine.load import yamlsource

    tricky = tmp_path / "tricky.yaml"
    tricky.write_text(TRICKY_SCALARS, "utf-8")
    files = [tricky, support.RULES / "rulebook.yaml", support.EVIDENCE / "peru" / "2007.yaml"]
    with_libyaml = [yamlsource.load_yaml_file(path)[:2] for path in files]
    monkeypatch.setattr(yamlsource, "_PARSER", yaml.SafeLoader)
    for path, (data, lines) in zip(files, with_libyaml, strict=True):
        ours, our_lines, _ = yamlsource.load_yaml_file(path)
        assert (ours, our_lines.lines) == (data, lines.lines), path


def test_a_remembered_integer_is_refused_when_the_limit_falls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The builder remembers short plain values (years, counts) by their text: an integer read
    once under the default limit must still be refused under a lower one."""
    from engine.errors import InputError
    from engine.load import limits
    from engine.load.yamlsource import load_yaml_text

    text = "count: 123456\nitems: [123456]\n"
    assert load_yaml_text(text, "a.yaml")[0] == {"count": 123456, "items": [123456]}
    monkeypatch.setenv(limits.LIMITS["int_digits"].env, "4")
    for again in ("count: 123456\n", "items: [123456]\n"):
        with pytest.raises(InputError, match="an integer of 6 digits"):
            load_yaml_text(again, "a.yaml")


class _Shrunk(type(Path())):  # type: ignore[misc]
    """A path whose stat says the file is smaller than it is (it grew after the stat)."""

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        real = super().stat(follow_symlinks=follow_symlinks)
        fields = list(real)
        fields[6] = 10  # st_size
        return os.stat_result(fields)


def test_a_file_that_grew_after_its_stat_is_read_whole_and_still_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading asks for what stat promised and one byte more; a file that grew since is read
    on, up to the limit and one byte, and refused past the limit."""
    from engine.errors import InputError
    from engine.load.files import read_bounded

    grown = tmp_path / "grown.yaml"
    grown.write_bytes(b"x" * 100)
    assert read_bounded(_Shrunk(grown), "grown.yaml") == b"x" * 100
    monkeypatch.setenv("TIP_ASSESS_MAX_FILE_BYTES", "50")
    with pytest.raises(InputError, match="a file of more than 50 bytes"):
        read_bounded(_Shrunk(grown), "grown.yaml")


def test_the_narrative_is_folded_on_exactly_the_white_space_of_re() -> None:
    """SourceText splits words with str.split; quotes are folded with re's \\s (normalise_space).
    Both must treat every character alike, or a quote could fail to match its narrative."""
    import sys as _sys

    every = "".join(map(chr, range(_sys.maxunicode + 1)))
    spaces = re.findall(r"\s", every)
    assert spaces == [c for c in every if c.isspace()]
    text = "a" + "b".join(spaces) + "c"
    assert SourceText(text).folded == " ".join(re.findall(r"\S+", text))
