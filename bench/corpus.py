"""Generated inputs for the benchmarks (written to a temporary directory, never committed).

- `replicate(dest, count)`: `count` country-year dossiers, the corpus dossiers of `evidence/`
  replicated across report years 2001-2025 (a series per replica: <country>-<n>/<year>.yaml,
  with the placement history beside it, as in evidence/). Each year quotes its own copy of the
  narrative, sources/<year>/, whose `# report:` header names that year, since a dossier's report
  year must agree with its source's;
- `big_dossier(dest, records)`: one dossier of about `records` records, the Peru records repeated
  under new ids (their quotes stay verbatim, so every quote is located in the source).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVIDENCE = ROOT / "evidence"
YEARS = range(2001, 2026)
DOSSIER = re.compile(r"^\d{4}\.yaml$")
REPORT_YEAR = re.compile(r"^report_year: \d{4}$", re.MULTILINE)
SOURCE_FILE = re.compile(r"^(  file: \.\./sources/)", re.MULTILINE)
HEADER_YEAR = re.compile(r"^(# report:\D*)(?:19|20)\d{2}", re.MULTILINE)
RECORD_ID = re.compile(r"^(  - id: )(\S+)$", re.MULTILINE)
BASIS = re.compile(r"^(    basis: )\[(.*)\]$", re.MULTILINE)


def corpus_dossiers() -> list[Path]:
    return sorted(p for p in EVIDENCE.glob("*/*.yaml") if DOSSIER.match(p.name))


def _write_sources(dest: Path, year: int) -> None:
    folder = dest / "sources" / str(year)
    if folder.is_dir():
        return
    folder.mkdir(parents=True)
    for source in (EVIDENCE / "sources").glob("*.txt"):
        text = source.read_text(encoding="utf-8")
        (folder / source.name).write_text(
            HEADER_YEAR.sub(lambda m, y=year: f"{m.group(1)}{y}", text, count=1),
            encoding="utf-8",
        )


def _restamped(text: str, year: int) -> str:
    """A dossier's text for another report year, quoting that year's copy of its source."""
    dossier = REPORT_YEAR.sub(f"report_year: {year}", text, count=1)
    return SOURCE_FILE.sub(lambda m, y=year: f"{m.group(1)}{y}/", dossier, count=1)


def _series(original: Path, folder: Path) -> str:
    """A folder for copies of `original`, with its placement history; the original's text."""
    folder.mkdir(parents=True)
    history = original.parent / "history.yaml"
    if history.is_file():
        shutil.copy(history, folder / "history.yaml")
    return original.read_text(encoding="utf-8")


def restamp(original: Path, years: list[int], dest: Path) -> list[Path]:
    """The dossier `original` for each of `years`, in dest/<country>-<stem>/<year>.yaml, with
    its placement history beside it and each year's sources under dest/sources/<year>/."""
    folder = dest / f"{original.parent.name}-{original.stem}"
    text = _series(original, folder)
    made = []
    for year in years:
        _write_sources(dest, year)
        made.append(folder / f"{year}.yaml")
        made[-1].write_text(_restamped(text, year), encoding="utf-8")
    return made


def replicate(dest: Path, count: int) -> Path:
    """`count` dossiers under `dest` (created), one per country and report year."""
    for year in YEARS:
        _write_sources(dest, year)
    originals = corpus_dossiers()
    made = 0
    series = 0
    while made < count:
        original = originals[series % len(originals)]
        # One folder per original dossier and round: a country may have several originals
        # (Honduras 2002 and 2007), each replicated across every report year.
        round_number = series // len(originals) + 1
        folder = dest / f"{original.parent.name}-{original.stem}-{round_number:03d}"
        text = _series(original, folder)
        for year in YEARS:
            if made == count:
                break
            (folder / f"{year}.yaml").write_text(_restamped(text, year), encoding="utf-8")
            made += 1
        series += 1
    return dest


def big_dossier(dest: Path, records: int, original: Path = EVIDENCE / "peru" / "2007.yaml") -> Path:
    """A dossier of about `records` records: the original's records, repeated with new ids."""
    text = original.read_text(encoding="utf-8")
    head, _, rest = text.partition("records:\n")
    body, judgments_marker, judgments = rest.partition("judgments:\n")
    blocks = [
        block for block in re.split(r"(?m)^(?=  - id: )", body) if block.startswith("  - id:")
    ]
    copies = max(1, -(-records // len(blocks)))
    out = [head.replace("../sources/", "sources/"), "records:\n"]
    for copy in range(copies):
        for block in blocks:
            out.append(RECORD_ID.sub(lambda m, c=copy: f"{m.group(1)}{m.group(2)}-{c}", block))
    if judgments_marker:
        # Judgments cite their basis by record id: point them at the first copy.
        out.append(judgments_marker)
        judged = RECORD_ID.sub(lambda m: f"{m.group(1)}{m.group(2)}", judgments)
        out.append(
            BASIS.sub(
                lambda m: (
                    m.group(1)
                    + "["
                    + ", ".join(f"{ref.strip()}-0" for ref in m.group(2).split(",") if ref.strip())
                    + "]"
                ),
                judged,
            )
        )
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(EVIDENCE / "sources", dest / "sources", dirs_exist_ok=True)
    path = dest / f"{original.parent.name}-{records}.yaml"
    path.write_text("".join(out), encoding="utf-8")
    return path
