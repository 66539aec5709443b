"""Impact of a rule change: every dossier assessed under both rulebooks, and what moved.

A reviewer gating a rule change needs the placements that would change, the findings that
flipped on the way, the changed rules responsible, and the Gherkin scenarios that encode the old
answer. Scenarios are found by a plain text scan (see :func:`scan_features`), not by running them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.assessment import Assessment, assess, canonical_json, history_inputs
from engine.audit.diff import AFFECTING, EDITORIAL, RulesDiff
from engine.audit.gitsource import RulebookSide
from engine.errors import InputError
from engine.load.dossier import load_dossier
from engine.load.history import is_history_file

Progress = Callable[[int, int, str], None]

# --------------------------------------------------------------------------- Gherkin text scan

_SCENARIO = re.compile(r"^\s*(Scenario Outline|Scenario Template|Scenario|Example):\s*(.*)$")
_BACKGROUND = re.compile(r"^\s*Background:")
_SECTION = re.compile(r"^\s*(Feature|Rule):")
_TIER_STEP = re.compile(r'\bthe tier is "([^"]+)"')


@dataclass(frozen=True)
class Scenario:
    """A scenario with its background steps, as text, and the tiers it expects."""

    file: str
    line: int
    name: str
    text: str

    def expected_tiers(self) -> list[str]:
        return _TIER_STEP.findall(self.text)

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "name": self.name}


def scan_features(root: Path, shown_root: str | None = None) -> list[Scenario]:
    """Every scenario under `root` (``**/*.feature``), each with the backgrounds that apply.

    This is a text scan, not a Gherkin parser: it knows Feature, Rule, Background and the
    scenario keywords, and keeps Examples tables as part of the scenario's text.
    """
    if not root.is_dir():
        return []
    shown = shown_root if shown_root is not None else str(root)
    scenarios: list[Scenario] = []
    for path in sorted(root.rglob("*.feature")):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        display = f"{shown.rstrip('/')}/{path.relative_to(root).as_posix()}"
        scenarios.extend(_scan_lines(lines, display))
    return scenarios


def _scan_lines(lines: list[str], display: str) -> list[Scenario]:
    # Each scenario keeps references to the background lists in force where it appears; a
    # background always comes before the scenarios it applies to.
    blocks: list[tuple[int, str, list[str], list[str], list[str]]] = []
    feature_bg: list[str] = []
    rule_bg: list[str] = []
    in_rule = False
    target: list[str] | None = None
    for number, line in enumerate(lines, 1):
        if _SECTION.match(line):
            in_rule = line.strip().startswith("Rule:")
            rule_bg = []
            target = None
        elif _BACKGROUND.match(line):
            target = rule_bg if in_rule else feature_bg
        elif match := _SCENARIO.match(line):
            target = [line]
            blocks.append((number, match.group(2).strip(), target, feature_bg, rule_bg))
        elif target is not None:
            target.append(line)
    return [
        Scenario(display, number, name, "\n".join([*fbg, *rbg, *body]))
        for number, name, body, fbg, rbg in blocks
    ]


def _mentions(text: str, country: str, year: int, dossier: str) -> bool:
    if dossier and dossier in text:
        return True
    names_country = re.search(rf"\b{re.escape(country)}\b", text, re.IGNORECASE)
    return bool(names_country and re.search(rf"\b{year}\b", text))


def scenarios_expecting(
    scenarios: Iterable[Scenario], country: str, year: int, tier: str, dossier: str = ""
) -> list[Scenario]:
    """Scenarios that mention the country and year (or the dossier) and expect `tier`."""
    return [
        s
        for s in scenarios
        if tier in s.expected_tiers() and _mentions(s.text, country, year, dossier)
    ]


# --------------------------------------------------------------------------- per dossier


@dataclass
class Outcome:
    """One side's result for a dossier: placement and findings, or why it could not run."""

    tier: str | None = None
    status: str | None = None
    placement_rule: str | None = None
    findings: dict[str, str] = field(default_factory=dict)
    by_rule: dict[str, list[str]] = field(default_factory=dict)
    premises: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] | None = None

    @classmethod
    def of(cls, result: Assessment) -> Outcome:
        doc = result.document
        return cls(
            tier=result.tier,
            status=result.status,
            placement_rule=doc["placement_rule"],
            findings={f["subject"]: f["value"] for f in doc["findings"]},
            by_rule={
                f["subject"]: sorted({j["rule"] for j in f["justifications"]})
                for f in doc["findings"]
            },
            premises={
                f["subject"]: sorted(
                    {
                        p.removeprefix("finding:")
                        for j in f["justifications"]
                        for p in j["premises"]
                        if p.startswith("finding:")
                    }
                )
                for f in doc["findings"]
            },
        )

    @property
    def error(self) -> str | None:
        """The first problem that kept the dossier from being assessed, and how many more."""
        if self.problems is None:
            return None
        more = len(self.problems) - 1
        return self.problems[0] + (f" (and {more} more problem(s))" if more > 0 else "")

    def placement(self) -> tuple[str | None, bool]:
        return (self.tier, self.problems is None)

    def to_dict(self) -> dict[str, Any]:
        if self.problems is not None:
            return {"problems": self.problems}
        return {"tier": self.tier, "status": self.status, "placement_rule": self.placement_rule}

    def label(self) -> str:
        if self.error is not None:
            return "not assessable"
        return f"{self.tier or 'no placement'} ({self.status})"


@dataclass
class Flip:
    """A finding whose value differs between the rulebooks, and why."""

    subject: str
    title: str
    before: str | None
    after: str | None
    rules_before: list[str]
    rules_after: list[str]
    changed_rules: dict[str, list[str]]
    follows_from: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "title": self.title,
            "before": self.before,
            "after": self.after,
            "rules_before": self.rules_before,
            "rules_after": self.rules_after,
            "changed_rules": self.changed_rules,
            "follows_from": self.follows_from,
        }


@dataclass
class DossierImpact:
    dossier: str
    country: str | None
    report_year: int | None
    before: Outcome
    after: Outcome
    flips: list[Flip] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)

    @property
    def moved(self) -> bool:
        """The placement changed, or the dossier became (un)assessable."""
        if self.before.error is not None and self.after.error is not None:
            return False
        return self.before.placement() != self.after.placement()

    @property
    def broken(self) -> bool:
        return self.before.error is not None and self.after.error is not None

    @property
    def name(self) -> str:
        if self.country is None:
            return self.dossier
        return f"{self.country} {self.report_year}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "dossier": self.dossier,
            "country": self.country,
            "report_year": self.report_year,
            "moved": self.moved,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "flipped": [flip.to_dict() for flip in self.flips],
            "scenarios_that_would_fail": [s.to_dict() for s in self.scenarios],
        }


@dataclass
class ImpactReport:
    base: RulebookSide
    head: RulebookSide
    diff: RulesDiff
    results: list[DossierImpact]
    scenario_scan: str

    @property
    def moved(self) -> list[DossierImpact]:
        return [r for r in self.results if r.moved]

    @property
    def findings_only(self) -> list[DossierImpact]:
        return [r for r in self.results if not r.moved and not r.broken and r.flips]

    @property
    def not_assessed(self) -> list[DossierImpact]:
        return [r for r in self.results if r.broken]

    @property
    def unchanged(self) -> list[DossierImpact]:
        return [r for r in self.results if not r.moved and not r.broken and not r.flips]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "tip-assess/impact/1",
            "base": self.base.describe(),
            "head": self.head.describe(),
            "rule_changes": {
                "outcome_affecting": self.diff.count(AFFECTING),
                "editorial": self.diff.count(EDITORIAL),
                "responsible": self.diff.responsible,
            },
            "dossiers": len(self.results),
            "placements_changed": [r.to_dict() for r in self.moved],
            "findings_changed": [r.to_dict() for r in self.findings_only],
            "not_assessed": [
                {
                    "dossier": r.dossier,
                    "base_problems": r.before.problems,
                    "head_problems": r.after.problems,
                }
                for r in self.not_assessed
            ],
            "unchanged": [r.dossier for r in self.unchanged],
            "scenario_scan": self.scenario_scan,
        }


def _run(
    side: RulebookSide, path: Path, shown: str, use_history: bool
) -> tuple[Outcome, str | None, int | None]:
    """Assess as `tip-assess assess` would: with the placement history beside the dossier."""
    try:
        loaded = load_dossier(path, side.book, display=shown)
        dossier = loaded.dossier
        extra, extra_sha = history_inputs(
            side.book, path, dossier.country, dossier.report_year, None, use_history
        )
        result = assess(side.book, loaded, None, extra, extra_sha)
    except InputError as exc:
        return Outcome(problems=[p.render() for p in exc.problems]), None, None
    return Outcome.of(result), loaded.dossier.country, loaded.dossier.report_year


def _flips(
    base: RulebookSide, head: RulebookSide, before: Outcome, after: Outcome, diff: RulesDiff
) -> list[Flip]:
    order = {subject: i for i, subject in enumerate(head.book.conclusions)}
    subjects = sorted(
        {*before.findings, *after.findings}, key=lambda s: (order.get(s, len(order)), s)
    )
    flipped = {s for s in subjects if before.findings.get(s) != after.findings.get(s)}
    flips: list[Flip] = []
    for subject in subjects:
        if subject not in flipped:
            continue
        concluding = [
            rule.id
            for book in (base.book, head.book)
            for rule in book.rules
            if rule.then.conclude == subject
        ]
        changed = {
            rule_id: diff.responsible[rule_id]
            for rule_id in dict.fromkeys(concluding)
            if rule_id in diff.responsible
        }
        premises = {*before.premises.get(subject, []), *after.premises.get(subject, [])}
        spec = head.book.conclusions.get(subject) or base.book.conclusions.get(subject)
        flips.append(
            Flip(
                subject=subject,
                title=spec.title if spec else subject,
                before=before.findings.get(subject),
                after=after.findings.get(subject),
                rules_before=before.by_rule.get(subject, []),
                rules_after=after.by_rule.get(subject, []),
                changed_rules=changed,
                follows_from=sorted(premises & flipped, key=lambda s: order.get(s, len(order))),
            )
        )
    return flips


def dossier_files(paths: Iterable[Path]) -> list[Path]:
    """The dossiers named: files as given, directories searched for ``*.yaml`` (not histories)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*.yaml"))
                if not is_history_file(p)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            files.append(path)
        else:
            raise InputError.single(str(path), None, None, "no such dossier file or directory")
    return files


def impact(
    base: RulebookSide,
    head: RulebookSide,
    diff: RulesDiff,
    dossiers: list[Path],
    features: Path | None = None,
    progress: Progress | None = None,
    use_history: bool = True,
) -> ImpactReport:
    """Assess every dossier under both rulebooks and collect what changed."""
    scenarios = scan_features(features) if features is not None else []
    results: list[DossierImpact] = []
    for index, path in enumerate(dossiers, 1):
        shown = str(path)
        if progress:
            progress(index, len(dossiers), shown)
        before, country, year = _run(base, path, shown, use_history)
        after, head_country, head_year = _run(head, path, shown, use_history)
        country, year = country or head_country, year or head_year
        entry = DossierImpact(shown, country, year, before, after)
        if before.error is None and after.error is None:
            entry.flips = _flips(base, head, before, after, diff)
        if entry.moved and before.tier and country and year:
            entry.scenarios = scenarios_expecting(scenarios, country, year, before.tier, shown)
        results.append(entry)
    scan = (
        f"text scan of {features}/**/*.feature: {len(scenarios)} scenario(s); a scenario is "
        "listed when it mentions the country and year (or the dossier path) and has a step "
        "'the tier is \"<old tier>\"'"
        if features is not None
        else "no feature files scanned"
    )
    return ImpactReport(base, head, diff, results, scan)


