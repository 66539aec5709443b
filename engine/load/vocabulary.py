"""The evidence vocabulary as a type system: records are checked against it, and so are rules.

Rules are type-checked before they run: a rule that reads a field the vocabulary does not
declare, compares a yes/no field with a number, or names a conclusion value that does not
exist, is refused with its file, line and rule id.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import string
from typing import Any

from engine.errors import Problem
from engine.load.rulebook import Rulebook
from engine.models import (
    AbsencePattern,
    Comparison,
    EvidenceKind,
    EvidencePattern,
    FieldRef,
    FieldSpec,
    FindingPattern,
    LawItem,
    ParamRef,
    Pattern,
    Weighing,
    alternatives,
)

DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
ORDERED_TYPES = frozenset({"integer", "number", "date"})


def date_number(value: Any) -> int | None:
    """Dates become YYYYMMDD integers (missing month/day as 00) so the engine can compare them."""
    if isinstance(value, dt.date):
        return value.year * 10000 + value.month * 100 + value.day
    if isinstance(value, str):
        match = DATE_RE.match(value)
        if match:
            year, month, day = (int(part) if part else 0 for part in match.groups())
            if month <= 12 and day <= 31:
                return year * 10000 + month * 100 + day
    return None


def type_error(spec: FieldSpec, value: Any) -> str | None:
    """Why `value` is not a valid value of a field of this spec (None if it is)."""
    kind = spec.type
    if kind == "boolean" and not isinstance(value, bool):
        return f"expected true or false, got {value!r}"
    if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        return f"expected a whole number, got {value!r}"
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return f"expected a number, got {value!r}"
    if kind == "number" and not math.isfinite(value):
        # YAML reads .inf and .nan as numbers; the engine's JSON cannot carry them.
        return f"expected a finite number, got {value!r}"
    if kind == "string" and not isinstance(value, str):
        return f"expected text, got {value!r}"
    if kind == "enum" and value not in (spec.values or []):
        return f"expected one of {', '.join(spec.values or [])}, got {value!r}"
    if kind == "date" and date_number(value) is None:
        return f"expected a date as YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}"
    return None


def check_record_values(kind: EvidenceKind, values: dict[str, Any]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for name, value in values.items():
        spec = kind.fields.get(name)
        if spec is None:
            declared = ", ".join(sorted(kind.fields)) or "none"
            problems.append((name, f"field not declared for this kind (declared: {declared})"))
            continue
        error = type_error(spec, value)
        if error:
            problems.append((name, error))
    for name, spec in kind.fields.items():
        if spec.required and name not in values:
            problems.append((name, "required field is missing"))
    return problems


def engine_value(spec: FieldSpec, value: Any) -> Any:
    """The representation a value takes inside the inference engine."""
    if spec.type == "date":
        return date_number(value)
    if spec.type == "number" and isinstance(value, int):
        return float(value)
    return value


_PARAM_TYPE_FOR_FIELD = {
    "boolean": {"boolean"},
    "integer": {"integer", "number"},
    "number": {"integer", "number"},
    "string": {"string"},
    "enum": {"string"},
    "date": {"string"},
}


class _RuleChecker:
    def __init__(self, book: Rulebook, rule: LawItem) -> None:
        self.book = book
        self.rule = rule
        origin = book.origins.get(rule.id)
        self.file = origin.file if origin else book.root
        self.line = origin.line if origin else None
        self.problems: list[Problem] = []

    def report(self, field_name: str, message: str) -> None:
        origin = self.book.origins.get(self.rule.id)
        line = origin.line_of(field_name) if origin else self.line
        self.problems.append(Problem(self.file, line, field_name, message, self.rule.id))

    def check(self) -> list[Problem]:
        if isinstance(self.rule, Weighing):
            return self.check_weighing(self.rule)
        rule = self.rule
        spec = self.book.conclusions.get(rule.then.conclude)
        if spec is None:
            self.report(
                "then.conclude",
                f"conclusion '{rule.then.conclude}' is not declared in the vocabulary",
            )
        elif rule.then.value not in spec.values:
            self.report(
                "then.value",
                f"'{rule.then.value}' is not a value of '{rule.then.conclude}' ({', '.join(spec.values)})",
            )
        every_binding = self.check_alternatives(rule.alternatives(), "when")
        if rule.explain:
            self.check_template(rule.explain, every_binding)
        return self.problems

    def check_alternatives(
        self, alts: list[list[Pattern]], prefix: str
    ) -> dict[str, EvidenceKind | None]:
        every_binding: dict[str, EvidenceKind | None] = {}
        for number, patterns in enumerate(alts):
            where = f"{prefix}.all" if len(alts) == 1 else f"{prefix}.any[{number}].all"
            bound: dict[str, EvidenceKind | None] = {}
            for index, pattern in enumerate(patterns):
                path = f"{where}[{index}]"
                positive = pattern.none if isinstance(pattern, AbsencePattern) else pattern
                if isinstance(pattern, AbsencePattern) and positive.binding:
                    self.report(f"{path}.none.as", "an absence pattern cannot bind a name")
                if isinstance(positive, EvidencePattern):
                    kind = self.check_evidence(positive, path)
                    if positive.binding:
                        self.bind(bound, positive.binding, kind, path)
                else:
                    self.check_finding(positive, path)
                    if positive.binding:
                        self.bind(bound, positive.binding, None, path)
            every_binding.update(bound)
        return every_binding

    def check_value(self, path: str, subject: str, value: str | None) -> None:
        spec = self.book.conclusions.get(subject)
        if spec is not None and value is not None and value not in spec.values:
            self.report(path, f"'{value}' is not a value of '{subject}' ({', '.join(spec.values)})")

    def check_weighing(self, weighing: Weighing) -> list[Problem]:
        spec = weighing.weigh
        if spec.conclude not in self.book.conclusions:
            self.report(
                "weigh.conclude", f"conclusion '{spec.conclude}' is not declared in the vocabulary"
            )
        for index, band in enumerate(spec.bands):
            self.check_value(f"weigh.bands[{index}].value", spec.conclude, band.value)
            if isinstance(band.min, ParamRef):
                self.check_threshold(band.min, f"weigh.bands[{index}].min")
        for index, case in enumerate(spec.silent):
            self.check_value(f"weigh.silent[{index}].value", spec.conclude, case.value)
            if case.when is not None:
                self.check_alternatives(alternatives(case.when), f"weigh.silent[{index}].when")
        self.check_value("weigh.undetermined", spec.conclude, spec.undetermined)
        unknown = set(self.book.info.outcome.unknown_values)
        for index, term in enumerate(spec.terms):
            path = f"weigh.terms[{index}]"
            if term.group is not None and term.group not in spec.groups:
                self.report(f"{path}.group", f"group '{term.group}' is not declared in 'groups'")
            if term.when is not None:
                self.check_alternatives(alternatives(term.when), f"{path}.when")
                continue
            finding = term.finding or ""
            conclusion = self.book.conclusions.get(finding)
            if conclusion is None:
                self.report(
                    f"{path}.finding", f"conclusion '{finding}' is not declared in the vocabulary"
                )
                continue
            mapped = term.points if isinstance(term.points, dict) else {}
            for value in mapped:
                if value not in conclusion.values:
                    self.report(
                        f"{path}.points",
                        f"'{value}' is not a value of '{finding}' ({', '.join(conclusion.values)})",
                    )
            missing = [v for v in conclusion.values if v not in mapped and v not in unknown]
            if missing:
                self.report(
                    f"{path}.points",
                    f"gives no points for {', '.join(missing)}: map every value of '{finding}' "
                    "that is not an unknown value",
                )
            if spec.undetermined is None and any(v in unknown for v in conclusion.values):
                self.report(
                    "weigh.undetermined",
                    f"'{finding}' can be unknown ({', '.join(v for v in conclusion.values if v in unknown)}): "
                    "say which value the weighing concludes when that could move it",
                )
        return self.problems

    def check_threshold(self, ref: ParamRef, path: str) -> None:
        param = self.book.parameters.get(ref.param)
        if param is None:
            self.report(path, f"parameter '{ref.param}' is not declared")
            return
        if param.type not in ("integer", "number"):
            self.report(path, f"parameter '{ref.param}' is {param.type}; a band needs a number")
            return
        end = self.rule.in_force.end or self.rule.in_force.start
        for year in range(self.rule.in_force.start, end + 1):
            if param.value_for(year) is None:
                self.report(
                    path,
                    f"parameter '{ref.param}' has no value for report year {year}, when the weighing is in force",
                )
                break

    def bind(
        self, bound: dict[str, EvidenceKind | None], name: str, kind: EvidenceKind | None, path: str
    ) -> None:
        if name in bound:
            self.report(f"{path}.as", f"name '{name}' is bound twice")
        bound[name] = kind

    def check_finding(self, pattern: FindingPattern, path: str) -> None:
        spec = self.book.conclusions.get(pattern.finding)
        if spec is None:
            self.report(
                f"{path}.finding",
                f"conclusion '{pattern.finding}' is not declared in the vocabulary",
            )
            return
        for value in pattern.accepted() or []:
            if value not in spec.values:
                self.report(
                    f"{path}.is",
                    f"'{value}' is not a value of '{pattern.finding}' ({', '.join(spec.values)})",
                )

    def check_evidence(self, pattern: EvidencePattern, path: str) -> EvidenceKind | None:
        kind = self.book.kinds.get(pattern.evidence)
        if kind is None:
            self.report(
                f"{path}.evidence",
                f"evidence kind '{pattern.evidence}' is not declared in the vocabulary",
            )
            return None
        for field_name, test in pattern.where.items():
            field_path = f"{path}.where.{field_name}"
            spec = kind.fields.get(field_name)
            if spec is None:
                self.report(
                    field_path,
                    f"reads field '{field_name}', which evidence kind '{pattern.evidence}' does not declare",
                )
                continue
            comparison = test if isinstance(test, Comparison) else Comparison(eq=test)
            for op, operand in comparison.operators():
                self.check_operand(kind, spec, op, operand, field_path)
        return kind

    def check_operand(
        self, kind: EvidenceKind, spec: FieldSpec, op: str, operand: Any, path: str
    ) -> None:
        if op == "exists":
            return
        if op in ("lt", "lte", "gt", "gte") and spec.type not in ORDERED_TYPES:
            self.report(
                f"{path}.{op}",
                f"'{op}' needs a number or date field, but this field is {spec.type}",
            )
            return
        if op == "in":
            for item in operand:
                error = type_error(spec, item)
                if error:
                    self.report(f"{path}.in", error)
            return
        if isinstance(operand, ParamRef):
            param = self.book.parameters.get(operand.param)
            if param is None:
                self.report(f"{path}.{op}", f"parameter '{operand.param}' is not declared")
            elif param.type not in _PARAM_TYPE_FOR_FIELD[spec.type]:
                self.report(
                    f"{path}.{op}",
                    f"parameter '{operand.param}' is {param.type}, the field is {spec.type}",
                )
            else:
                for year in range(
                    self.rule.in_force.start,
                    (self.rule.in_force.end or self.rule.in_force.start) + 1,
                ):
                    if param.value_for(year) is None:
                        self.report(
                            f"{path}.{op}",
                            f"parameter '{operand.param}' has no value for report year {year}, when the rule is in force",
                        )
                        break
            return
        if isinstance(operand, FieldRef):
            other = kind.fields.get(operand.field)
            if other is None:
                self.report(
                    f"{path}.{op}",
                    f"compares with field '{operand.field}', which this evidence kind does not declare",
                )
            elif _PARAM_TYPE_FOR_FIELD[other.type] != _PARAM_TYPE_FOR_FIELD[spec.type]:
                self.report(
                    f"{path}.{op}",
                    f"compares a {spec.type} field with the {other.type} field '{operand.field}'",
                )
            return
        error = type_error(spec, operand)
        if error:
            self.report(f"{path}.{op}", error)

    def check_template(self, template: str, bound: dict[str, EvidenceKind | None]) -> None:
        try:
            fields = [
                (f, spec, conversion)
                for _, f, spec, conversion in string.Formatter().parse(template)
                if f is not None
            ]
        except ValueError as exc:
            self.report("explain", f"malformed template: {exc}")
            return
        for name, spec, conversion in fields:
            if spec or conversion:
                # A value may be "(not recorded)" or a finding's words: a format spec can fail on
                # it, and a conversion (!r) would print the engine's own objects.
                shown = (
                    name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
                )
                self.report(
                    "explain",
                    f"template field '{{{shown}}}' has a format spec or a conversion: write "
                    f"plain fields, as '{{{name or 'law.id'}}}' (values are shown as recorded)",
                )
        names = [name for name, _, _ in fields]
        if "" in names:
            self.report(
                "explain", "template has an empty field '{}': name a binding, as '{law.id}'"
            )
            names = [name for name in names if name]
        for name in names:
            binding, _, attribute = name.partition(".")
            if binding not in bound:
                self.report(
                    "explain", f"template names '{binding}', which no pattern binds with 'as'"
                )
                continue
            kind = bound[binding]
            if (
                attribute
                and kind is not None
                and attribute not in kind.fields
                and attribute != "id"
            ):
                self.report(
                    "explain",
                    f"template reads '{name}', a field its evidence kind does not declare",
                )
            if kind is None and attribute not in ("", "value"):
                self.report("explain", f"template reads '{name}'; a finding has only 'value'")


def check_rulebook(book: Rulebook) -> list[Problem]:
    """Every problem of the rulebook as a whole: outcome declaration and every rule's types."""
    problems: list[Problem] = []
    outcome = book.info.outcome
    spec = book.conclusions.get(outcome.conclusion)

    def at(dotted: str, message: str) -> Problem:
        file, line = book.info_location(dotted)
        return Problem(file, line, f"rulebook.{dotted}", message)

    if spec is None:
        problems.append(
            at("outcome.conclusion", f"outcome conclusion '{outcome.conclusion}' is not declared")
        )
    else:
        for value in [*outcome.ladder, *outcome.not_applicable, *outcome.undetermined]:
            if value not in spec.values:
                problems.append(
                    at("outcome", f"'{value}' is not a value of '{outcome.conclusion}'")
                )
    settings = book.info.history
    if settings is not None:
        for kind_name, fields in (
            (
                settings.placement_kind,
                [
                    settings.offset_field,
                    settings.waived_field,
                    settings.downgrade_field,
                    *settings.downgrade_values,
                ],
            ),
            (settings.waiver_kind, []),
        ):
            kind = book.kinds.get(kind_name)
            if kind is None:
                problems.append(at("history", f"evidence kind '{kind_name}' is not declared"))
                continue
            for field_name in fields:
                if field_name and field_name not in kind.fields:
                    problems.append(
                        at(
                            "history",
                            f"evidence kind '{kind_name}' declares no field '{field_name}'",
                        )
                    )
        placement = book.kinds.get(settings.placement_kind)
        for field_name, given in settings.downgrade_values.items():
            field_spec = placement.fields.get(field_name) if placement else None
            message = type_error(field_spec, given) if field_spec is not None else None
            if message:
                problems.append(at(f"history.downgrade_values.{field_name}", message))
    narrative = book.info.narrative
    if narrative is not None:
        kind = book.kinds.get(narrative.kind)
        spec_field = kind.fields.get(narrative.completeness_field) if kind else None
        if kind is None or spec_field is None:
            problems.append(
                at(
                    "narrative",
                    f"evidence kind '{narrative.kind}' with field "
                    f"'{narrative.completeness_field}' is not declared",
                )
            )
        elif not kind.generated:
            problems.append(
                at(
                    "narrative",
                    f"evidence kind '{narrative.kind}' must be marked 'generated: true'",
                )
            )
    for item in book.items():
        problems.extend(_RuleChecker(book, item).check())
    return problems
