"""The reports policy staff read: the answer on the first screen, plain-English values from
rules/labels.yaml, [unverified] wherever a conclusion rests on unconfirmed law, no repeated
subtrees, nothing cut short; Markdown and HTML with the same structure."""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from typing import Any

import pytest
import support

from engine.assessment import assess_with_history
from engine.load.dossier import load_dossier
from engine.load.labels import Labels
from engine.report.assessment import render
from engine.report.context import ReportContext, report_context
from engine.whatif.fragility import assess_with_fragility

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@cache
def _assessed(country: str, year: int) -> tuple[dict[str, Any], ReportContext]:
    book = support.rulebook()
    loaded = support.dossier(country, year)
    result = assess_with_fragility(book, loaded, support.dossier_path(country, year))
    return result.document, report_context(book, loaded)  # as `tip-assess assess` does


def text(country: str, year: int, detail: str = "standard") -> str:
    doc, ctx = _assessed(country, year)
    return render(doc, "text", ctx, detail)


def test_peru_fits_one_50_line_screen_with_placement_table_and_reasons() -> None:
    out = text("Peru", 2007)
    lines = out.splitlines()
    assert len(lines) <= 50, out
    assert max(len(line) for line in lines) <= 100
    assert lines[0] == "Peru, report year 2007: Tier 2 (determined)"
    for standard in range(1, 5):
        assert any(line.strip().startswith(f"Minimum standard {standard},") for line in lines)
    assert (
        "Minimum standard 4, serious and sustained efforts to eliminate trafficking: Not met" in out
    )
    assert "Criterion 2, protection of victims: Partly met" in out
    assert "Law 28950 criminally prohibits severe forms of trafficking. [standard-1.met]" in out
    assert "Why not Tier 1: [placement.tier-1] Full compliance" in out
    assert "✗ [protection-effort] needs at least 5 points: the total is 4: 1 more needed" in out
    assert "would add points: care by the government for trafficking victims" in out


def test_values_read_as_words_not_code() -> None:
    out = text("Peru", 2007, "full")
    for code in ("does_not_fully_comply", "partly_met", "holds: finding", "'standard_1' is 'met'"):
        assert code not in out
    assert "Does not fully comply" in out and "Partly met" in out


def test_nothing_is_cut_short_and_the_record_says_almost_400() -> None:
    for detail in ("summary", "standard", "full"):
        assert "…" not in text("Peru", 2007, detail)
    full = text("Peru", 2007, "full")
    assert "Victims: almost 400 (removed), a significant number." in " ".join(full.split())
    assert "At least 400" not in full
    rationale = next(
        r["rationale"] for r in _assessed("Peru", 2007)[0]["evidence"] if r.get("rationale")
    )
    last_words = " ".join(rationale.split()[-4:])
    assert last_words in " ".join(full.split())


def test_unverified_rules_are_marked_in_every_format() -> None:
    doc, ctx = _assessed("Peru", 2007)
    assert not doc["rules"]["criterion-3.met"]["verified"]
    row = next(
        line for line in text("Peru", 2007).splitlines() if "Criterion 3, prevention" in line
    )
    assert "[unverified]" in row
    used = {j["rule"] for f in doc["findings"] for j in f["justifications"] if not j["verified"]}
    assert len(used) > 1
    assert (
        f"[unverified] {len(used)} rules behind these findings rest on law the project could not "
        "confirm (marked below)"
    ) in text("Peru", 2007)
    markdown = render(doc, "markdown", ctx)
    assert "[`criterion-3.met`](#rule-criterion-3.met) **[unverified]**" in markdown
    html = render(doc, "html", ctx)
    assert 'href="#rule-criterion-3.met">criterion-3.met</a> <span class="unverified"' in html
    verified_only = copy.deepcopy(doc)
    for rule in verified_only["rules"].values():
        rule["verified"] = True
    for finding in verified_only["findings"]:
        for j in finding["justifications"]:
            j["verified"] = True
    assert "[unverified]" not in render(verified_only, "text", ctx)