# --------------------------------------------------------------------------- rendering


def _value(value: str | None) -> str:
    return "(not concluded)" if value is None else value


def _flip_lines(flip: Flip, indent: str) -> list[str]:
    lines = [
        f"{indent}{flip.subject}: {_value(flip.before)} → {_value(flip.after)}  ({flip.title})",
        f"{indent}  concluded by: {', '.join(flip.rules_before) or '-'} → "
        f"{', '.join(flip.rules_after) or '-'}",
    ]
    for rule_id, reasons in flip.changed_rules.items():
        lines.append(f"{indent}  changed rule {rule_id}: {'; '.join(reasons)}")
    if flip.follows_from:
        lines.append(f"{indent}  follows from: {', '.join(flip.follows_from)}")
    return lines


def _entry_lines(entry: DossierImpact) -> list[str]:
    lines = [f"  {entry.name} ({entry.dossier}): {entry.before.label()} → {entry.after.label()}"]
    if entry.before.error or entry.after.error:
        for side, outcome in (("base", entry.before), ("head", entry.after)):
            if outcome.error:
                lines.append(f"    under the {side} rules: {outcome.error}")
        return lines
    if entry.before.placement_rule != entry.after.placement_rule:
        lines.append(
            f"    placement rule: {entry.before.placement_rule} → {entry.after.placement_rule}"
        )
    if entry.flips:
        lines.append("    findings that flipped:")
        for flip in entry.flips:
            lines.extend(_flip_lines(flip, "      "))
    return lines


