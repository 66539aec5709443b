"""One change to an assessment's inputs, applied to a dossier, to the engine's facts or to a
rulebook, and parsed (type-checked against the vocabulary) from the command line.

Nothing here writes a file: a change makes a new in-memory dossier or rulebook. Every change can
be applied two ways that must agree: to the dossier (for a full assessment with its explanation)
and to the input facts of an assessment already run (for fast sweeps that only need the
placement); tests hold the two to each other.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import InputError
from engine.load.dossier import LoadedDossier
from engine.load.rulebook import Rulebook
from engine.load.vocabulary import check_record_values, type_error
from engine.models import EvidenceRecord, FieldSpec, InputFact, JudgmentRecord
from engine.reason.describe import shown_value
from engine.whatif.params import with_parameter

Record = EvidenceRecord | JudgmentRecord
Facts = dict[str, InputFact]


def shown(value: Any) -> str:
    return "(not recorded)" if value is None else shown_value(value)


@dataclass(frozen=True)
class Change:
    """A single change. `kind` is what the fragility contract calls it: record, judgment,
    reading or parameter; `target` the record id or parameter name."""

    kind: str
    target: str

    @property
    def text(self) -> str:
        raise NotImplementedError

    @property
    def category(self) -> str:
        """The change without the dossier's record id, to count it across a corpus."""
        raise NotImplementedError

    def touches(self) -> tuple[str, str | None]:
        """What the change edits: two changes that touch the same thing cannot be combined."""
        return (f"{self.kind}:{self.target}", None)

    def apply_facts(self, facts: Facts) -> Facts:
        return facts

    def apply_dossier(self, loaded: LoadedDossier) -> LoadedDossier:
        return loaded

    def apply_book(self, book: Rulebook) -> Rulebook:
        return book

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.target, "change": self.text}


def _replace_record(
    loaded: LoadedDossier, record_id: str, new: Record | None, tag: str
) -> LoadedDossier:
    """The dossier with one record or judgment replaced (or dropped when `new` is None)."""
    dossier = loaded.dossier
    records = [r for r in dossier.records if r.id != record_id or new is not None]
    judgments = [j for j in dossier.judgments if j.id != record_id or new is not None]
    if new is not None:
        records = [
            new if r.id == record_id and isinstance(new, EvidenceRecord) else r for r in records
        ]
        judgments = [
            new if j.id == record_id and isinstance(new, JudgmentRecord) else j for j in judgments
        ]
    updated = dossier.model_copy(update={"records": records, "judgments": judgments})
    return dataclasses.replace(loaded, dossier=updated, sha256=variant_sha(loaded.sha256, tag))


def variant_sha(base: str, tag: str) -> str:
    """The evidence digest of a variant: the base digest and the change, hashed together."""
    return hashlib.sha256(f"{base}\nwhat-if: {tag}".encode()).hexdigest()


def find_record(loaded: LoadedDossier, record_id: str) -> tuple[str, int, Record] | None:
    """The section ("records" or "judgments"), index and entry of a record id."""
    for index, record in enumerate(loaded.dossier.records):
        if record.id == record_id:
            return "records", index, record
    for index, judgment in enumerate(loaded.dossier.judgments):
        if judgment.id == record_id:
            return "judgments", index, judgment
    return None


def _same(before: Any, after: Any) -> bool:
    """A value set to what it already is (true is not 1, nor 1 the number 1.0)."""
    return type(before) is type(after) and before == after


@dataclass(frozen=True)
class SetValue(Change):
    """A record's or judgment's field set to another value (None: the field not recorded)."""

    field: str = ""
    value: Any = None
    before: Any = None
    record_kind: str = ""

    @property
    def text(self) -> str:
        if _same(self.before, self.value):
            return f"{self.target}: {self.field} is already {shown(self.value)} (no change)"
        return f"{self.target}: {self.field} {shown(self.before)} → {shown(self.value)}"

    @property
    def category(self) -> str:
        return f"{self.record_kind}.{self.field} = {shown(self.value)}"

    def touches(self) -> tuple[str, str | None]:
        return (f"record:{self.target}", self.field)

    def _values(self, values: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in values.items() if k != self.field}
        if self.value is not None:
            out[self.field] = self.value
        return out

    def apply_facts(self, facts: Facts) -> Facts:
        fact = facts[self.target]
        changed = dataclasses.replace(fact, values=self._values(fact.values))
        return {**facts, self.target: changed}

    def apply_dossier(self, loaded: LoadedDossier) -> LoadedDossier:
        found = find_record(loaded, self.target)
        assert found is not None, self.target
        record = found[2]
        new = record.model_copy(update={"values": self._values(dict(record.values))})
        return _replace_record(loaded, self.target, new, self.text)


