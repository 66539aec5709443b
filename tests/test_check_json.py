"""`tip-assess check --format json`: what was checked, and every problem by its fields, as the
text output reports them; the same exit status (2 when any input is bad)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import support


def test_a_valid_tree_as_json() -> None:
    done = support.run_cli("check", "evidence", "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["ok"] is True and document["problems"] == []
    assert document["counts"]["dossier"] >= 15 and document["counts"]["history"] >= 1
    assert document["rulebook"]["name"] == "tvpa"


def test_bad_dossiers_as_json_give_the_text_outputs_problems(tmp_path: Path) -> None:
    dossier = support.peru_tree(tmp_path / "evidence")
    text = dossier.read_text(encoding="utf-8")
    dossier.write_text(text.replace("report_year: 2007", "report_year: twenty"), encoding="utf-8")
    other = tmp_path / "evidence" / "chile" / "2007.yaml"
    other.parent.mkdir()
    shutil.copy(dossier, other)
    plain = support.run_cli("check", str(tmp_path / "evidence"))
    done = support.run_cli("check", str(tmp_path / "evidence"), "--format", "json")
    assert done.returncode == plain.returncode == 2
    document = json.loads(done.stdout)
    assert document["ok"] is False
    errors = [line.removeprefix("error: ") for line in plain.stderr.splitlines()]
    assert [problem["text"] for problem in document["problems"]] == errors
    assert len(errors) == 2
    for problem in document["problems"]:
        assert (problem["field"], problem["line"]) == ("report_year", 3)
        assert problem["file"].endswith("/2007.yaml")
