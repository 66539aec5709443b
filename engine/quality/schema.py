"""JSON Schemas for rule files, evidence dossiers and placement histories.

Editors validate YAML as it is typed from these (VS Code's YAML extension, or any client of
yaml-language-server, with a `# yaml-language-server: $schema=...` first line). The rule-file
schema comes from the pydantic models the loader uses; the evidence and history schemas add the
rulebook's vocabulary (kinds, fields, types, enum values), so they are generated from a loaded
rulebook and committed under schemas/, with a test that they are up to date.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field

from engine.load.history import History
from engine.load.rulebook import Rulebook
from engine.models import (
    ConclusionSpec,
    Dossier,
    EvidenceKind,
    FieldSpec,
    Parameter,
    Rule,
    RulebookInfo,
    Strict,
    Weighing,
)
from engine.models.base import empty_dict, empty_list

DRAFT = "http://json-schema.org/draft-07/schema#"
KINDS = ("rules", "evidence", "history")


class _Vocabulary(Strict):
    evidence: dict[str, EvidenceKind] = Field(default_factory=empty_dict)
    conclusions: dict[str, ConclusionSpec] = Field(default_factory=empty_dict)


class _Label(Strict):
    label: str = Field(min_length=1)
    tone: Literal["good", "mixed", "bad", "unknown", "neutral"] = "neutral"


class _Group(Strict):
    title: str = Field(min_length=1)
    match: list[str] = Field(min_length=1, description="Conclusion names or patterns")


class _Labels(Strict):
    """Plain-English words for conclusion values (engine/load/labels.py reads them)."""

    values: dict[str, str | _Label] = Field(default_factory=empty_dict)
    conclusions: dict[str, dict[str, str | _Label]] = Field(default_factory=empty_dict)
    groups: list[_Group] = Field(default_factory=empty_list)


class RulesFile(Strict):
    """A file under rules/: any of the five sections (the loader merges all files)."""

    rulebook: RulebookInfo | None = None
    vocabulary: _Vocabulary | None = None
    parameters: dict[str, Parameter] | None = None
    rules: list[Rule | Weighing] | None = None
    labels: _Labels | None = None


def _finish(schema: dict[str, Any], title: str) -> dict[str, Any]:
    return {"$schema": DRAFT, "title": title, **{k: v for k, v in schema.items() if k != "title"}}


def rules_schema() -> dict[str, Any]:
    return _finish(RulesFile.model_json_schema(by_alias=True), "tip-assess rule file")


def _field_schema(spec: FieldSpec) -> dict[str, Any]:
    schema: dict[str, Any]
    if spec.type == "enum":
        schema = {"enum": list(spec.values or [])}
    elif spec.type == "date":
        schema = {
            "anyOf": [
                {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
                {"type": "integer", "minimum": 1000, "maximum": 9999},
            ]
        }
    else:
        schema = {"type": spec.type}
    description = " ".join(
        part for part in (spec.description, spec.unit and f"({spec.unit})") if part
    )
    if description:
        schema["description"] = description
    return schema


def _values_schema(kind: EvidenceKind) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: _field_schema(spec) for name, spec in kind.fields.items()},
        "required": [name for name, spec in kind.fields.items() if spec.required],
    }


def _items(book: Rulebook, ref: str, judgment: bool) -> dict[str, Any]:
    kinds = {name: kind for name, kind in book.kinds.items() if kind.judgment == judgment}
    kind_enum: dict[str, Any] = {
        "enum": list(kinds),
        "description": "An evidence kind of the vocabulary",
    }
    return {
        "allOf": [
            {"$ref": ref},
            {"properties": {"kind": kind_enum}},
            *(
                {
                    "if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
                    "then": {
                        "description": kind.title,
                        "properties": {"values": _values_schema(kind)},
                    },
                }
                for name, kind in kinds.items()
            ),
        ]
    }


def evidence_schema(book: Rulebook) -> dict[str, Any]:
    """The dossier schema, with each kind's fields checked by type, enum and required-ness."""
    schema = Dossier.model_json_schema(by_alias=True)
    schema["properties"]["records"]["items"] = _items(book, "#/$defs/EvidenceRecord", False)
    schema["properties"]["judgments"]["items"] = _items(book, "#/$defs/JudgmentRecord", True)
    return _finish(schema, f"tip-assess evidence dossier ({book.info.name} {book.info.version})")


def history_schema(book: Rulebook) -> dict[str, Any]:
    """Entries are the fields of the vocabulary kinds the rulebook names for histories."""
    schema = History.model_json_schema(by_alias=True)
    settings = book.info.history
    if settings is not None:
        derived = {settings.offset_field, settings.waived_field}
        for section, kind_name in (
            ("placements", settings.placement_kind),
            ("waivers", settings.waiver_kind),
        ):
            kind = book.kinds.get(kind_name)
            if kind is None:
                continue
            fields = {n: spec for n, spec in kind.fields.items() if n not in derived}
            schema["properties"][section]["items"] = {
                "type": "object",
                "description": kind.title,
                "additionalProperties": False,
                "properties": {
                    "year": {"type": "integer", "minimum": 2001, "maximum": 2100},
                    "note": {"type": "string"},
                    **{name: _field_schema(spec) for name, spec in fields.items()},
                },
                "required": sorted({"year"} | {n for n, spec in fields.items() if spec.required}),
            }
    return _finish(schema, f"tip-assess placement history ({book.info.name} {book.info.version})")


def schema_for(kind: str, book: Rulebook) -> dict[str, Any]:
    if kind == "rules":
        return rules_schema()
    if kind == "evidence":
        return evidence_schema(book)
    if kind == "history":
        return history_schema(book)
    raise ValueError(f"unknown schema {kind!r}; expected one of {', '.join(KINDS)}")


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