def test_no_subtree_is_repeated() -> None:
    for detail in ("standard", "full"):
        out = text("Peru", 2007, detail)
        section = out.split("Why not Tier 1", 1)[1].split("\nExplanation", 1)[0]
        # each rule that did not apply is explained once (its header, or its failing condition)
        heads = re.findall(r"^\s*(?:✗ )?\[([a-z0-9.-]+)\] (.+)$", section, re.M)
        assert heads and len(heads) == len(set(heads)), section
    full = text("Peru", 2007, "full")
    # a record is quoted once; later mentions point back to it
    quote = '"Such penalties are sufficiently stringent and commensurate'
    assert full.count(quote) == 1
    flat = " ".join(full.split())
    assert (
        "j-penalties-commensurate (penalty_commensurate_with_grave_crimes, narrative line 15), quoted above"
        in flat
    )


def test_counts_are_correct() -> None:
    doc, _ = _assessed("Peru", 2007)
    full = text("Peru", 2007, "full")
    criterion_8 = next(f for f in doc["findings"] if f["subject"] == "criterion_8")
    n = len(criterion_8["justifications"])
    assert n > 1
    assert f"{n} justifications ({n} distinct) by criterion-8.met" in full
    increasing = next(f for f in doc["findings"] if f["subject"] == "increasing_efforts")
    others = len({j["rule"] for j in increasing["justifications"]}) - 1
    assert f"[increasing-efforts.new-law; {others} more rules]" in text("Peru", 2007)


def test_undetermined_bolivia_shows_the_evidence_still_needed_on_its_first_screen() -> None:
    doc, _ = _assessed("Bolivia", 2007)
    assert doc["status"] == "undetermined" and doc["missing_evidence"]
    first_screen = "\n".join(text("Bolivia", 2007).splitlines()[:50])
    assert "Evidence still needed" in first_screen
    for item in doc["missing_evidence"]:
        assert f"{item['title']}: " in " ".join(first_screen.split())
    assert first_screen.index("Evidence still needed") < first_screen.index("Minimum standards")
    # a kind the rules read may settle a finding, or leave it open (its values, the others)
    flat = " ".join(first_screen.split())
    assert "could be settled by a record of: anti corruption measure" in flat
    assert "would be settled" not in flat


def test_findings_the_dossier_is_silent_on_share_one_line_until_full_detail() -> None:
    standard = text("Bolivia", 2007)
    line = next(x for x in standard.splitlines() if x.startswith("  No evidence on record"))
    # every one rests on an unverified rule: the mark once; the rules in --detail full
    assert line == (
        "  No evidence on record [unverified]: Criterion 1, 2, 3, 4, 5, 6, 7, 10 "
        "(rules: --detail full)"
    )
    peru = text("Peru", 2007)
    assert "  Not reported in the narrative [unverified]: Criterion 4, 5, 6, 10" in peru
    assert (
        "Criterion 7, action against complicit officials: No evidence on record\n" not in standard
    )
    full = text("Bolivia", 2007, "full")
    assert (
        "Criterion 7, action against complicit officials: No evidence on record [unverified]\n"
        in full
    )


def test_detail_levels_nest() -> None:
    summary, standard, full = (text("Peru", 2007, d) for d in ("summary", "standard", "full"))
    assert len(summary) < len(standard) < len(full)
    assert "Why not Tier 1" not in summary
    assert "Law 28950 criminally prohibits" not in summary
    assert "[standard-1.met]" in summary
    for section in ("Explanation", "Rules referenced", "Provenance"):
        assert f"\n{section}\n" in full and f"\n{section}\n" not in standard
    assert "rules_sha256: " in full


def test_colour_only_when_asked() -> None:
    doc, ctx = _assessed("Peru", 2007)
    plain = render(doc, "text", ctx)
    coloured = render(doc, "text", ctx, color=True)
    assert not ANSI.search(plain)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == plain


def test_cli_is_plain_when_piped_and_honours_no_color(tmp_path: Any) -> None:
    piped = support.run_cli("assess", "evidence/peru/2007.yaml")
    assert piped.returncode == 0
    assert not ANSI.search(piped.stdout)
    assert piped.stdout == text("Peru", 2007)
    summary = support.run_cli("assess", "evidence/peru/2007.yaml", "--detail", "summary")
    assert summary.stdout == text("Peru", 2007, "summary")
    bad = support.run_cli("assess", "evidence/peru/2007.yaml", "--detail", "everything")
    assert bad.returncode == 2 and "Invalid value for '--detail'" in bad.stderr


