"""Gherkin scenarios that encode a placement, found by a plain text scan (not by running them).

`tip-assess impact` lists, for each placement a rule change moves, the scenarios that mention
the country and year (or the dossier) and expect the old tier.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.load import inputs

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
        inputs.note_input(path)  # read: no output of the command may replace it
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
