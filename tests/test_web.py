"""`tip-assess serve`: the pages policy staff use, served for real on 127.0.0.1; placements
byte for byte those of the CLI; bad files shown as located errors; nothing written."""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import support
from web_support import fetch, running_app

from engine.cli.serve import serve


def _tree_digest(root: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """The app over a copy of the evidence tree, with a decision log holding one decision."""
    work = tmp_path_factory.mktemp("serve")
    evidence = work / "evidence"
    shutil.copytree(support.EVIDENCE, evidence)
    log = work / "decisions.jsonl"
    recorded = support.run_cli(
        "assess", "evidence/peru/2007.yaml", "--record", "--log", str(log), "--by", "tester"
    )
    assert recorded.returncode == 0, recorded.stderr
    with running_app(evidence, support.RULES, log) as url:
        yield url, evidence, log


def test_the_list_shows_every_dossier_with_placement_status_and_fragility(
    site: tuple[str, Path, Path],
) -> None:
    url, evidence, _ = site
    status, kind, page = fetch(url + "/")
    assert status == 200 and kind.startswith("text/html")
    dossiers = [p for p in evidence.rglob("*.yaml") if p.name != "history.yaml"]
    assert page.count('<a href="/dossiers/') == len(dossiers)
    row = re.search(
        r'<a href="/dossiers/peru/2007">Peru</a></th>\s*<td>2007</td>\s*<td[^>]*>Tier 2</td>\s*<td>determined</td>\s*<td>([^<]+)</td>',
        page,
    )
    assert row, page
    assert row.group(1) in ("not computed", "robust") or "would move it" in row.group(1)
    assert "Traceback" not in page


def test_filters_by_year_tier_and_status(site: tuple[str, Path, Path]) -> None:
    url, _, _ = site
    _, _, tier2 = fetch(url + "/?tier=Tier+2")
    assert "Peru" in tier2 and "Bolivia" not in tier2
    assert all(t == "Tier 2" for t in re.findall(r'<td class="value tone-\w+">([^<]+)</td>', tier2))
    _, _, y2001 = fetch(url + "/?year=2001")
    assert "Albania" in y2001 and "Peru" not in y2001
    _, _, undetermined = fetch(url + "/?status=undetermined")
    assert "Bolivia" in undetermined and "Peru" not in undetermined
    _, _, nothing = fetch(url + "/?year=2001&tier=Tier+2&status=undetermined")
    assert "No dossier matches." in nothing


@pytest.mark.parametrize("key", ["peru/2007", "bolivia/2007"])
def test_placements_are_byte_for_byte_those_of_the_cli(
    site: tuple[str, Path, Path], key: str
) -> None:
    url, _, _ = site
    status, kind, body = fetch(f"{url}/dossiers/{key}.json")
    assert status == 200 and kind.startswith("application/json")
    # the same inputs as the app: its rules directory, named as it was given
    cli = support.run_cli(
        "assess", f"evidence/{key}.yaml", "--format", "json", "--rules", str(support.RULES)
    )
    assert body == cli.stdout


def test_every_placement_in_the_list_is_the_cli_placement(site: tuple[str, Path, Path]) -> None:
    url, _, _ = site
    run = support.run_cli(
        "validate", "evidence", "--expected", "evidence/expected.csv", "--format", "json"
    )
    rows = json.loads(run.stdout)["rows"]
    _, _, page = fetch(url + "/")
    for row in rows:
        key = Path(row["dossier"]).relative_to("evidence").with_suffix("").as_posix()
        _, _, body = fetch(f"{url}/dossiers/{key}.json")
        assert (json.loads(body)["tier"] or "no placement") == row["engine"], key
        assert f'<a href="/dossiers/{key}">' in page


def test_one_dossier_report_links_quotes_to_the_narrative_and_rules_to_their_text(
    site: tuple[str, Path, Path],
) -> None:
    url, _, _ = site
    status, _, page = fetch(url + "/dossiers/peru/2007")
    assert status == 200
    assert "Peru: <span" in page and "Tier 2" in page
    assert 'href="/dossiers/peru/2007/narrative#quote-minors-removed"' in page
    assert 'href="/rules?year=2007#rule-standard-1.met"' in page
    assert "[unverified]" in page
    _, _, narrative = fetch(url + "/dossiers/peru/2007/narrative")
    assert 'id="quote-minors-removed"' in narrative
    mark = re.search(
        r'<mark data-records="minors-removed"[^>]*><a href="#record-minors-removed">([^<]+)</a></mark>',
        narrative,
    )
    assert (
        mark
        and html.unescape(mark.group(1))
        == "finding and removing almost 400 minors from commercial sexual exploitation"
    )
    assert 'id="record-minors-removed"' in narrative
    _, _, rules = fetch(url + "/rules?year=2007")
    assert 'id="rule-standard-1.met"' in rules
    assert "The government prohibits severe forms of trafficking and punishes them" in rules
    book = support.rulebook()
    in_force = len(book.rules_in_force(2007)) + len(book.weighings_in_force(2007))
    assert f"{in_force} rules in force" in rules


def test_the_decision_log_shows_its_verification_status(site: tuple[str, Path, Path]) -> None:
    url, _, log = site
    _, _, page = fetch(url + "/log")
    assert "Verified:" in page and "tester" in page and "Peru 2007" in page
    tampered = log.with_name("tampered.jsonl")
    tampered.write_text(log.read_text().replace('"tester"', '"mallory"'))
    with running_app(support.EVIDENCE, support.RULES, tampered) as other:
        _, _, broken = fetch(other + "/log")
    assert "The chain is broken" in broken and "broken: " in broken


def test_a_bad_dossier_shows_the_cli_message_never_a_traceback(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    shutil.copytree(support.EVIDENCE, evidence)
    dossier = evidence / "peru" / "2007.yaml"
    dossier.write_text(dossier.read_text().replace("report_year: 2007", "report_year: [2007"))
    cli = support.run_cli("assess", str(dossier), "--rules", str(support.RULES), cwd=tmp_path)
    assert cli.returncode == 2
    message = cli.stderr.strip().removeprefix("error: ").splitlines()[0]
    with running_app(evidence, support.RULES) as url:
        _, _, listing = fetch(url + "/")
        status, _, page = fetch(url + "/dossiers/peru/2007")
        missing, _, _ = fetch(url + "/dossiers/peru/1999")
    for body in (listing, page):
        assert message in html.unescape(body)  # file:line: message, exactly as the CLI says it
        assert "Traceback" not in body
    assert status == 422 and missing == 404
    assert "Albania" in listing  # the others still assess


def test_a_country_folder_named_with_spaces_hash_and_braces_links_and_opens(
    tmp_path: Path,
) -> None:
    """Links carry the dossier's path URL-encoded: a folder named 'peru {x} #1' opens from the
    list, and its report's quote links lead to its narrative (the braces once broke the page)."""
    evidence = tmp_path / "evidence"
    shutil.copytree(support.EVIDENCE, evidence)
    (evidence / "peru").rename(evidence / "peru {x} #1")
    encoded = "/dossiers/peru%20%7Bx%7D%20%231/2007"
    with running_app(evidence, support.RULES) as url:
        _, _, listing = fetch(url + "/")
        status, _, page = fetch(url + encoded)
        narrative, _, _ = fetch(url + encoded + "/narrative")
    assert f'href="{encoded}"' in listing
    assert status == 200 and narrative == 200
    assert "Traceback" not in page
    assert f'href="{encoded}/narrative#quote-' in page
    assert f'href="{encoded}.json"' in page


def test_bad_rules_show_the_located_problem(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(support.RULES, rules)
    (rules / "labels.yaml").write_text("labels:\n  values:\n    met: {label: Met, tone: shiny}\n")
    with running_app(support.EVIDENCE, rules) as url:
        status, _, page = fetch(url + "/")
    assert status == 422
    assert "labels.yaml:3: field &#39;labels.values.met.tone&#39;: tone must be one of" in page


def test_nothing_is_written_into_the_evidence_tree(site: tuple[str, Path, Path]) -> None:
    url, evidence, _ = site
    before = _tree_digest(evidence)
    for path in (
        "/",
        "/?tier=Tier+3",
        "/dossiers/peru/2007",
        "/dossiers/peru/2007/narrative",
        "/dossiers/bolivia/2007.json",
        "/rules?year=2002",
        "/log",
        "/dossiers/../../etc/passwd",
    ):
        fetch(url + path)
    assert _tree_digest(evidence) == before


def test_serve_binds_to_localhost_by_default_and_checks_its_directories(tmp_path: Path) -> None:
    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"
    run = support.run_cli("serve", "--evidence", str(tmp_path / "none"), cwd=tmp_path)
    assert run.returncode == 2 and "evidence directory not found" in run.stderr
