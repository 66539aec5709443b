"""The raw durable_rules baseline: the same facts and compiled ruleset, without the engine.

A benchmark of the engine needs a ceiling: how fast durable_rules itself runs the same work. This
driver posts exactly the facts `infer` posts (the `$open` fact, the records in canonical order,
the negation phases; only types some rule reads) into a session of the stock durable_rules
`Host`, runs the same compiled ruleset, and lets each action assert the conclusion its rule
draws, once per subject, as `infer` does. It keeps no justification, renders no explanation and
builds no document: what is left is durable_rules' matching and agenda, plus one Python call per
firing.

This is the only code outside `engine/durable_host.py` that imports durable_rules, on purpose:
it measures durable_rules, not the engine. Like the engine, it disables the stock host's timer
threads (they crash after `delete_state`) and deletes every session.
"""

from __future__ import annotations

import contextlib
import copy
import warnings
from collections.abc import Callable
from typing import Any

from engine.load.rulebook import Rulebook
from engine.load.vocabulary import engine_value
from engine.models import InputFact
from engine.reason.compiler import (
    OPEN_TYPE,
    PHASE_TYPE,
    CompiledRuleset,
    conclusion_type,
    evidence_type,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from durable import engine as durable


def engine_facts(book: Rulebook, inputs: list[InputFact]) -> list[dict[str, Any]]:
    """The record facts as `infer` posts them: canonical order, short ids, engine values."""
    facts = []
    ordered = sorted(inputs, key=lambda fact: (fact.kind, fact.record_id))
    for number, fact in enumerate(ordered):
        kind = book.kinds[fact.kind]
        values = {
            name: engine_value(kind.fields[name], value)
            for name, value in sorted(fact.values.items())
            if name in kind.fields
        }
        facts.append({"t": evidence_type(fact.kind), "id": f"i{number}", **values})
    return facts


class RawHost(durable.Host):  # type: ignore[misc]
    """The stock host, actions resolved from a table, no timer threads."""

    def __init__(self, actions: dict[str, Callable[[Any], None]]) -> None:
        self._actions = actions
        super().__init__()

    def _run(self) -> None:
        return None

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        return self._actions[action_name]


class RawRunner:
    """Runs sessions of one compiled ruleset on the stock host."""

    def __init__(self, compiled: CompiledRuleset) -> None:
        self.compiled = compiled
        self.concluded: set[str] = set()
        self.counter = 0
        self.firings = 0
        actions: dict[str, Callable[[Any], None]] = {OPEN_TYPE: lambda closure: None}
        for name, engine_rule in compiled.engine_rules.items():
            then = engine_rule.rule.then
            actions[name] = self._action(conclusion_type(then.conclude), then.value)
        self.host = RawHost(actions)
        self.host.set_rulesets({compiled.name: copy.deepcopy(compiled.definition)})
        self.consumed = compiled.consumed_types | {OPEN_TYPE}

    def _action(self, fact_type: str, value: str) -> Callable[[Any], None]:
        def act(closure: Any) -> None:
            self.firings += 1
            if fact_type in self.concluded:
                return
            self.concluded.add(fact_type)
            if fact_type in self.consumed:
                with contextlib.suppress(durable.MessageNotHandledException):
                    closure.assert_fact(
                        {"t": fact_type, "id": f"d{len(self.concluded)}", "value": value}
                    )

        return act

    def session_facts(self, facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The facts one session asserts: `$open`, the records, the phases (read types only)."""
        phases = [
            {"t": PHASE_TYPE, "id": f"$phase{n}", "n": n}
            for n in range(1, self.compiled.strata + 1)
        ]
        wanted = [{"t": OPEN_TYPE, "id": "$open"}, *facts, *phases]
        return [fact for fact in wanted if fact["t"] in self.consumed]

    def run(self, session: list[dict[str, Any]]) -> None:
        self.counter += 1
        sid = f"s{self.counter}"
        self.concluded = set()
        try:
            for fact in session:
                with contextlib.suppress(durable.MessageNotHandledException):
                    self.host.assert_fact(self.compiled.name, {**fact, "sid": sid})
        finally:
            self.host.delete_state(self.compiled.name, sid)
