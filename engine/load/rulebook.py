"""The rulebook as loaded: every rule, parameter and vocabulary entry, with where it came from."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from engine.load.labels import Labels
from engine.load.linemap import LineMap
from engine.models import (
    ConclusionSpec,
    EvidenceKind,
    LawItem,
    Parameter,
    Rule,
    RulebookInfo,
    ScalarValue,
    Weighing,
)


@dataclass(frozen=True)
class Origin:
    """Where a rule or parameter is written, for messages and for `rules show`.

    `lines` and `path` let a problem found later (e.g. by the type checker) point at the exact
    line of the field inside the rule, not just at the rule.
    """

    file: str
    line: int | None
    lines: LineMap | None = field(default=None, compare=False, repr=False)
    path: tuple[str | int, ...] = ()

    def line_of(self, dotted: str | None) -> int | None:
        """The line of a field given as `when.any[0].all[1].where.count`, or the rule's line."""
        if self.lines is None or not dotted:
            return self.line
        parts: list[str | int] = []
        for piece in dotted.split("."):
            name, _, rest = piece.partition("[")
            if name:
                parts.append(name)
            for index in rest.replace("]", "").split("[") if rest else []:
                parts.append(int(index))
        return self.lines.line_of((*self.path, *parts)) or self.line


@dataclass
class Rulebook:
    """All of `rules/`, validated and type-checked against the evidence vocabulary."""

    info: RulebookInfo
    kinds: dict[str, EvidenceKind]
    conclusions: dict[str, ConclusionSpec]
    parameters: dict[str, Parameter]
    rules: list[Rule]
    origins: dict[str, Origin] = field(default_factory=dict)
    weighings: list[Weighing] = field(default_factory=list)
    sha256: str = ""
    root: str = ""
    info_origin: Origin | None = None  # where the `rulebook` section is written
    labels: Labels | None = None  # plain-English words for conclusion values (labels.yaml)
    # Rules in force by year, filled on first use (a rulebook is not changed once loaded;
    # `dataclasses.replace` gives the copy an empty one).
    _in_force: dict[int, list[Rule]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _by_id: dict[str, LawItem] = field(default_factory=dict, init=False, repr=False, compare=False)
    _digests: dict[int | str, str] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _weigh_data: dict[str, tuple[Weighing, Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def info_location(self, dotted: str) -> tuple[str, int | None]:
        """File and line of a field of the `rulebook` section (`history.placement_kind`)."""
        if self.info_origin is None:
            return self.root, None
        return self.info_origin.file, self.info_origin.line_of(dotted)

    def defined_at(self, key: str) -> str | None:
        """`file:line` of a rule (by id) or a parameter (`parameter:<name>`), for messages."""
        origin = self.origins.get(key)
        if origin is None:
            return None
        return f"{origin.file}:{origin.line}" if origin.line else origin.file

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def rules_in_force(self, year: int) -> list[Rule]:
        found = self._in_force.get(year)
        if found is None:
            found = [rule for rule in self.rules if rule.in_force.covers(year)]
            self._in_force[year] = found
        return list(found)

    def weighings_in_force(self, year: int) -> list[Weighing]:
        return [item for item in self.weighings if item.in_force.covers(year)]

    def item(self, item_id: str) -> LawItem:
        """A rule or a weighing by id (ids are unique across both)."""
        if not self._by_id:
            self._by_id.update((weighing.id, weighing) for weighing in self.weighings)
            self._by_id.update((rule.id, rule) for rule in self.rules)
        found = self._by_id.get(item_id)
        if found is not None:
            return found
        for rule in self.rules:
            if rule.id == item_id:
                return rule
        for weighing in self.weighings:
            if weighing.id == item_id:
                return weighing
        raise KeyError(item_id)

    def items(self) -> list[LawItem]:
        return [*self.rules, *self.weighings]

    def producers(self, subject: str) -> list[LawItem]:
        """Every rule and weighing that can conclude `subject`."""
        found: list[LawItem] = [rule for rule in self.rules if rule.then.conclude == subject]
        found += [w for w in self.weighings if w.concludes == subject]
        return found

    def parameter_values(self, year: int) -> dict[str, ScalarValue | None]:
        return {name: param.value_for(year) for name, param in self.parameters.items()}

    def weigh_data(self, weighing: Weighing) -> Any:
        """`weighing.weigh` as JSON data (by alias), as the compiled ruleset records it. Filled
        when the rules are loaded (`fill_caches`), so that a rulebook read from the on-disk cache
        need not build pydantic's serializer for weighings (about 40 ms in a new process)."""
        found = self._weigh_data.get(weighing.id)
        if found is None or found[0] is not weighing:
            found = (weighing, weighing.weigh.model_dump(mode="json", by_alias=True))
            self._weigh_data[weighing.id] = found
        return found[1]

    def fill_caches(self) -> None:
        """Work worth keeping with the rulebook when it is cached on disk (the loading and
        history digests key the cache of loaded inputs: a new process reads them instead of
        serialising every kind)."""
        for weighing in self.weighings:
            self.weigh_data(weighing)
        self.loading_digest()
        self.history_digest()

    def decisive_digest(self, year: int) -> str:
        """sha256 of all that decides an assessment for report year `year`, so that two rulebooks
        with the same digest for a year place every dossier of that year alike (`impact` reads
        such a year's placements once).

        In it: the rules and weighings in force that year, whole and in order; each parameter
        with its value for the year; the evidence kinds; the conclusions; the rulebook settings
        (outcome ladder, history, narrative...). Left out, because they name or locate and
        decide nothing: what is not in force that year, the rulebook's name, title, version and
        description, the labels (plain-English words for reports) and where things are written.
        Whatever is in is compared whole and in order: an editorial change to a rule in force
        still counts.
        """
        found = self._digests.get(year)
        if found is None:
            found = self._digests[year] = _digest(
                {
                    "items": [self._item_digest(item) for item in self._items_in_force(year)],
                    "parameters": [
                        [
                            name,
                            param.model_dump(mode="json", exclude={"values"}),
                            param.value_for(year),
                        ]
                        for name, param in self.parameters.items()
                    ],
                    "kinds": self._shared_digest("kinds", self.kinds),
                    "conclusions": self._shared_digest("conclusions", self.conclusions),
                    "settings": self.info.model_dump(
                        mode="json", exclude={"name", "title", "version", "description"}
                    ),
                }
            )
        return found

    def loading_digest(self) -> str:
        """sha256 of all that loading a dossier reads from the rulebook: the evidence kinds,
        and the placements and phrases a quote may not contain (`load_dossier`). Two rulebooks
        with the same digest load every dossier alike."""
        found = self._digests.get("loading")
        if found is None:
            outcome = self.info.outcome
            found = self._digests["loading"] = _digest(
                {
                    "kinds": self._shared_digest("kinds", self.kinds),
                    "phrases": [
                        *self.info.conclusion_phrases,
                        *outcome.ladder,
                        *outcome.not_applicable,
                    ],
                }
            )
        return found

    def history_digest(self) -> str:
        """sha256 of the evidence kinds and the history settings, which checking a placement
        history reads from the rulebook besides the rules that read waivers and downgrades."""
        found = self._digests.get("history")
        if found is None:
            history = self.info.history
            found = self._digests["history"] = _digest(
                {
                    "kinds": self._shared_digest("kinds", self.kinds),
                    "history": None if history is None else history.model_dump(mode="json"),
                }
            )
        return found

    def _items_in_force(self, year: int) -> list[LawItem]:
        return [*self.rules_in_force(year), *self.weighings_in_force(year)]

    def _item_digest(self, item: LawItem) -> str:
        key = f"item:{item.id}"
        found = self._digests.get(key)
        if found is None:
            found = self._digests[key] = _digest(
                {"kind": type(item).__name__, "item": item.model_dump(mode="json")}
            )
        return found

    def _shared_digest(self, key: str, table: dict[str, Any]) -> str:
        found = self._digests.get(key)
        if found is None:
            found = self._digests[key] = _digest(
                [[name, value.model_dump(mode="json")] for name, value in table.items()]
            )
        return found

    def version_label(self, year: int) -> str:
        """Names the rulebook version an assessment used: name, version, year, content hash."""
        return (
            f"{self.info.name} {self.info.version} as in force for report year {year} "
            f"(sha256 {self.sha256[:12]})"
        )

    def covered_years(self) -> tuple[int, int]:
        starts = [item.in_force.start for item in self.items()]
        ends = [item.in_force.end for item in self.items() if item.in_force.end is not None]
        return min(starts), max([*ends, *starts])


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
