"""The calibration corpus as evidence: every narrative has a dossier whose quotes are verified
against a verbatim copy of the narrative, no record rests on a Department conclusion, and the
partial narratives are marked and reported as such."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import support

from engine.assessment import assess
from engine.corpus.expected import load_expected
from engine.corpus.validation import find_dossiers, validate
from engine.load.dossier import LoadedDossier, load_dossier
from engine.models import EvidenceRecord, JudgmentRecord

SOURCES = support.EVIDENCE / "sources"
EXPECTED = support.EVIDENCE / "expected.csv"
DOSSIERS = sorted(support.EVIDENCE.glob("*/[0-9][0-9][0-9][0-9].yaml"))
CORPUS_SOURCES = sorted(SOURCES.glob("tip-200[12]-*.txt")) + sorted(
    p for p in SOURCES.glob("tip-2007-*.txt") if p.name != "tip-2007-peru.txt"
)

# The Department's conclusions: never the text a record rests on (docs/evidence-guide.md).
CONCLUSIONS = re.compile(
    r"minimum standards|significant efforts|fully (meet|comply)|Tier [123]|Watch List|"
    r"is placed on",
    re.IGNORECASE,
)


def header(source: Path) -> dict[str, str]:
    fields = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        match = re.match(r"# (\w+): (.*)", line)
        if match:
            fields[match.group(1)] = match.group(2).strip()
    return fields


@pytest.fixture(scope="module", params=DOSSIERS, ids=lambda p: f"{p.parent.name}-{p.stem}")
def loaded(request: pytest.FixtureRequest) -> LoadedDossier:
    return load_dossier(request.param, support.rulebook())


def test_every_corpus_narrative_has_a_dossier() -> None:
    assert len(CORPUS_SOURCES) == 16
    cited = {
        (path.parent / load_dossier(path, support.rulebook()).dossier.source.file).resolve().name
        for path in DOSSIERS
    }
    assert {source.name for source in CORPUS_SOURCES} <= cited


@pytest.mark.parametrize("source", CORPUS_SOURCES, ids=lambda p: p.stem)
def test_source_copies_keep_their_header(source: Path) -> None:
    fields = header(source)
    assert {"source", "official", "completeness"} <= set(fields)
    _, year, name = source.stem.split("-", 2)
    corpus = support.require_shared("corpus")
    copies = [corpus / folder / f"{name}.txt" for folder in (year, f"{year}-partial")]
    found = [path for path in copies if path.exists()]
    assert found, f"{source.name} has no original in {corpus} ({year}/ or {year}-partial/)"
    assert source.read_bytes() == found[0].read_bytes()


def test_dossiers_agree_with_their_source_headers(loaded: LoadedDossier) -> None:
    dossier = loaded.dossier
    fields = header(Path(loaded.source_path))
    assert {"official", "completeness"} <= set(fields), (
        f"{loaded.source_path}: the source has no corpus header (# official: ..., "
        "# completeness: ...); see docs/evidence-guide.md"
    )
    assert dossier.completeness == fields["completeness"].split()[0].lower()
    table = load_expected(EXPECTED)
    official = table.lookup(dossier.country, dossier.report_year)
    assert official is not None, f"{dossier.country} {dossier.report_year} not in expected.csv"
    assert official.tier == fields["official"]


def test_every_quote_was_located_in_the_source(loaded: LoadedDossier) -> None:
    quoted = [r.id for r in loaded.dossier.records] + [
        j.id for j in loaded.dossier.judgments if j.quote
    ]
    assert sorted(loaded.locations) == sorted(quoted)


def test_no_record_rests_on_a_department_conclusion(loaded: LoadedDossier) -> None:
    records: list[EvidenceRecord | JudgmentRecord] = [
        *loaded.dossier.records,
        *loaded.dossier.judgments,
    ]
    for record in records:
        if record.quote:
            assert not CONCLUSIONS.search(record.quote), (record.id, record.quote)


def test_judgments_say_what_they_rest_on(loaded: LoadedDossier) -> None:
    for judgment in loaded.dossier.judgments:
        assert judgment.basis or judgment.quote, judgment.id
        assert len(judgment.rationale.split()) >= 15, judgment.id


def test_expected_file_matches_the_shared_placements() -> None:
    shared = support.require_shared("corpus", "tiers.csv")
    with shared.open(encoding="utf-8") as handle:
        published = {(r["country"], int(r["year"])): r["tier"] for r in csv.DictReader(handle)}
    for official in load_expected(EXPECTED).rows.values():
        assert published[(official.country, official.year)] == official.tier


@pytest.mark.parametrize("country", ["Honduras", "Bolivia"])
def test_partial_dossiers_are_not_determined_and_name_the_missing_evidence(country: str) -> None:
    loaded = support.dossier(country, 2007)
    assert loaded.dossier.completeness == "partial"
    document = assess(support.rulebook(), loaded).document
    assert document["status"] in ("provisional", "undetermined")
    missing = {m["subject"]: m["settle_with"] for m in document["missing_evidence"]}
    for criterion, kind in [
        ("criterion_2", "victim_shelter"),
        ("criterion_3", "awareness_campaign"),
    ]:
        assert kind in missing[criterion], missing


def test_the_corpus_table_lists_every_dossier() -> None:
    files = find_dossiers([support.EVIDENCE])
    result = validate(support.rulebook(), files, load_expected(EXPECTED))
    assert len(result.rows) == len(DOSSIERS)
    assert {row.country for row in result.rows if not row.counted} == {"Honduras", "Bolivia"}
    assert all(row.official is not None for row in result.rows)
    peru = next(row for row in result.rows if row.country == "Peru")
    assert peru.verdict == "agree"
