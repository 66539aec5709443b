"""Amendment scenarios in Gherkin, readable by policy staff and run through the real engine.

The step language is small and fixed, so the same code serves pytest-bdd (which runs the
features as tests) and `tip-assess coverage` (which reads them to mark the legal coverage matrix
without pytest). A scenario builds a case from named *profiles* (evidence records kept in a YAML
file beside the features) and a placement history, assesses it under the rules of one or more
report years, and checks placements, findings, rules, or the rulebook itself:

    Scenario: Under the rules for report year 2011, two years on the watch list lead down
      Given a country that makes significant efforts but shows no increase over the previous year
      And it was placed on <the watch list> in 2009 and 2010
      When it is assessed under the rules for report year 2011
      Then it is placed on <the lowest tier>
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import InputError, Problem
from engine.load import inputs
from engine.load.history import History, history_facts, history_settings
from engine.load.rulebook import Rulebook
from engine.load.vocabulary import check_record_values
from engine.load.yamlsource import load_yaml_file
from engine.quality.examples import CaseRecord, CaseResult, case_inputs, run_case

PROFILES_FILE = "profiles.yaml"
# Profiles holding the grounds of a downgrade waiver (one record of the waiver kind each).
WAIVER_GRANTED = (
    "waiver on a written plan that would constitute significant efforts, with sufficient resources"
)
WAIVER_UNFUNDED = "waiver on a written plan without sufficient resources"
_YEARS = r"\d{4}(?:(?:, | and )\d{4})*"


class StepError(AssertionError):
    """A step that is not in the step language, or a check that does not hold."""


def _years(text: str) -> list[int]:
    return [int(year) for year in re.findall(r"\d{4}", text)]


# --------------------------------------------------------------------------- profiles


def load_profiles(path: Path, book: Rulebook) -> dict[str, list[CaseRecord]]:
    """Named evidence sets, each checked against the vocabulary like any dossier record."""
    data, lines, _ = load_yaml_file(path)
    profiles = data.get("profiles") if isinstance(data, dict) else None
    if not isinstance(profiles, dict):
        raise InputError.single(str(path), 1, "profiles", "expected a mapping 'profiles:'")
    problems: list[Problem] = []
    result: dict[str, list[CaseRecord]] = {}
    for name, entries in profiles.items():
        records: list[CaseRecord] = []
        for index, entry in enumerate(entries or []):
            where = ("profiles", name, index)
            kind_name = entry.get("kind") if isinstance(entry, dict) else None
            kind = book.kinds.get(kind_name) if isinstance(kind_name, str) else None
            if kind is None or not isinstance(entry.get("values", {}), dict):
                problems.append(
                    Problem(
                        str(path),
                        lines.line_of(where),
                        f"profiles.{name}[{index}]",
                        "expected {kind: <an evidence kind of the vocabulary>, values: {...}}",
                    )
                )
                continue
            values = entry.get("values", {})
            for field_name, message in check_record_values(kind, values):
                problems.append(
                    Problem(
                        str(path),
                        lines.line_of((*where, "values", field_name)),
                        f"profiles.{name}[{index}].values.{field_name}",
                        message,
                    )
                )
            records.append(CaseRecord(entry["kind"], values))
        result[str(name)] = records
    if problems:
        raise InputError(problems)
    return result


# --------------------------------------------------------------------------- the step language


@dataclass
class ScenarioState:
    """One scenario: the case being built, the years assessed, and what the engine derived."""

    book: Rulebook
    profiles: dict[str, list[CaseRecord]]
    records: list[CaseRecord] = field(default_factory=list)
    placements: dict[int, dict[str, Any]] = field(default_factory=dict)
    waivers: dict[int, dict[str, Any]] = field(default_factory=dict)
    results: dict[int, CaseResult] = field(default_factory=dict)
    completeness: str = "complete"

    # ---------------------------------------------------------------- given
    def add_profile(self, name: str) -> None:
        if name not in self.profiles:
            known = "; ".join(sorted(self.profiles))
            raise StepError(f"no profile '{name}' in {PROFILES_FILE} (known: {known})")
        self.records.extend(self.profiles[name])

    def placed(self, tier: str, years: list[int], downgrade: bool = False) -> None:
        for year in years:
            entry: dict[str, Any] = {"year": year, "placement": tier, "source": "scenario"}
            if downgrade:
                entry["automatic_downgrade"] = True
            self.placements[year] = entry

    def waived(self, years: list[int], profile: str = WAIVER_GRANTED) -> None:
        """Waivers for these years, on the grounds a profile records (a waiver-kind record)."""
        records = self.profiles.get(profile)
        if not records:
            raise StepError(f"no profile '{profile}' in {PROFILES_FILE} for the waiver's grounds")
        for year in years:
            self.waivers[year] = {**dict(records[0].values), "year": year}

    # ---------------------------------------------------------------- when
    def assess(self, years: list[int]) -> None:
        history = History(
            country="scenario",
            placements=list(self.placements.values()),
            waivers=list(self.waivers.values()),
        )
        for year in years:
            inputs = case_inputs(self.book, self.records) + history_facts(
                history, year, history_settings(self.book)
            )
            # A step reads values, the rules that fired and what they rest on: never an
            # explanation's sentences or how a weighing was computed.
            self.results[year] = run_case(
                self.book,
                year,
                inputs,
                completeness=self.completeness,
                explain=False,
                traces=False,
            )

    # ---------------------------------------------------------------- then
    def _each(self) -> list[tuple[int, CaseResult]]:
        if not self.results:
            raise StepError("no 'When it is assessed ...' step ran before this check")
        return sorted(self.results.items())

    def expect_value(self, subject: str, value: str, negate: bool = False) -> None:
        for year, case in self._each():
            actual = case.value(subject)
            if (actual == value) == negate:
                conflicts = "; ".join(
                    f"{c.subject}: {c.values} by {c.rules}" for c in case.result.conflicts
                )
                raise StepError(
                    f"under the rules for {year}: '{subject}' is {actual!r}, "
                    f"expected {'anything but ' if negate else ''}{value!r}"
                    + (f" (conflicts: {conflicts})" if conflicts else "")
                )

    def expect_rule(self, rule_id: str, applies: bool) -> None:
        try:
            self.book.item(rule_id)
        except KeyError:
            raise StepError(f"no rule with id '{rule_id}'") from None
        for year, case in self._each():
            if (rule_id in case.fired) != applies:
                raise StepError(
                    f"under the rules for {year}: rule {rule_id} "
                    f"{'did not apply' if applies else 'applied'}"
                )

    def expect_no_rule_for(self, value: str) -> None:
        subject = self.book.info.outcome.conclusion
        for year, _ in self._each():
            rules = [
                rule.id
                for rule in self.book.rules_in_force(year)
                if rule.then.conclude == subject and rule.then.value == value
            ]
            if rules:
                raise StepError(f"under the rules for {year}, {', '.join(rules)} conclude {value}")

    def expect_history_cited(self) -> None:
        for year, case in self._each():
            premises = {
                premise
                for derived in case.result.conclusions.values()
                for justification in derived.justifications
                for premise in justification.premises
            }
            if not any(premise.startswith("history-") for premise in premises):
                raise StepError(f"under the rules for {year} no conclusion rests on the history")


Handler = Callable[[ScenarioState, re.Match[str]], None]

STEPS: dict[str, list[tuple[re.Pattern[str], Handler]]] = {
    "given": [
        (re.compile(r"a country that (?P<p>.+)"), lambda s, m: s.add_profile(m["p"])),
        (re.compile(r"(?:it|the country) also (?P<p>.+)"), lambda s, m: s.add_profile(m["p"])),
        (
            re.compile(r"it was placed on (?P<t>.+?) in (?P<y>\d{4}) by the automatic downgrade"),
            lambda s, m: s.placed(m["t"], [int(m["y"])], downgrade=True),
        ),
        (
            re.compile(rf"it was placed on (?P<t>.+?) in (?P<y>{_YEARS})"),
            lambda s, m: s.placed(m["t"], _years(m["y"])),
        ),
        (
            re.compile(rf"the automatic downgrade was waived in (?P<y>{_YEARS})"),
            lambda s, m: s.waived(_years(m["y"])),
        ),
        (
            re.compile(
                r"the automatic downgrade is waived for (?P<y>\d{4}) on a written plan "
                r"that would constitute significant efforts, with sufficient resources"
            ),
            lambda s, m: s.waived([int(m["y"])]),
        ),
        (
            re.compile(
                r"a waiver for (?P<y>\d{4}) rests on a written plan without sufficient resources"
            ),
            lambda s, m: s.waived([int(m["y"])], WAIVER_UNFUNDED),
        ),
        (re.compile(r"it has no placement history"), lambda s, m: None),
        (
            re.compile(r"only part of its narrative is available"),
            lambda s, m: setattr(s, "completeness", "partial"),
        ),
    ],
    "when": [
        (
            re.compile(r"it is assessed under the rules for report year (?P<y>\d{4})"),
            lambda s, m: s.assess([int(m["y"])]),
        ),
        (
            re.compile(
                r"it is assessed under the rules for each report year "
                r"from (?P<a>\d{4}) to (?P<b>\d{4})"
            ),
            lambda s, m: s.assess(list(range(int(m["a"]), int(m["b"]) + 1))),
        ),
    ],
    "then": [
        (
            re.compile(r"no rule in force places a country on (?P<t>.+)"),
            lambda s, m: s.expect_no_rule_for(m["t"]),
        ),
        (
            re.compile(r"it is not placed on (?P<t>.+)"),
            lambda s, m: s.expect_value(s.book.info.outcome.conclusion, m["t"], negate=True),
        ),
        (
            re.compile(r"it is placed on (?P<t>.+)"),
            lambda s, m: s.expect_value(s.book.info.outcome.conclusion, m["t"]),
        ),
        (
            re.compile(r'the finding "(?P<s>[^"]+)" is "(?P<v>[^"]+)"'),
            lambda s, m: s.expect_value(m["s"], m["v"]),
        ),
        (
            re.compile(r'the rule "(?P<r>[^"]+)" applies'),
            lambda s, m: s.expect_rule(m["r"], True),
        ),
        (
            re.compile(r'the rule "(?P<r>[^"]+)" does not apply'),
            lambda s, m: s.expect_rule(m["r"], False),
        ),
        (
            re.compile(r"the explanation cites the placement history"),
            lambda s, m: s.expect_history_cited(),
        ),
    ],
}


def run_step(state: ScenarioState, kind: str, text: str) -> None:
    """Run one step of the step language; unknown steps fail with the phrases that exist."""
    for pattern, handler in STEPS[kind]:
        match = pattern.fullmatch(text.strip())
        if match:
            handler(state, match)
            return
    known = "; ".join(pattern.pattern for pattern, _ in STEPS[kind])
    raise StepError(f"unknown {kind} step: '{text}' (the step language knows: {known})")


# --------------------------------------------------------------------------- a Gherkin reader


@dataclass
class Step:
    kind: str  # given | when | then
    text: str
    line: int


@dataclass
class Scenario:
    feature: str
    name: str
    file: str
    line: int
    steps: list[Step] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{Path(self.file).name}: {self.name}"


_KEYWORDS = {"given": "given", "when": "when", "then": "then"}


def read_feature(path: Path) -> list[Scenario]:
    """The scenarios of a feature file (Feature, Background, Scenario, steps; no outlines)."""
    text = path.read_text(encoding="utf-8")
    inputs.note_input(path)  # no output of this command may replace it
    feature = ""
    background: list[Step] = []
    scenarios: list[Scenario] = []
    current: Scenario | None = None
    in_background = False
    last_kind = "given"
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", "@")):
            continue
        head, _, rest = line.partition(":")
        if head in ("Feature", "Scenario", "Example", "Background", "Scenario Outline", "Rule"):
            if head == "Scenario Outline":
                raise InputError.single(str(path), number, None, "scenario outlines are not used")
            if head == "Feature":
                feature = rest.strip()
            elif head == "Background":
                in_background, current = True, None
            elif head in ("Scenario", "Example"):
                in_background = False
                current = Scenario(feature, rest.strip(), str(path), number, list(background))
                scenarios.append(current)
            continue
        word, _, step_text = line.partition(" ")
        lowered = word.lower()
        if lowered in _KEYWORDS or lowered in ("and", "but", "*"):
            kind = _KEYWORDS.get(lowered, last_kind)
            last_kind = kind
            step = Step(kind, step_text.strip(), number)
            if in_background:
                background.append(step)
            elif current is not None:
                current.steps.append(step)
    return scenarios


@dataclass
class ScenarioOutcome:
    scenario: Scenario
    passed: bool
    message: str
    state: ScenarioState


def run_scenario(
    book: Rulebook, profiles: dict[str, list[CaseRecord]], scenario: Scenario
) -> ScenarioOutcome:
    state = ScenarioState(book, profiles)
    for step in scenario.steps:
        try:
            run_step(state, step.kind, step.text)
        except StepError as exc:
            return ScenarioOutcome(scenario, False, f"line {step.line}: {exc}", state)
    return ScenarioOutcome(scenario, True, "ok", state)


def feature_files(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.feature")) if directory.is_dir() else []


def run_features(book: Rulebook, directory: Path) -> list[ScenarioOutcome]:
    """Run every scenario of every feature under `directory` (with its profiles file)."""
    profiles_path = directory / PROFILES_FILE
    profiles = load_profiles(profiles_path, book) if profiles_path.is_file() else {}
    return [
        run_scenario(book, profiles, scenario)
        for path in feature_files(directory)
        for scenario in read_feature(path)
    ]