def test_labels_come_from_the_rulebook_and_fall_back_to_the_value() -> None:
    doc, ctx = _assessed("Peru", 2007)
    relabelled = ReportContext(
        labels=Labels(values={**(ctx.labels.values if ctx.labels else {})}, groups=ctx.groups)
    )
    assert relabelled.labels is not None
    relabelled.labels.values.pop("partly_met")
    out = render(doc, "text", relabelled)
    assert "Criterion 2, protection of victims: partly met" in out
    bare = render(doc, "text", ReportContext())
    assert "Other findings" in bare and "Tier 2" in bare


def test_pillar_grades_and_fragility_are_shown_from_the_weighings() -> None:
    doc, ctx = _assessed("Peru", 2007)
    prosecution = next(f for f in doc["findings"] if f["subject"] == "prosecution_effort")
    total = prosecution["justifications"][0]["weighing"]["total"]
    out = render(doc, "text", ctx)
    assert "\nPillar grades\n" in out
    # one line a pillar at the standard detail: grade, points, rule
    assert f"  Prosecution: Substantial, {total:g} points [prosecution-effort] [unverified]" in out
    full = render(doc, "text", ctx, "full")
    flat = " ".join(full.split())
    assert f"{total:g} points; bands: Substantial from 4, Partial from 3, Minimal from 1" in flat
    # each term: counted, matched but not counted (a group takes its highest), or no record
    assert "3 points convictions [stage] (conviction-2006-12)" in flat
    assert (
        "(1, not counted) arrests, investigations or cases opened [stage]: the group counts "
        "another term (cases-opened-2006-2007)"
    ) in flat
    assert "not counted cases described as many or active [vigour]: no record" in flat
    assert (
        "Fragile: record minors-removed (victim_count) removed → Undetermined (undetermined)" in out
    )
    html = render(doc, "html", ctx)
    assert 'id="pillars"' in html and 'id="fragility"' in html
    two = copy.deepcopy(doc)
    two["fragility"]["items"].append({**two["fragility"]["items"][0], "change": "another change"})
    assert "Fragility: 2 single changes would move the placement - record" in " ".join(
        render(two, "text", ctx).split()
    )
    robust = copy.deepcopy(doc)
    robust["fragility"] = {"robust": True, "items": []}
    assert "Fragility: robust" in render(robust, "text", ctx)
    absent = {k: v for k, v in doc.items() if k != "fragility"}
    assert "Fragility" not in render(absent, "text", ctx) and "Fragile" not in render(
        absent, "text", ctx
    )
    unweighed = copy.deepcopy(doc)
    unweighed["findings"] = [
        f for f in unweighed["findings"] if not any(j.get("weighing") for j in f["justifications"])
    ]
    assert "Pillar grades" not in render(unweighed, "text", ctx)


def test_markdown_has_the_structure_of_the_html_report() -> None:
    doc, ctx = _assessed("Peru", 2007)
    md = render(doc, "markdown", ctx)
    assert md.startswith("# Peru, report year 2007: Tier 2 (determined)\n")
    for heading in (
        "## Contents",
        "## Standards, criteria and tier tests",
        "## Why not Tier 1",
        "## Explanation, finding by finding",
        "## Rules referenced",
        "## Narrative",
        "## Provenance",
    ):
        assert f"\n{heading}\n" in md
    assert "| Criterion 2, protection of victims | **Partly met** |" in md
    assert '<a id="quote-minors-removed"></a>**finding and removing almost 400 minors' in md
    assert (
        "[“finding and removing almost 400 minors from commercial sexual exploitation”](#quote-minors-removed)"
        in md
    )
    assert '<a id="rule-standard-1.met"></a>`standard-1.met`' in md


