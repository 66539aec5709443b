"""What a why-not says would add points to a weighing short of its band.

Each way up it offers is checked against an oracle written here from the weighing's definition
(its groups' combination, cap and floor) and the totals the explanation shows, on every dossier
of the corpus: a way up adds what it says, a term that would add nothing is never offered, and a
circumstance of the country is never offered at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import support

from engine.assessment import assess
from engine.load.dossier import load_dossier
from engine.models import Weighing

CORPUS = sorted(p for p in support.EVIDENCE.glob("*/*.yaml") if p.name[0].isdigit())
OPTION = re.compile(r"^(?P<end>an end to: )?(?P<label>.*) \(\+(?P<gain>[0-9.]+)\)$")


def _gaps(gaps: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for gap in gaps:
        yield gap
        for obstacle in gap["obstacles"]:
            yield from _gaps(obstacle["deeper"])


def _weighing_gaps(path: Path) -> Iterator[tuple[Weighing, dict[str, Any], dict[str, Any]]]:
    """Each weighing gap of the dossier's why-not, with the weighing and its computation."""
    book = support.rulebook()
    document = assess(book, load_dossier(path, book)).document
    traces = {
        justification["rule"]: justification["weighing"]
        for finding in document["findings"]
        for justification in finding["justifications"]
        if justification.get("weighing")
    }
    for gap in _gaps(document["why_not"]["rules"] if document["why_not"] else []):
        item = book.item(gap["rule"])
        if isinstance(item, Weighing):
            yield item, gap, traces[gap["rule"]]


def _offered(path: Path, weighing_id: str) -> list[dict[str, Any]]:
    """The ways up the dossier's why-not offers for one weighing, in order."""
    return [
        option
        for weighing, gap, _ in _weighing_gaps(path)
        if weighing.id == weighing_id
        for option in gap["obstacles"][1:]
    ]


def _group_amount(weighing: Weighing, group: str | None, points: list[float]) -> float:
    spec = weighing.weigh.groups.get(group or "")
    combine = spec.combine if spec is not None else "sum"
    amount = 0.0 if not points else {"sum": sum, "max": max, "min": min}[combine](points)
    if spec is not None and spec.cap is not None:
        amount = min(amount, float(spec.cap))
    if spec is not None and spec.floor is not None:
        amount = max(amount, float(spec.floor))
    return amount


def _oracle_gain(weighing: Weighing, trace: dict[str, Any], label: str, ended: bool) -> float:
    """What matching (or, `ended`, no longer matching) the evidence term `label` adds."""
    index = next(i for i, term in enumerate(weighing.weigh.terms) if term.label == label)
    term = weighing.weigh.terms[index]
    members = [
        (i, float(t["points"]))
        for i, t in enumerate(trace["terms"])
        if t["points"] is not None
        and (t["group"] == term.group if term.group is not None else i == index)
    ]
    before = _group_amount(weighing, term.group, [p for _, p in members])
    kept = [p for i, p in members if i != index]
    after = _group_amount(weighing, term.group, kept if ended else [*kept, float(term.points)])  # type: ignore[arg-type]
    return after - before


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_every_way_up_adds_what_it_says(path: Path) -> None:
    for weighing, gap, trace in _weighing_gaps(path):
        circumstances = {t.label for t in weighing.weigh.terms if t.circumstance}
        for option in gap["obstacles"][1:]:
            found = OPTION.match(option["condition"])
            assert found is not None, option["condition"]
            label = found["label"].split(": '")[0]
            assert label not in circumstances, f"{weighing.id} offers a circumstance: {label}"
            gain = float(found["gain"])
            assert gain > 0, option
            if option["kind"] == "finding":
                continue  # a finding's next value: its own gap says what it needs
            assert option["kind"] == ("absence" if found["end"] else "evidence"), option
            assert _oracle_gain(weighing, trace, label, bool(found["end"])) == gain, (
                f"{path}: {weighing.id}: {option['condition']}"
            )


def test_a_way_up_is_never_a_term_its_full_group_would_not_count() -> None:
    # Cameroon 2001 has government care without limits (4 points, the best of the `max`
    # group): a narrower form of care would add nothing, so only the measures are offered.
    offered = [
        o["condition"]
        for o in _offered(support.EVIDENCE / "cameroon" / "2001.yaml", "protection-effort")
    ]
    assert offered and all("(+1)" in text for text in offered), offered
    assert not any("care" in text for text in offered), offered


def test_a_stated_failing_of_the_government_is_offered_as_its_end() -> None:
    # Albania 2001: pervasive, unpunished complicity costs 3 points, which its end would win
    # back; the capability term (armed conflict), a circumstance, is not offered though it
    # would add 2.
    offered = _offered(support.EVIDENCE / "albania" / "2001.yaml", "significant-efforts.weighing")
    first = offered[0]
    assert first["condition"] == "an end to: pervasive complicity or corruption, not punished (+3)"
    assert first["kind"] == "absence" and first["blocking"], first
    assert not any("beyond the government's reach" in o["condition"] for o in offered)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_no_points_are_offered_toward_the_lowest_band_nor_for_an_unknown_finding(
    path: Path,
) -> None:
    for weighing, gap, trace in _weighing_gaps(path):
        head, *options = gap["obstacles"]
        if head["condition"].startswith("fewer than "):  # reached only with fewer points
            assert options == [], (path, weighing.id, options)
            continue
        assert head["condition"].startswith("at least "), head
        unknown = {t["label"] for t in trace["terms"] if t["possible"] is not None}
        for option in options:
            label = option["condition"].split(": '")[0]
            assert label not in unknown, (path, weighing.id, option["condition"])


def test_a_finding_is_offered_at_the_value_that_closes_the_gap_alone() -> None:
    # Greece 2001 is 2 points short of significant efforts; prosecution is minimal (1 point):
    # substantial (3) closes the gap alone, where partial (2) would not.
    offered = [
        o["condition"]
        for o in _offered(support.EVIDENCE / "greece" / "2001.yaml", "significant-efforts.weighing")
    ]
    assert "prosecution: 'substantial' (+2)" in offered, offered
    assert "prosecution: 'partial' (+1)" not in offered, offered
