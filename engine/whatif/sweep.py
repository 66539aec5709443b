"""The fragility sweep: every single change of the analyst's inputs that, alone, moves a
placement.

The changes tried (:func:`candidates`):
- each judgment's yes/no and enumerated fields set to each other allowed value, and the judgment
  removed;
- each record removed;
- each contested reading's alternative (`reading: {alternative: ...}` on a record or judgment);
- each parameter read in the year moved to each value it takes in any report year and to each
  value of its stated `range`.

Changes that cannot matter are skipped: records and judgments of a kind no rule in force reads
(the compiled ruleset's consumed types), parameters no law item in force names and whose override
leaves the compiled ruleset unchanged, and changes whose cone (`engine.reason.cone`) does not
reach the placement. A value change that leaves the record passing and failing the same tests
as before is skipped, and one that reads as a change already tried takes its outcome
(`engine.whatif.signature`). A change to records is recomputed from the base run where it
reaches (`engine.reason.recompute`); a parameter change, and what the recomputation declines,
is inferred by the engine on the base assessment's input facts, through the change's cone when
it has one. The status of a change that moves the placement is `document.status_of`'s. Tests
hold the fast path to a full assessment of the changed dossier.

`engine.whatif.fragility` attaches a sweep to an assessment and keeps it in the cache; this
module is imported only when a sweep runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from engine.assessment import Assessment, assess
from engine.document import status_of, status_of_values
from engine.load.dossier import LoadedDossier
from engine.load.rulebook import Rulebook
from engine.models import InputFact
from engine.reason.cache import compiled_for
from engine.reason.compiler import evidence_type
from engine.reason.cone import Cone, cone_of
from engine.reason.evaluate import Context
from engine.reason.inference import InferenceResult, infer
from engine.reason.recompute import Recomputer
from engine.whatif.changes import (
    Change,
    Facts,
    RemoveRecord,
    SetParameter,
    SetValue,
    UseReading,
    parse_reading,
)
from engine.whatif.params import parameter_matters, values_to_try
from engine.whatif.signature import Signature, signatures_for

KIND_ORDER = {"judgment": 0, "reading": 1, "record": 2, "parameter": 3}


@dataclass(frozen=True)
class Item:
    """A change that moves the placement, and the placement it gives."""

    change: Change
    placement: str | None
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.change.kind,
            "id": self.change.target,
            "change": self.change.text,
            "placement": self.placement if self.placement is not None else "no placement",
            "status": self.status,
        }


@dataclass(frozen=True)
class PairItem:
    """Two changes that move the placement together, though neither does alone."""

    changes: tuple[Change, Change]
    placement: str | None
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": [change.to_dict() for change in self.changes],
            "categories": [change.category for change in self.changes],
            "placement": self.placement if self.placement is not None else "no placement",
            "status": self.status,
        }


@dataclass
class Fragility:
    """The single changes that move one placement; `tried` and `skipped` count the rest."""

    tier: str | None
    status: str
    items: list[Item] = field(default_factory=list)
    tried: int = 0
    skipped: int = 0
    pairs: list[PairItem] = field(default_factory=list)
    pairs_tried: int = 0

    @property
    def robust(self) -> bool:
        return not self.items

    def to_dict(self) -> dict[str, Any]:
        """The `fragility` object of the assessment document."""
        return {"robust": self.robust, "items": [item.to_dict() for item in self.items]}


def candidates(
    book: Rulebook, loaded: LoadedDossier, year: int, prune: bool = True
) -> tuple[list[Change], int]:
    """Every single change worth trying, and how many were skipped as unable to matter."""
    consumed = compiled_for(book, year).consumed_types
    skipped = 0
    out: list[Change] = []
    dossier = loaded.dossier
    for judgment in dossier.judgments:
        kind = book.kinds[judgment.kind]
        changes: list[Change] = []
        for name, spec in kind.fields.items():
            if spec.type == "boolean":
                allowed: list[Any] = [False, True]
            elif spec.type == "enum":
                allowed = list(spec.values or [])
            else:
                continue
            current = judgment.values.get(name)
            for value in allowed:
                if value != current:
                    changes.append(
                        SetValue(
                            kind="judgment",
                            target=judgment.id,
                            field=name,
                            value=value,
                            before=current,
                            record_kind=judgment.kind,
                        )
                    )
        changes.append(RemoveRecord(kind="judgment", target=judgment.id, record_kind=judgment.kind))
        if judgment.reading is not None:
            changes.append(parse_reading(book, loaded, judgment.id, via="the reading of"))
        if prune and evidence_type(judgment.kind) not in consumed:
            skipped += len(changes)
        else:
            out += changes
    for record in dossier.records:
        changes = [RemoveRecord(kind="record", target=record.id, record_kind=record.kind)]
        if record.reading is not None:
            changes.append(parse_reading(book, loaded, record.id, via="the reading of"))
        if prune and evidence_type(record.kind) not in consumed:
            skipped += len(changes)
        else:
            out += changes
    for name in sorted(book.parameters):
        current = book.parameters[name].value_for(year)
        for value in values_to_try(book, name, year):
            if prune and (current is None or not parameter_matters(book, name, value, year)):
                skipped += 1
                continue
            out.append(
                SetParameter(kind="parameter", target=name, value=value, before=current, year=year)
            )
    return out, skipped


def _key(change: Change) -> tuple[int, str, str]:
    return (KIND_ORDER.get(change.kind, 9), change.target, change.text)


class Prober:
    """Tries changes on one assessment's input facts, reusing its compiled ruleset."""

    def __init__(
        self,
        book: Rulebook,
        loaded: LoadedDossier,
        base: Assessment,
        extra_inputs: list[InputFact] | None = None,
        extra_sha256: str | None = None,
        use_cones: bool = True,
        use_recompute: bool = True,
    ) -> None:
        self.book = book
        self.loaded = loaded
        self.base = base
        self.year = int(base.document["assessed_year"])
        self.facts: Facts = dict(base.result.inputs)
        self.extra = list(extra_inputs or [])
        self.extra_sha = extra_sha256
        self.use_cones = use_cones
        self.use_recompute = use_cones and use_recompute
        self.context = Context.of(book, self.year, base.result)  # what the base run drew
        self._recomputer: Recomputer | None = None
        self._cones: dict[frozenset[str], Cone] = {}
        self._last: tuple[Change, Cone | None] | None = None  # a sweep asks twice per change

    def _cone(self, changes: list[Change]) -> Cone | None:
        """The cone the changes run through, if they change records only (see `run`)."""
        last = self._last
        if last is not None and len(changes) == 1 and changes[0] is last[0]:
            return last[1]
        cone = self._cone_of(changes)
        if len(changes) == 1:
            self._last = (changes[0], cone)
        return cone

    def _cone_of(self, changes: list[Change]) -> Cone | None:
        kinds = frozenset(str(getattr(change, "record_kind", "")) for change in changes)
        if not self.use_cones or "" in kinds or self.base.result.conflicts:
            return None
        if any(change.apply_book(self.book) is not self.book for change in changes):
            return None
        cone = self._cones.get(kinds)
        if cone is None:
            cone = self._cones[kinds] = cone_of(self.base.compiled, kinds)
        return cone

    def cannot_move(self, changes: Iterable[Change]) -> bool:
        """True when the placement is not in the changes' cone: it is given, as in the base."""
        cone = self._cone(list(changes))
        return cone is not None and self.book.info.outcome.conclusion not in cone.subjects

    def run(self, changes: Iterable[Change]) -> tuple[Rulebook, InferenceResult]:
        """The rulebook and the inference with the changes applied (no document).

        Changes to records of some kinds run through the cone of those kinds (see
        `engine.reason.cone`): the base run's other conclusions are given, not derived again."""
        changes = list(changes)
        book, facts = self.book, self.facts
        for change in changes:
            book = change.apply_book(book)
            facts = change.apply_facts(facts)
        base = self.base.result
        cone = self._cone(changes)
        if cone is not None:
            given = {s: d.value for s, d in base.conclusions.items() if s not in cone.subjects}
            result = infer(
                book, cone.compiled, list(facts.values()), given=given, explain=False, traces=False
            )
            return book, result
        compiled = compiled_for(book, self.year) if book is not self.book else self.base.compiled
        return book, infer(book, compiled, list(facts.values()), explain=False, traces=False)

    def probe(
        self, changes: Iterable[Change], changed: dict[str, InputFact | None] | None = None
    ) -> tuple[str | None, str]:
        """The placement and status with the changes applied, as `outcome` gives them: changes
        to records are recomputed through their cone in Python (`engine.reason.recompute`), the
        rest, and the few runs it cannot tell, inferred by the engine. Tests hold the two
        together on every probe of the corpus and on random dossiers."""
        changes = list(changes)
        values = self.recomputed(changes, changed)
        if values is None:
            return self.outcome(changes)
        placement = values.get(self.book.info.outcome.conclusion)
        if placement == self.base.tier:
            return placement, self.base.status  # not a mover: its status is never shown
        completeness = self.loaded.dossier.completeness
        return placement, status_of_values(self.book, self.year, values, completeness)

    def recomputed(
        self, changes: list[Change], changed: dict[str, InputFact | None] | None = None
    ) -> dict[str, str] | None:
        """The conclusions with the changes applied, recomputed through their cone in Python;
        None when they change more than records, or the recomputation cannot tell. `changed`:
        the records the changes replace, when the caller has them already."""
        cone = self._cone(changes) if self.use_recompute else None
        if cone is None:
            return None
        if changed is None:
            changed = self._changed(changes)
        if self._recomputer is None:
            self._recomputer = Recomputer(self.base.result, self.context)
        return self._recomputer.conclusions(cone, changed)

    def _changed(self, changes: list[Change]) -> dict[str, InputFact | None]:
        """Each record the changes replace, with its new version (None: left out)."""
        if len(changes) == 1 and changes[0].target in self.facts:
            target = changes[0].target  # a change to one record reads only that record
            return {target: changes[0].apply_facts({target: self.facts[target]}).get(target)}
        after = self.facts
        for change in changes:
            after = change.apply_facts(after)
        return {
            record_id: after.get(record_id)
            for record_id in self.facts.keys() | after.keys()
            if after.get(record_id) is not self.facts.get(record_id)
        }

    def placement(self, changes: Iterable[Change]) -> str | None:
        """The placement with the changes applied (inference only, no document)."""
        return self.outcome(changes)[0]

    def outcome(self, changes: Iterable[Change]) -> tuple[str | None, str]:
        """The placement and the status with the changes applied, read from the inference
        (as `assess` would state them: tests hold the two together)."""
        book, result = self.run(changes)
        derived = result.conclusions.get(book.info.outcome.conclusion)
        status = status_of(book, self.year, result, self.loaded.dossier.completeness)
        return (None if derived is None else derived.value), status

    def full(self, changes: Iterable[Change], explain: bool = True) -> Assessment:
        """The changes applied to the dossier and assessed in full (with explanation unless
        `explain` is false: the sweep reads only a mover's placement and status)."""
        book, loaded = self.book, self.loaded
        for change in changes:
            book = change.apply_book(book)
            loaded = change.apply_dossier(loaded)
        return assess(book, loaded, self.year, self.extra, self.extra_sha, explain)


