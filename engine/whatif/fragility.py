"""A placement's fragility attached to its assessment, and kept in the cache.

The sweep itself (every single change that, alone, moves a placement) is `engine.whatif.sweep`,
imported only when a sweep runs: a sweep is kept with the dossier's entry in the cache
(`engine.load.dossier_cache.keep_extra`), keyed by every other input it reads
(`_sweep_key`), so assessing the same dossier under the same rules again (a batch run again,
the web app, `validate` in CI, a cold `assess`) neither sweeps nor imports the sweep's code.
`log replay` always sweeps.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from engine import __version__
from engine.assessment import Assessment, assess, history_inputs
from engine.load import dossier_cache
from engine.load.cache import (
    LOADER_SOURCES,
    cache_dir,
    engine_digest,
    from_cache,
    source_files_digest,
    sources,
)
from engine.load.dossier import LoadedDossier
from engine.load.rulebook import Rulebook
from engine.models import InputFact


def attach_fragility(
    book: Rulebook,
    loaded: LoadedDossier,
    base: Assessment,
    extra_inputs: list[InputFact] | None = None,
    extra_sha256: str | None = None,
    cached: bool = False,
) -> Assessment:
    """`base` with the top-level `fragility` object added to its document (the assessment
    layer cannot compute it: it sits below what-if). `cached`: read from, and kept in, the
    cache (with the dossier's entry, `_sweep_key`); `log replay` redoes the sweep."""
    key = _sweep_key(book, loaded, base, extra_sha256) if cached else None
    if key is not None:
        stored = dossier_cache.extra(loaded, key)
        if isinstance(stored, dict) and set(stored) == {"robust", "items"}:
            base.document["fragility"] = stored
            return base
    from engine.whatif.sweep import fragility  # the sweep's code, only when a sweep runs

    found = fragility(book, loaded, base, extra_inputs, extra_sha256).to_dict()
    if key is not None:
        dossier_cache.keep_extra(loaded, key, found)
    base.document["fragility"] = found
    return base


# The code a sweep runs: every engine module `engine.whatif.fragility` imports, directly or not
# (tests/test_fragility_cache.py walks the imports to hold this list to them). Reading these
# instead of the whole engine saves a cold `assess` about 8 ms; the loader's files are already
# digested for the rulebook cache's key.
SWEEP_SOURCES = (
    *LOADER_SOURCES,
    "durable_host.py",
    "reason",
    "assessment.py",
    "document.py",
    "whatif",
)
_SOURCE_DIGEST: str | None = None


def _sweep_key(
    book: Rulebook, loaded: LoadedDossier, base: Assessment, extra_sha256: str | None
) -> str | None:
    """The key a sweep of this dossier is kept under with the dossier's entry, or None (no
    cache, or a rulebook not read through it, such as a what-if's variant, whose digest does
    not cover its changes).

    The sweep depends on the rules (`Rulebook.sha256`: every rule file), the report year, the
    dossier and its narrative (`LoadedDossier.sha256`), the history facts (their file's
    digest; none when no rule in force reads them) and the engine's code that runs it
    (`SWEEP_SOURCES`), which the key all covers, with the Python version and the name the
    dossier is shown under (as its entry is: a copy of a dossier elsewhere is swept again).
    What it yields is the document's `fragility` object: the same inputs give the same
    object, so the output is the same byte for byte."""
    if cache_dir() is None or not from_cache(book):
        return None
    global _SOURCE_DIGEST
    if _SOURCE_DIGEST is None:
        # The loader's part is the rulebook cache's own digest, already read in this process.
        beyond_loader = [name for name in SWEEP_SOURCES if name not in LOADER_SOURCES]
        _SOURCE_DIGEST = engine_digest() + source_files_digest(sources(beyond_loader))
    parts = [
        "fragility",
        _SOURCE_DIGEST,
        __version__,
        f"{sys.implementation.name}-{sys.version_info.major}.{sys.version_info.minor}",
        book.sha256,
        str(base.document["assessed_year"]),
        loaded.path,
        loaded.sha256,
        extra_sha256 or "no history",
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def assess_with_fragility(
    book: Rulebook,
    loaded: LoadedDossier,
    dossier_path: Path,
    year: int | None = None,
    history_path: Path | None = None,
    use_history: bool = True,
    with_fragility: bool = True,
    explain: bool = True,
    findings: bool = True,
) -> Assessment:
    """Assess as `tip-assess assess` does (history beside the dossier), with the fragility of
    the placement unless `with_fragility` is false (`explain`, `findings`: see
    `assessment.assess`)."""
    assessed_year = loaded.dossier.report_year if year is None else year
    extra, extra_sha = history_inputs(
        book, dossier_path, loaded.dossier.country, assessed_year, history_path, use_history
    )
    # A batch row's inference need not keep how each weighing was computed: the sweep reads
    # which weighings ran and what they rest on (`Justification.weighed`), not how.
    result = assess(book, loaded, year, extra, extra_sha, explain, findings, traces=False)
    if with_fragility:
        attach_fragility(book, loaded, result, extra, extra_sha, cached=True)
    else:
        dossier_cache.flush(loaded)  # a load deferred for a sweep that did not come
    return result