def test_html_report_links_quotes_and_rules_within_the_page() -> None:
    doc, ctx = _assessed("Peru", 2007)
    html = render(doc, "html", ctx)
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    links = set(re.findall(r'href="#([^"]+)"', html))
    assert links <= ids, links - ids
    assert 'id="quote-minors-removed"' in html
    assert "rule-applicability.significant-number" in links
    assert "quote-minors-removed" in links
    assert "https://www.govinfo.gov/" in html  # each rule's reference
    for external in ("<link", "<img", "<iframe", "src="):
        assert external not in html  # nothing is fetched: the page is self-contained
    assert "@media print" in html and "counter(pages)" in html
    assert "<details" in html and 'id="summary"' in html and 'class="toc"' in html


def test_html_report_names_the_narrative_without_the_machines_folders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(support.ROOT)
    book = support.rulebook()
    loaded = load_dossier(support.dossier_path("Peru", 2007), book)
    doc = assess_with_history(book, loaded, support.dossier_path("Peru", 2007)).document
    html = render(doc, "html", report_context(book, loaded))
    assert "(evidence/sources/tip-2007-peru.txt)" in html
    assert str(support.ROOT) not in html and "/../" not in html


def test_json_is_unchanged_by_the_report_work() -> None:
    doc, ctx = _assessed("Peru", 2007)
    assert json.loads(render(doc, "json", ctx)) == {
        k: v for k, v in doc.items() if not k.startswith("_")
    }


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_every_dossier_renders_and_renders_the_same_twice(fmt: str) -> None:
    book = support.rulebook()
    for path in sorted(support.EVIDENCE.glob("*/*.yaml")):
        if path.name == "history.yaml":
            continue
        loaded = load_dossier(path, book)
        doc = assess_with_history(book, loaded, path).document
        first = render(doc, fmt, report_context(book, loaded))
        assert first == render(doc, fmt, report_context(book, loaded)), path
        assert doc["country"] in first


def _on_a_terminal(*args: str, env: dict[str, str]) -> str:
    """Run the CLI with its stdout on a pseudo-terminal; return what it wrote."""
    import os
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "engine", *args],
        cwd=support.ROOT,
        stdout=slave,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TERM": "xterm", **env},
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(master)
    return b"".join(chunks).decode()


def test_colour_on_a_terminal_unless_no_color() -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    coloured = _on_a_terminal("assess", "evidence/peru/2007.yaml", env={**env, "NO_COLOR": ""})
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured).replace("\r\n", "\n") == text("Peru", 2007)
    plain = _on_a_terminal("assess", "evidence/peru/2007.yaml", env={"NO_COLOR": "1"})
    assert not ANSI.search(plain)


def test_a_recorded_detail_level_replays_byte_for_byte(tmp_path: Any) -> None:
    log = tmp_path / "log.jsonl"
    recorded = support.run_cli(
        "assess", "evidence/peru/2007.yaml", "--detail", "summary", "--record", "--log", str(log)
    )
    assert recorded.returncode == 0 and recorded.stdout == text("Peru", 2007, "summary")
    entry = json.loads(log.read_text().splitlines()[0])
    assert entry["replay"]["detail"] == "summary"
    replay = support.run_cli("log", "replay", "1", "--log", str(log))
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "reproduced byte for byte" in replay.stdout


_MARKED_LINES = (
    "# not a heading",
    "1. not a list",
    "> not a quote",
    "[ref]: https://evil.example/definition",
    "see [ref] and [a link](https://evil.example/inline) and ![an image](https://evil.example/i.png)",
    "*emphasis* ~~struck~~ &lt;entity&gt; a\\*b",
)


def _markdown_text(markdown: str) -> tuple[list[Any], str]:
    """The tokens a CommonMark parser (with tables and strikethrough, as GitHub's) reads, and the
    text a reader sees, line by line."""
    from markdown_it import MarkdownIt

    # The why-not tree nests deeper than the preset's 20 levels (after which it reads no more).
    parser = MarkdownIt("commonmark", {"maxNesting": 100})
    tokens = parser.enable(["table", "strikethrough"]).parse(markdown)
    inline = [child for token in tokens if token.type == "inline" for child in token.children or []]
    shown = "".join(
        "\n" if child.type in ("softbreak", "hardbreak") else child.content for child in inline
    )
    return [*tokens, *inline], shown