@dataclass(frozen=True)
class RemoveRecord(Change):
    """A record or judgment left out, as if the analyst had not recorded it."""

    record_kind: str = ""

    @property
    def text(self) -> str:
        what = "judgment" if self.kind == "judgment" else "record"
        return f"{what} {self.target} ({self.record_kind}) removed"

    @property
    def category(self) -> str:
        return f"without {self.record_kind}"

    def touches(self) -> tuple[str, str | None]:
        return (f"record:{self.target}", None)

    def apply_facts(self, facts: Facts) -> Facts:
        return {k: v for k, v in facts.items() if k != self.target}

    def apply_dossier(self, loaded: LoadedDossier) -> LoadedDossier:
        return _replace_record(loaded, self.target, None, self.text)


@dataclass(frozen=True)
class UseReading(Change):
    """A contested reading's alternative: the other values, or the record omitted."""

    alternative: Any = None
    record_kind: str = ""

    @property
    def text(self) -> str:
        if self.alternative == "omit":
            return f"{self.target}: the other reading records nothing (record omitted)"
        shown_values = ", ".join(f"{k}={shown(v)}" for k, v in sorted(self.alternative.items()))
        return f"{self.target}: the other reading ({shown_values})"

    @property
    def category(self) -> str:
        return f"other reading of {self.record_kind}"

    def touches(self) -> tuple[str, str | None]:
        return (f"record:{self.target}", None)

    def apply_facts(self, facts: Facts) -> Facts:
        if self.alternative == "omit":
            return {k: v for k, v in facts.items() if k != self.target}
        fact = facts[self.target]
        values = {**fact.values, **self.alternative}
        return {**facts, self.target: dataclasses.replace(fact, values=values)}

    def apply_dossier(self, loaded: LoadedDossier) -> LoadedDossier:
        if self.alternative == "omit":
            return _replace_record(loaded, self.target, None, self.text)
        found = find_record(loaded, self.target)
        assert found is not None, self.target
        record = found[2]
        values = {**record.values, **self.alternative}
        new = record.model_copy(update={"values": values})
        return _replace_record(loaded, self.target, new, self.text)


@dataclass(frozen=True)
class SetParameter(Change):
    """A parameter's value for the assessed report year (the rulebook gets its own sha256)."""

    value: Any = None
    before: Any = None
    year: int = 0

    @property
    def text(self) -> str:
        if _same(self.before, self.value):
            return (
                f"parameter {self.target}: is already {shown(self.value)} for report year "
                f"{self.year} (no change)"
            )
        return (
            f"parameter {self.target}: {shown(self.before)} → {shown(self.value)} "
            f"for report year {self.year}"
        )

    @property
    def category(self) -> str:
        return f"{self.target} = {shown(self.value)}"

    def apply_book(self, book: Rulebook) -> Rulebook:
        return with_parameter(book, self.target, self.value, self.year)


def record_changes(changes: list[Change]) -> list[Change]:
    return [c for c in changes if not isinstance(c, SetParameter)]


# --------------------------------------------------------------------------- parsing


def parse_field_value(spec: FieldSpec | str, text: str) -> Any:
    """A command-line value typed by the field (or parameter) type: `null` means not recorded."""
    kind = spec if isinstance(spec, str) else spec.type
    if text == "null":
        return None
    if kind == "boolean":
        return {"true": True, "false": False}.get(text.lower(), text)
    if kind in ("integer", "number"):
        for convert in (int, float) if kind == "number" else (int,):
            try:
                return convert(text)
            except ValueError:
                continue
    return text


def _record_problem(
    loaded: LoadedDossier,
    record_id: str,
    field: str | None,
    message: str,
    under: tuple[str, ...] = ("values",),
) -> InputError:
    found = find_record(loaded, record_id)
    if found is None:
        return InputError.single(loaded.path, None, None, message)
    section, index, _ = found
    where = f"{section}[{index}]" + (f".{'.'.join(under)}.{field}" if field else "")
    line = loaded.record_lines.get(record_id)
    if field:
        # The field's own line, when the dossier can be read again (only for the message).
        try:
            from engine.load.yamlsource import load_yaml_file  # PyYAML only to parse (yamlsource)

            _, lines, _ = load_yaml_file(Path(loaded.path))
            line = (
                lines.line_of((section, index, *under, field))
                or lines.line_of((section, index, *under))
                or line
            )
        except InputError:
            pass
    return InputError.single(loaded.path, line, where, message)


def _known(loaded: LoadedDossier, record_id: str, option: str) -> tuple[str, int, Record]:
    found = find_record(loaded, record_id)
    if found is None:
        ids = [r.id for r in loaded.dossier.records] + [j.id for j in loaded.dossier.judgments]
        raise InputError.single(
            loaded.path,
            None,
            None,
            f"{option}: no record or judgment '{record_id}' in the dossier "
            f"(ids: {', '.join(ids) or 'none'})",
        )
    return found


