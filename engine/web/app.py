"""`tip-assess serve`: a local, read-only web app over the evidence tree (Starlette + Jinja2,
rendered on the server, no build step).

Pages: the dossiers with placement, status and fragility (filter by year, tier, status); one
dossier's report; its narrative with every recorded quote highlighted and linked to its record;
the rules in force for a year with their text; the decision log with its verification status.
`/dossiers/<country>/<year>.json` is the assessment exactly as `tip-assess assess --format json`
prints it. A file that does not load is shown as the CLI shows it (file, line, field), never as
a traceback; nothing is ever written.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from engine.audit.decision_log import DecisionLog, DecisionLogError, default_log_path
from engine.errors import Problem
from engine.report.context import Links, ReportContext, anchor
from engine.report.html import report_body, stylesheet
from engine.report.narrative import narrative_html
from engine.web.catalogue import Catalogue, Entry, Snapshot
from engine.web.views import dossier_rows, filter_rows, log_rows, rule_rows

_ENV = Environment(
    loader=PackageLoader("engine.web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["anchor"] = anchor


def create_app(evidence_dir: Path, rules_dir: Path, log_path: Path | None = None) -> Starlette:
    """The app over `evidence_dir` and `rules_dir`; `log_path` defaults as `tip-assess log`."""
    catalogue = Catalogue(evidence_dir, rules_dir)
    log_file = log_path or default_log_path()

    def page(template: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = _ENV.get_template(template).render(css=Markup(stylesheet()), **values)
        return HTMLResponse(html, status_code=status)

    def problems_page(title: str, problems: list[Problem], status: int = 422) -> HTMLResponse:
        return page("error.html", status, title=title, problems=[p.render() for p in problems])

    def snapshot_or_error() -> Snapshot | HTMLResponse:
        snap = catalogue.snapshot()
        if snap.book is None:
            return problems_page("The rules do not load", snap.rule_problems)
        return snap

    def find(snap: Snapshot, key: str) -> Entry | None:
        return snap.entries.get(key)

    async def index(request: Request) -> Response:
        snap = snapshot_or_error()
        if isinstance(snap, HTMLResponse):
            return snap
        rows = dossier_rows(snap)
        chosen = {k: request.query_params.get(k, "") for k in ("year", "tier", "status")}
        shown = filter_rows(rows, chosen)
        options = {
            "year": sorted({r.year for r in rows if r.year}, reverse=True),
            "tier": sorted({r.tier for r in rows if r.tier}),
            "status": sorted({r.status for r in rows if r.status}),
        }
        return page(
            "index.html",
            title="Dossiers",
            rows=shown,
            total=len(rows),
            chosen=chosen,
            options=options,
            evidence=str(evidence_dir),
        )

    async def dossier(request: Request) -> Response:
        snap = snapshot_or_error()
        if isinstance(snap, HTMLResponse):
            return snap
        key = request.path_params["key"]
        if key.endswith(".json"):
            entry = find(snap, key.removesuffix(".json"))
            if entry is None:
                return not_found(request)
            if not entry.ok:
                return problems_page(f"{entry.path} does not load", entry.problems)
            return Response(entry.json(), media_type="application/json")
        if key.endswith("/narrative"):
            return narrative(snap, key.removesuffix("/narrative"), request)
        entry = find(snap, key)
        if entry is None:
            return not_found(request)
        if not entry.ok:
            return problems_page(f"{entry.path} does not load", entry.problems)
        doc = entry.document
        assert doc is not None
        ctx = replace(
            snap.context(entry),
            links=Links(
                # The key as a URL path: a folder named with spaces, '#' or braces links, and
                # leaves nothing for the template's own {id} to trip on.
                quote=f"/dossiers/{quote(key, safe='/')}/narrative#quote-{{id}}",
                record="#record-{id}",
                rule=f"/rules?year={doc['assessed_year']}#rule-{{id}}",
            ),
        )
        body = Markup(report_body(doc, ctx, narrative=False))
        return page(
            "dossier.html",
            title=f"{doc['country']} {doc['report_year']}",
            body=body,
            key=key,
            doc=doc,
        )

    def narrative(snap: Snapshot, key: str, request: Request) -> Response:
        entry = find(snap, key)
        if entry is None:
            return not_found(request)
        if not entry.ok or entry.loaded is None:
            return problems_page(f"{entry.path} does not load", entry.problems)
        doc = entry.document
        assert doc is not None
        ctx: ReportContext = snap.context(entry)
        quotes = {r["record"]: r["quote"] for r in doc["evidence"] if r.get("quote")}
        hrefs = {record: f"#record-{anchor(record)}" for record in quotes}
        text = Markup(narrative_html(entry.loaded.source_text, quotes, hrefs))
        records = [r for r in doc["evidence"] if r.get("section") not in ("history", "generated")]
        return page(
            "narrative.html",
            title=f"Narrative: {doc['country']} {doc['report_year']}",
            doc=doc,
            key=key,
            text=text,
            records=records,
            source=ctx.narrative_name,
        )

    async def rules(request: Request) -> Response:
        snap = snapshot_or_error()
        if isinstance(snap, HTMLResponse):
            return snap
        assert snap.book is not None
        low, high = snap.book.covered_years()
        years = [r.year for r in dossier_rows(snap) if r.year]
        default = max(years) if years else high
        raw = request.query_params.get("year", str(default))
        if not raw.isdigit() or not 2001 <= int(raw) <= 2100:
            return page(
                "error.html",
                400,
                title="Not a report year",
                problems=[f"year {raw!r}: give a report year such as {default}"],
            )
        year = int(raw)
        return page(
            "rules.html",
            title=f"Rules in force for report year {year}",
            year=year,
            years=list(range(low, max(high, default) + 1)),
            rules=rule_rows(snap.book, year),
            book=snap.book,
        )

    async def log(request: Request) -> Response:
        if not log_file.exists():
            return page(
                "log.html",
                title="Decision log",
                path=str(log_file),
                missing=True,
                rows=[],
                report=None,
            )
        decisions = DecisionLog(log_file)
        try:
            entries = decisions.entries()
        except (DecisionLogError, OSError) as exc:
            return page(
                "error.html", 422, title="The decision log cannot be read", problems=[str(exc)]
            )
        report = decisions.verify()
        return page(
            "log.html",
            title="Decision log",
            path=str(log_file),
            missing=False,
            rows=log_rows(entries, report),
            report=report,
        )

    def not_found(request: Request) -> HTMLResponse:
        return page(
            "error.html", 404, title="Not found", problems=[f"no dossier at {request.url.path}"]
        )

    async def missing_page(request: Request, exc: Exception) -> Response:
        return not_found(request)

    async def internal(request: Request, exc: Exception) -> Response:
        return page(
            "error.html",
            500,
            title="Internal error",
            problems=[
                f"{type(exc).__name__}: {exc} (please report it; no traceback is shown here)"
            ],
        )

    routes = [
        Route("/", index),
        Route("/dossiers/{key:path}", dossier),
        Route("/rules", rules),
        Route("/log", log),
    ]
    return Starlette(
        debug=False,
        routes=routes,
        exception_handlers={404: missing_page, Exception: internal},
    )
