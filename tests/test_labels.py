"""rules/labels.yaml: the words for every conclusion value, read by the loader and checked
against the vocabulary (a bad entry is a located input error; a missing one fails lint)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import support

from engine.errors import InputError
from engine.load.labels import missing_labels
from engine.load.rules import load_rulebook


def _rules_with(tmp_path: Path, labels: str) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(support.RULES, rules)
    (rules / "labels.yaml").write_text(labels, encoding="utf-8")
    return rules


def test_every_value_of_every_conclusion_has_words() -> None:
    book = support.rulebook()
    assert book.labels is not None
    assert missing_labels(book.labels, book.conclusions) == []
    assert book.labels.label("criterion_2", "partly_met").text == "Partly met"
    assert book.labels.label("criterion_2", "partly_met").tone == "mixed"
    # a conclusion's own words win over the shared ones
    assert book.labels.label("applicability", "not_applicable").text.startswith("Do not apply (")
    assert (
        book.labels.label("watch_list_trigger", "triggered").text
        == "A watch-list criterion applies"
    )
    assert book.labels.label("criterion_2", "no_such_value") is None


def test_groups_order_the_summary_table() -> None:
    book = support.rulebook()
    assert book.labels is not None
    assert book.labels.group_of("standard_3") == 0
    assert book.labels.group_of("criterion_12") == 1
    assert book.labels.group_of("full_compliance") == 2
    assert book.labels.group_of("placement") is None


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (
            "labels:\n  values:\n    met: {label: Met, tone: shiny}\n",
            "rules/labels.yaml:3: field 'labels.values.met.tone': tone must be one of good, mixed, bad, unknown, neutral",
        ),
        (
            "labels:\n  conclusions:\n    standard_9: {met: Met}\n",
            "rules/labels.yaml:3: field 'labels.conclusions.standard_9': labels for 'standard_9', which the vocabulary does not declare as a conclusion",
        ),
        (
            "labels:\n  conclusions:\n    standard_1:\n      partly: Partly\n",
            "rules/labels.yaml:4: field 'labels.conclusions.standard_1.partly': 'partly' is not a value of conclusion 'standard_1'",
        ),
        (
            "labels:\n  values:\n    met: ''\n",
            "rules/labels.yaml:3: field 'labels.values.met': a label must not be blank",
        ),
        (
            "labels:\n  colours: {}\n",
            "rules/labels.yaml:2: field 'labels.colours': unknown key; expected one of values, conclusions, groups",
        ),
        (
            "labels:\n  groups:\n    - title: Standards\n",
            "rules/labels.yaml:3: field 'labels.groups.0': a group has a 'title' and a non-empty 'match' list",
        ),
    ],
)
def test_a_bad_label_is_a_located_input_error(tmp_path: Path, labels: str, expected: str) -> None:
    rules = _rules_with(tmp_path, labels)
    with pytest.raises(InputError) as caught:
        load_rulebook(rules, "rules")
    assert any(expected in p.render() for p in caught.value.problems), caught.value.render()
    if "shiny" not in labels:
        return  # the CLI path is the same for every problem: run it once
    run = support.run_cli("assess", str(support.ROOT / "evidence/peru/2007.yaml"), cwd=tmp_path)
    assert run.returncode == 2
    assert expected in run.stderr
    assert run.stdout == "" and "Traceback" not in run.stderr


def test_a_missing_label_fails_lint_naming_the_vocabulary_line(tmp_path: Path) -> None:
    text = (support.RULES / "labels.yaml").read_text(encoding="utf-8")
    rules = _rules_with(
        tmp_path, text.replace("    partly_met: {label: Partly met, tone: mixed}\n", "")
    )
    book = load_rulebook(rules, "rules")  # a missing label is no input error: reports fall back
    missing = missing_labels(book.labels, book.conclusions)
    assert ("criterion_2", "partly_met") in missing
    from engine.quality.checks import check_labels

    problems = [p.render() for p in check_labels(book)]
    line = next(
        n
        for n, row in enumerate((rules / "vocabulary.yaml").read_text().splitlines(), 1)
        if row.strip().startswith("criterion_2:")
    )
    assert any(
        p.startswith(
            f"rules/vocabulary.yaml:{line + 3}: field 'vocabulary.conclusions.criterion_2.values': "
            "value 'partly_met' of conclusion 'criterion_2' has no label"
        )
        for p in problems
    ), problems