def render_impact(report: ImpactReport, fmt: str) -> str:
    if fmt == "json":
        return canonical_json(report.to_dict(), indent=2) + "\n"
    if fmt == "markdown":
        return _markdown(report)
    diff = report.diff
    lines = [
        f"Impact of {report.head.label} (sha256 {report.head.book.sha256[:12]}) against "
        f"{report.base.label} (sha256 {report.base.book.sha256[:12]}) "
        f"on {len(report.results)} dossier(s)",
        f"rule changes: {diff.count(AFFECTING)} outcome-affecting, "
        f"{diff.count(EDITORIAL)} editorial",
        "",
        f"PLACEMENTS THAT CHANGE: {len(report.moved)}",
    ]
    for entry in report.moved:
        lines.extend(_entry_lines(entry))
        if entry.scenarios:
            lines.append("    Gherkin scenarios that would now fail (text scan):")
            for scenario in entry.scenarios:
                lines.append(f"      {scenario.file}:{scenario.line}  {scenario.name}")
    lines += ["", f"FINDINGS THAT CHANGE, SAME PLACEMENT: {len(report.findings_only)}"]
    for entry in report.findings_only:
        lines.extend(_entry_lines(entry))
    if report.not_assessed:
        lines += ["", f"NOT ASSESSABLE UNDER EITHER RULEBOOK: {len(report.not_assessed)}"]
        for entry in report.not_assessed:
            lines.append(f"  {entry.dossier}: {entry.after.error}")
    lines += ["", f"unchanged: {len(report.unchanged)} dossier(s)"]
    return "\n".join(lines) + "\n"