def _peru_markdown(tmp_path: Any, narrative_lines: str, replaced: list[tuple[str, str]]) -> Any:
    """The full Markdown report of Peru 2007 with lines added to its narrative and texts of its
    dossier replaced (each once), from a copy of the evidence tree; the command must succeed."""
    import shutil
    from pathlib import Path

    evidence = Path(tmp_path) / "evidence"
    (evidence / "peru").mkdir(parents=True)
    shutil.copytree(support.EVIDENCE / "sources", evidence / "sources")
    narrative = evidence / "sources" / "tip-2007-peru.txt"
    narrative.write_text(narrative.read_text(encoding="utf-8") + f"\n{narrative_lines}\n", "utf-8")
    text = (support.EVIDENCE / "peru" / "2007.yaml").read_text(encoding="utf-8")
    for old, new in replaced:
        assert old in text, old
        text = text.replace(old, new, 1)
    (evidence / "peru" / "2007.yaml").write_text(text, "utf-8")
    done = support.run_cli(
        "assess", "evidence/peru/2007.yaml", "--rules", str(support.RULES), "--no-fragility",
        "--format", "markdown", "--detail", "full", cwd=Path(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def test_markdown_shows_a_dossiers_text_as_written(tmp_path: Any) -> None:
    """Links, images, reference definitions, emphasis, entities, headings, lists and quotes
    written in a dossier's text or its narrative are shown as written, never acted on: a viewer
    would otherwise send a reader elsewhere, or restructure the report."""
    narrative = "\n".join(_MARKED_LINES)
    marked = _MARKED_LINES[-2] + " " + _MARKED_LINES[-1]
    done = _peru_markdown(tmp_path, narrative, [("Guide 3.4: the text", marked)])
    tokens, shown = _markdown_text(done.stdout)
    assert not [t for t in tokens if t.type == "image"]
    hrefs = [str(t.attrs.get("href")) for t in tokens if t.type == "link_open"]
    assert hrefs and not [h for h in hrefs if "evil.example" in h or h.startswith("javascript")]
    for line in _MARKED_LINES:
        assert line in shown, line
    # In the rationale, too, the marks stay text.
    assert _MARKED_LINES[-2] + " " + _MARKED_LINES[-1] in shown
    # Nothing the dossier wrote became a block: headings, lists and quotes are the report's own.
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert not [h for h in headings if "not a" in h], headings
    assert sum(t.type == "blockquote_open" for t in tokens) == len(
        re.findall(r"^ *> ", done.stdout, re.M)
    )
    assert {t.type for t in tokens}.isdisjoint({"s_open", "em_open", "image", "html_block"})


def test_markdown_never_passes_a_dossiers_html_through(tmp_path: Any) -> None:
    """A country, a rationale or a line of the narrative written as HTML reaches the Markdown
    report escaped (a viewer that does not sanitise would otherwise run it), as in HTML."""
    replaced = [
        ("country: Peru", 'country: "Peru <img src=x onerror=alert(1)>"'),
        ("Guide 3.4: the text", "<script>alert(2)</script> Guide 3.4: the text"),
    ]
    done = _peru_markdown(tmp_path, "<b>bold</b> text", replaced)
    for raw in ("<img", "<script", "<b>"):
        assert raw not in done.stdout, raw
    for escaped in ("&lt;img src=x", "&lt;script>alert(2)", "&lt;b>bold"):
        assert escaped in done.stdout, escaped


def test_a_group_its_cap_holds_down_says_so() -> None:
    """Peru 2007 has four protection measures on record, worth 1 each, in a group capped at 2:
    the terms add up to 4, the group to 2, and the report says why."""
    doc, _ = _assessed("Peru", 2007)
    protection = next(f for f in doc["findings"] if f["subject"] == "protection_effort")
    weighing = protection["justifications"][0]["weighing"]
    measures = [t for t in weighing["terms"] if t["group"] == "measures" and t["matched"]]
    assert sum(t["points"] for t in measures) == 4 and weighing["groups"]["measures"] == 2
    assert weighing["bounded"] == {"measures": {"before": 4, "cap": 2}}
    full = " ".join(text("Peru", 2007, "full").split())
    assert "by group: care 2, harm 0, measures 2 (4 before its cap of 2)" in full
