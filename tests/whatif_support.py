"""Helpers for the what-if tests: the toy statute of tests/fixtures/whatif and a workspace copy.

The toy fixture is independent of the real rules. Its outcomes, worked out by hand:
- Ruritania 2007: Tier 2 (3 convictions, a 5-year sentence, general shelters, isolated
  complicity). Moved by: complicity judged widespread (Tier 3), the victims judged not significant
  or that judgment removed (Undetermined), the conviction or sentence record removed (Tier 3), the
  shelters' other reading, specialised (Tier 1), `incarceration_min_years` at 8 (Tier 3). Its
  awareness campaign is read by no rule.
- Graustark 2007: the same facts as Ruritania; its official placement (expected.csv) is Tier 3.
- Freedonia 2007: Tier 1; two conviction records (only both removed move it), complicity
  `none_confirmed`, not unpunished (only both changed move it).
- Kafiristan 2007: Tier 3 by widespread, unpunished complicity, with prosecution and protection
  met. Elbonia 2007: Tier 3 with neither.
"""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

from engine.load.dossier import LoadedDossier, load_dossier
from engine.load.rulebook import Rulebook
from engine.load.rules import load_rulebook

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "whatif"
COUNTRIES = ("elbonia", "freedonia", "graustark", "kafiristan", "ruritania")


@cache
def toy_book() -> Rulebook:
    return load_rulebook(FIXTURE / "rules", display_root="rules")


def toy_path(country: str) -> Path:
    return FIXTURE / "evidence" / country / "2007.yaml"


def toy(country: str) -> LoadedDossier:
    return load_dossier(toy_path(country), toy_book(), display=f"evidence/{country}/2007.yaml")


def make_workspace(path: Path) -> Path:
    """A copy of the toy rules, dossiers and expected placements at `path`."""
    for part in ("rules", "evidence"):
        shutil.copytree(FIXTURE / part, path / part)
    shutil.copy(FIXTURE / "expected.csv", path / "expected.csv")
    return path


def snapshot(path: Path) -> dict[str, bytes]:
    """Every file under `path` with its bytes: to show that nothing was written."""
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }
