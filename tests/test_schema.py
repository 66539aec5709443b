"""JSON Schemas for rule files, dossiers and histories: committed, up to date, and editor-ready."""

from __future__ import annotations

import json

import pytest
import support

from engine.quality.schema import KINDS, render, schema_for

SCHEMAS = support.ROOT / "schemas"


@pytest.mark.parametrize("kind", KINDS)
def test_committed_schema_is_up_to_date(kind: str) -> None:
    committed = (SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8")
    generated = render(schema_for(kind, support.rulebook()))
    assert committed == generated, (
        f"schemas/{kind}.schema.json is stale: run "
        f"`tip-assess schema {kind} -o schemas/{kind}.schema.json`"
    )


def test_evidence_schema_carries_the_vocabulary() -> None:
    book = support.rulebook()
    schema = schema_for("evidence", book)
    records = schema["properties"]["records"]["items"]["allOf"]
    facts = records[1]["properties"]["kind"]["enum"]
    assert facts == [name for name, kind in book.kinds.items() if not kind.judgment]
    by_kind = {rule["if"]["properties"]["kind"]["const"]: rule["then"] for rule in records[2:]}
    values = by_kind["prior_placement"]["properties"]["values"]
    assert values["required"] == ["years_before", "year", "placement"]
    assert values["additionalProperties"] is False
    assert "Tier 2 Watch List" in values["properties"]["placement"]["enum"]
    judgments = schema["properties"]["judgments"]["items"]["allOf"][1]["properties"]["kind"]
    assert "proportional_concrete_actions" in judgments["enum"]


def test_rules_schema_describes_every_section() -> None:
    schema = schema_for("rules", support.rulebook())
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert set(schema["properties"]) == {"rulebook", "vocabulary", "parameters", "rules", "labels"}
    assert schema["additionalProperties"] is False
    assert {"citation", "text", "in_force", "then"} <= set(schema["$defs"]["Rule"]["required"])


def test_yaml_files_point_editors_at_the_schemas() -> None:
    for path in sorted((support.ROOT / "rules").glob("*.yaml")):
        if path.name == "vocabulary.yaml":
            continue  # shared file, edited by others; see docs/rules.md
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schemas/rules.schema.json", path
    history = (support.EVIDENCE / "peru" / "history.yaml").read_text().splitlines()[0]
    assert history == "# yaml-language-server: $schema=../../schemas/history.schema.json"


def test_schema_command(tmp_path: object) -> None:
    run = support.run_cli("schema", "history")
    assert run.returncode == 0
    assert json.loads(run.stdout)["title"].startswith("tip-assess placement history")
    bad = support.run_cli("schema", "dossiers")
    assert bad.returncode == 2
    assert "Invalid value for '{rules|evidence|history}'" in bad.stderr


def _validator(kind: str) -> object:
    import jsonschema

    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def _as_json(path: object) -> object:
    import yaml

    with open(str(path), encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return json.loads(json.dumps(data, default=str))


@pytest.mark.parametrize(
    ("kind", "pattern"),
    [
        ("evidence", "evidence/*/20*.yaml"),
        ("history", "evidence/*/history.yaml"),
        ("rules", "rules/*.yaml"),
    ],
)
def test_every_committed_file_validates_against_its_schema(kind: str, pattern: str) -> None:
    """What an editor checks as you type agrees with what the loader accepts."""
    validator = _validator(kind)
    files = sorted(support.ROOT.glob(pattern))
    assert files
    for path in files:
        errors = [e.message for e in validator.iter_errors(_as_json(path))]  # type: ignore[attr-defined]
        assert not errors, (path.name, errors[:3])


def test_the_evidence_schema_rejects_what_the_loader_rejects() -> None:
    validator = _validator("evidence")
    dossier = _as_json(support.dossier_path("Peru", 2007))
    assert isinstance(dossier, dict)
    dossier["records"][0]["kind"] = "no_such_kind"
    dossier["records"][1]["values"]["invented_field"] = True
    messages = [e.message for e in validator.iter_errors(dossier)]  # type: ignore[attr-defined]
    assert any("no_such_kind" in message for message in messages), messages
    assert any("invented_field" in message for message in messages), messages