def fragility(
    book: Rulebook,
    loaded: LoadedDossier,
    base: Assessment,
    extra_inputs: list[InputFact] | None = None,
    extra_sha256: str | None = None,
    depth: int = 1,
    prune: bool = True,
) -> Fragility:
    """Every single change that moves `base`'s placement (and, with depth 2, every pair of
    changes that does when neither does alone). `extra_inputs` are the history facts `base`
    was assessed with."""
    prober = Prober(book, loaded, base, extra_inputs, extra_sha256)
    changes, skipped = candidates(book, loaded, prober.year, prune)
    changes.sort(key=_key)
    result = Fragility(base.tier, base.status, tried=len(changes), skipped=skipped)
    signatures = signatures_for(book, base.compiled)
    as_recorded: dict[str, Signature] = {}
    tried: dict[tuple[str, Signature], tuple[str | None, str]] = {}
    movers: set[int] = set()
    for index, change in enumerate(changes):
        if prober.cannot_move([change]):
            continue  # nothing it can reach decides the placement
        changed = _changed_record(prober.facts, change)
        if changed is None:
            placement, status = prober.probe([change])
        else:
            target, reads_as = changed.record_id, signatures.of(changed)
            if target not in as_recorded:
                as_recorded[target] = signatures.of(prober.facts[target])
            if reads_as == as_recorded[target]:
                continue  # the engine cannot tell the changed record from the one it replaces
            key = (target, reads_as)
            if key not in tried:  # else it reads as a change already tried
                tried[key] = prober.probe([change], {target: changed})
            placement, status = tried[key]
        if placement != base.tier:
            movers.add(index)
            result.items.append(Item(change, placement, status))
    if depth >= 2:
        for first, second in combinations(range(len(changes)), 2):
            if first in movers or second in movers:
                continue
            pair = (changes[first], changes[second])
            if not compatible(*pair):
                continue
            result.pairs_tried += 1
            placement, status = prober.outcome(pair)
            if placement != base.tier:
                result.pairs.append(PairItem(pair, placement, status))
    return result


def _changed_record(facts: Facts, change: Change) -> InputFact | None:
    """The record a value change leaves (None: not a value change)."""
    if not isinstance(change, SetValue | UseReading) or change.target not in facts:
        return None
    if isinstance(change, UseReading) and not isinstance(change.alternative, dict):
        return None  # the record omitted: a removal
    return change.apply_facts({change.target: facts[change.target]})[change.target]


def compatible(first: Change, second: Change) -> bool:
    """Two changes combine unless they edit the same field, or one removes what the other edits."""
    (target_a, field_a), (target_b, field_b) = first.touches(), second.touches()
    if target_a != target_b:
        return True
    return field_a is not None and field_b is not None and field_a != field_b