def parse_set(book: Rulebook, loaded: LoadedDossier, spec: str) -> SetValue:
    """`ID.FIELD=VALUE`, type-checked against the record's kind in the vocabulary."""
    option = f"--set {spec}"
    lhs, equals, text = spec.partition("=")
    record_id, dot, field = lhs.rpartition(".")
    if not equals or not dot or not record_id or not field:
        raise InputError.single("--set", None, None, f"{spec!r}: expected ID.FIELD=VALUE")
    section, _, record = _known(loaded, record_id, option)
    kind = book.kinds[record.kind]
    field_spec = kind.fields.get(field)
    if field_spec is None:
        declared = ", ".join(sorted(kind.fields)) or "none"
        raise _record_problem(
            loaded,
            record_id,
            field,
            f"{option}: field not declared for kind '{record.kind}' (declared: {declared})",
        )
    value = parse_field_value(field_spec, text)
    error = None if value is None else type_error(field_spec, value)
    if error is None:
        values = {k: v for k, v in record.values.items() if k != field}
        if value is not None:
            values[field] = value
        error = next(
            (message for name, message in check_record_values(kind, values) if name == field), None
        )
    if error is not None:
        raise _record_problem(loaded, record_id, field, f"{option}: {error}")
    return SetValue(
        kind="judgment" if section == "judgments" else "record",
        target=record_id,
        field=field,
        value=value,
        before=record.values.get(field),
        record_kind=record.kind,
    )


def parse_without(loaded: LoadedDossier, record_id: str) -> RemoveRecord:
    section, _, record = _known(loaded, record_id, f"--without {record_id}")
    kind = "judgment" if section == "judgments" else "record"
    return RemoveRecord(kind=kind, target=record_id, record_kind=record.kind)


def parse_reading(
    book: Rulebook, loaded: LoadedDossier, record_id: str, via: str = "--reading"
) -> UseReading:
    """The other reading of a record or judgment, its alternative values checked against the
    kind (a bad alternative is an input error naming the dossier line, never a silent variant)."""
    option = f"{via} {record_id}"
    _, _, record = _known(loaded, record_id, option)
    reading = record.reading
    if reading is None:
        raise _record_problem(
            loaded, record_id, None, f"{option}: the record has no contested reading ('reading:')"
        )
    if isinstance(reading.alternative, dict):
        merged = {**record.values, **reading.alternative}
        for name, message in check_record_values(book.kinds[record.kind], merged):
            raise _record_problem(
                loaded,
                record_id,
                name,
                f"{option}: the alternative: {message}",
                under=("reading", "alternative"),
            )
    return UseReading(
        kind="reading", target=record_id, alternative=reading.alternative, record_kind=record.kind
    )


def parse_param(book: Rulebook, spec: str, year: int) -> SetParameter:
    """`NAME=VALUE`: the parameter's value for the report year assessed, type-checked."""
    option = f"--param {spec}"
    name, equals, text = spec.partition("=")
    if not equals or not name:
        raise InputError.single("--param", None, None, f"{spec!r}: expected NAME=VALUE")
    parameter = book.parameters.get(name)
    if parameter is None:
        raise InputError.single(
            book.root,
            None,
            None,
            f"{option}: no parameter '{name}' in the rulebook "
            f"(parameters: {', '.join(sorted(book.parameters)) or 'none'})",
        )
    value = parse_field_value(parameter.type, text)
    error = "a parameter needs a value" if value is None else parameter.type_error(value)
    if error is not None:
        origin = book.origins.get(f"parameter:{name}")
        raise InputError.single(
            origin.file if origin else book.root,
            origin.line if origin else None,
            f"parameters.{name}",
            f"{option}: {error}",
        )
    return SetParameter(
        kind="parameter", target=name, value=value, before=parameter.value_for(year), year=year
    )


def check_combinable(changes: list[Change]) -> None:
    """Two changes to the same field, record or parameter are a usage error, not a variant."""
    seen: dict[tuple[str, str | None], Change] = {}
    for change in changes:
        key = change.touches()
        clash = [
            other
            for (target, field), other in seen.items()
            if target == key[0] and (field is None or key[1] is None or field == key[1])
        ]
        if clash:
            raise InputError.single(
                "what-if",
                None,
                None,
                f"'{change.text}' and '{clash[0].text}' change the same thing; give one",
            )
        seen[key] = change


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


__all__ = [
    "Change",
    "RemoveRecord",
    "SetParameter",
    "SetValue",
    "UseReading",
    "canonical",
    "check_combinable",
    "parse_param",
    "parse_reading",
    "parse_set",
    "parse_without",
]