def _markdown(report: ImpactReport) -> str:
    diff = report.diff
    lines = [
        "# Impact of a rule change",
        "",
        f"- base: `{report.base.label}` (sha256 `{report.base.book.sha256[:12]}`)",
        f"- head: `{report.head.label}` (sha256 `{report.head.book.sha256[:12]}`)",
        f"- rule changes: **{diff.count(AFFECTING)} outcome-affecting**, "
        f"{diff.count(EDITORIAL)} editorial",
        f"- dossiers assessed: {len(report.results)}; placements that change: "
        f"**{len(report.moved)}**; findings only: {len(report.findings_only)}; "
        f"unchanged: {len(report.unchanged)}",
        "",
        "## Placements that change",
        "",
    ]
    if not report.moved:
        lines.append("None.")
    for entry in report.moved:
        lines += [
            f"### {entry.name} — {entry.before.label()} → {entry.after.label()}",
            "",
            f"Dossier `{entry.dossier}`.",
            "",
        ]
        lines += _markdown_flips(entry)
        if entry.scenarios:
            lines += ["", "Gherkin scenarios that would now fail (text scan):", ""]
            lines += [f"- `{s.file}:{s.line}` {s.name}" for s in entry.scenarios]
        lines.append("")
    if report.findings_only:
        lines += ["## Findings that change, same placement", ""]
        for entry in report.findings_only:
            lines += [f"### {entry.name} — {entry.before.label()}", ""]
            lines += _markdown_flips(entry)
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _markdown_flips(entry: DossierImpact) -> list[str]:
    if entry.before.error or entry.after.error:
        return [
            f"- under the {side} rules: {outcome.error}"
            for side, outcome in (("base", entry.before), ("head", entry.after))
            if outcome.error
        ]
    lines = ["| finding | before | after | concluded by (before → after) | changed rules |"]
    lines.append("|---|---|---|---|---|")
    for flip in entry.flips:
        changed = "; ".join(
            f"`{rule_id}`: {', '.join(reasons)}" for rule_id, reasons in flip.changed_rules.items()
        )
        if flip.follows_from:
            changed = (
                (changed + "; " if changed else "")
                + "follows from "
                + ", ".join(f"`{s}`" for s in flip.follows_from)
            )
        lines.append(
            f"| `{flip.subject}` | {_value(flip.before)} | {_value(flip.after)} | "
            f"{', '.join(flip.rules_before) or '-'} → {', '.join(flip.rules_after) or '-'} | "
            f"{changed.replace('|', '/')} |"
        )
    return lines


__all__ = [
    "DossierImpact",
    "Flip",
    "ImpactReport",
    "Outcome",
    "Scenario",
    "dossier_files",
    "impact",
    "render_impact",
    "scan_features",
    "scenarios_expecting",
]
