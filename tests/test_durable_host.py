"""Each durable_rules workaround in engine/durable_host.py, tested against the trap it avoids."""

from __future__ import annotations

import contextlib
import copy
import json
import subprocess
import sys
from typing import Any

import pytest
import support
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.durable_host import (
    _MAYBE_EXPONENT,
    MAX_LIVE_SESSIONS,
    DurableHost,
    Encoded,
    Frames,
    _encode,
    _has_bare_exponent,
    _read_json,
    _with_fractions,
    encode_fact,
    json_text,
    small_fact,
)
from engine.errors import EngineFault

OPEN, PHASE = "$open", "$phase"

RULESET: dict[str, Any] = {
    "$open": {"all": [{"m": {"t": OPEN}}], "run": "$open"},
    "flag": {"all": [{"x": {"$and": [{"t": "e.x"}, {"$lt": {"v": 50}}]}}], "run": "flag"},
    "pair": {"all": [{"f": {"t": "c.flag"}}, {"y": {"t": "e.y"}}], "run": "pair"},
    "lonely": {
        "all": [
            {"ph": {"$and": [{"t": PHASE}, {"n": 1}]}},
            {"x": {"t": "e.x"}},
            {"n$not": {"t": "e.y"}},
        ],
        "run": "lonely",
    },
}
CONSUMED = frozenset({"e.x", "e.y", "c.flag", PHASE})


class Recorder:
    def __init__(self) -> None:
        self.fired: list[tuple[str, tuple[str, ...]]] = []

    def actions(self) -> dict[str, Any]:
        def make(name: str) -> Any:
            def act(frames: Frames) -> list[dict[str, Any]]:
                self.fired.append((name, tuple(sorted(str(f["id"]) for f in frames.values()))))
                if name == "flag":
                    return [{"t": "c.flag", "id": f"d{len(self.fired)}"}]
                return []

            return act

        return {name: make(name) for name in ("flag", "pair", "lonely")}


def run(host: DurableHost, facts: list[dict[str, Any]], name: str = "test@1") -> Recorder:
    recorder = Recorder()
    host.ensure_ruleset(name, RULESET)
    host.run(name, facts, recorder.actions(), CONSUMED, 1, OPEN, PHASE)
    return recorder


def test_forward_chaining_runs_to_quiescence_within_one_assert() -> None:
    recorder = run(DurableHost(), [{"t": "e.x", "id": "i0", "v": 10}, {"t": "e.y", "id": "i1"}])
    names = [name for name, _ in recorder.fired]
    assert names == ["flag", "pair"]
    assert ("pair", ("d1", "i1")) in recorder.fired


def test_negation_waits_for_its_phase_whatever_the_input_order() -> None:
    """durable evaluates `not` when an activation is created; the phase fact makes order irrelevant."""
    for facts in (
        [{"t": "e.x", "id": "i0", "v": 90}, {"t": "e.y", "id": "i1"}],
        [{"t": "e.y", "id": "i1"}, {"t": "e.x", "id": "i0", "v": 90}],
    ):
        assert "lonely" not in [name for name, _ in run(DurableHost(), facts).fired]
    assert "lonely" in [
        name for name, _ in run(DurableHost(), [{"t": "e.x", "id": "i0", "v": 90}]).fired
    ]


def test_sessions_are_deleted_even_when_no_rule_fires() -> None:
    """A session where no action ran segfaults on delete; the $open rule always runs one."""
    host = DurableHost()
    for _ in range(1500):  # more than the 1,024 live-session cap
        run(host, [{"t": "e.unknown", "id": "i0"}])
    assert host.live_sessions == 0


def test_more_sessions_than_the_engine_cap_run_one_after_another() -> None:
    host = DurableHost()
    for number in range(1100):
        recorder = run(host, [{"t": "e.x", "id": "i0", "v": number % 60}])
        assert ("flag" in [name for name, _ in recorder.fired]) == (number % 60 < 50)
    assert host.live_sessions == 0


def test_an_exception_inside_an_action_is_not_swallowed() -> None:
    host = DurableHost()
    host.ensure_ruleset("boom@1", RULESET)

    def broken(frames: Frames) -> list[dict[str, Any]]:
        raise KeyError("nope")

    actions = {"flag": broken, "pair": broken, "lonely": broken}
    with pytest.raises(EngineFault, match="flag: KeyError"):
        host.run("boom@1", [{"t": "e.x", "id": "i0", "v": 1}], actions, CONSUMED, 1, OPEN, PHASE)
    assert host.live_sessions == 0


def test_the_definition_passed_in_is_not_mutated_and_names_register_once() -> None:
    host = DurableHost()
    before = copy.deepcopy(RULESET)
    host.ensure_ruleset("same@1", RULESET)
    host.ensure_ruleset("same@1", RULESET)  # a second registration would raise in durable
    assert before == RULESET
    assert "run" in RULESET["flag"]


def test_one_definition_under_two_names_registers_once_and_runs_under_both() -> None:
    """Report years of one era compile to the same definition under different names."""
    host = DurableHost()
    facts = [{"t": "e.x", "id": "i0", "v": 10}, {"t": "e.y", "id": "i1"}]
    first = run(host, facts, name="tvpa-2005@abc")
    second = run(host, facts, name="tvpa-2006@abc")
    assert first.fired == second.fired and first.fired
    assert host.ruleset("tvpa-2005@abc") is host.ruleset("tvpa-2006@abc")
    assert host.ruleset("tvpa-2006@abc").registered == "tvpa-2005@abc"
    assert host.live_sessions == 0  # both sessions deleted, under the registered name


def test_facts_no_rule_reads_are_not_sent_and_do_not_fail() -> None:
    recorder = run(DurableHost(), [{"t": "e.other", "id": "i0"}, {"t": "e.x", "id": "i1", "v": 1}])
    assert [name for name, _ in recorder.fired] == ["flag", "lonely"]


def test_the_live_session_guard_refuses_before_the_engine_would_corrupt_its_heap() -> None:
    host = DurableHost()
    host._sessions.update({f"fake{n}": None for n in range(MAX_LIVE_SESSIONS)})  # type: ignore[misc]
    with pytest.raises(EngineFault, match="live engine sessions"):
        run(host, [])


def _stock_firings(facts: list[dict[str, Any]]) -> list[tuple[str, tuple[str, ...]]]:
    """The same ruleset and facts through durable_rules' own Host and dispatch loop."""
    from durable import engine as stock

    fired: list[tuple[str, tuple[str, ...]]] = []

    class Host(stock.Host):  # type: ignore[misc]
        def _run(self) -> None:  # no timer threads (they crash after delete_state)
            return None

        def get_action(self, action_name: str) -> Any:
            def act(c: Any) -> None:
                if action_name == "$open":
                    return
                fired.append((action_name, tuple(sorted(str(f["id"]) for f in c._m.values()))))
                if action_name == "flag":
                    c.assert_fact({"t": "c.flag", "id": f"d{len(fired)}"})

            return act

    host = Host()
    host.set_rulesets({"stock@1": copy.deepcopy(RULESET)})
    for fact in [{"t": OPEN, "id": "$open"}, *facts, {"t": PHASE, "id": "$phase1", "n": 1}]:
        with contextlib.suppress(stock.MessageNotHandledException):
            host.assert_fact("stock@1", {**fact, "sid": "s1"})
    host.delete_state("stock@1", "s1")
    return fired


@pytest.mark.parametrize(
    ("with_y", "expected"), [(True, {"flag", "pair"}), (False, {"flag", "lonely"})]
)
def test_the_direct_action_loop_fires_as_the_stock_dispatch_does(
    with_y: bool, expected: set[str]
) -> None:
    """engine/durable_host.py drives durable_rules' C calls itself instead of the stock
    Host → Ruleset → Closure → Promise loop: the same rules fire, on the same facts, in the
    same order (chaining, a two-fact join, and an absence at its phase)."""
    facts = [{"t": "e.x", "id": f"i{n}", "v": n} for n in range(0, 80, 7)]
    facts += [{"t": "e.y", "id": "y"}] if with_y else []
    ours = run(DurableHost(), facts).fired
    assert ours == _stock_firings(facts)
    assert {name for name, _ in ours} == expected


def test_firing_order_is_the_same_every_run() -> None:
    facts = [{"t": "e.x", "id": f"i{n}", "v": n} for n in range(20)] + [{"t": "e.y", "id": "y"}]
    first = run(DurableHost(), facts).fired
    assert first == run(DurableHost(), facts).fired


def _fires(order: str) -> bool:
    """A rule 'a record of kind a, and no record of kind a with flag 1', over one flagged record."""
    positive = {"x": {"t": "e.a"}}
    absence = {"n$not": {"$and": [{"t": "e.a"}, {"flag": 1}]}}
    phase = {"ph": {"$and": [{"t": PHASE}, {"n": 1}]}}
    sequence = (
        [phase, positive, absence] if order == "positive-first" else [phase, absence, positive]
    )
    ruleset = {"$open": RULESET["$open"], "rule": {"all": sequence, "run": "rule"}}
    fired: list[str] = []

    def act(frames: Frames) -> list[dict[str, Any]]:
        fired.append("rule")
        return []

    host = DurableHost()
    host.ensure_ruleset(f"order-{order}@1", ruleset)
    host.run(
        f"order-{order}@1",
        [{"t": "e.a", "id": "i0", "flag": 1}],
        {"rule": act},
        frozenset({"e.a", PHASE}),
        1,
        OPEN,
        PHASE,
    )
    return bool(fired)


def test_an_absence_cannot_see_a_fact_bound_earlier_in_the_same_rule() -> None:
    """The trap: after a positive pattern binds the record, `$not` no longer sees it."""
    assert _fires("positive-first"), "durable_rules changed: revisit the compiler's ordering"
    assert not _fires("absence-first")


def test_the_compiler_puts_absences_right_after_the_phase_fact() -> None:
    import support

    from engine.reason.compiler import compile_year

    compiled = compile_year(support.rulebook(), 2007)
    for rule in compiled.definition.values():
        aliases = [next(iter(pattern)) for pattern in rule["all"]]
        if any(alias.endswith("$not") for alias in aliases):
            assert aliases[0] == "ph"
            negated = [alias.endswith("$not") for alias in aliases[1:]]
            assert negated == sorted(negated, reverse=True), aliases


def test_no_thread_is_started_and_the_stock_engine_module_is_not_imported() -> None:
    """The stock Host starts timer threads that inject events into sessions and crash after
    `delete_state`: rulesets are created with the C call instead, and no Host is ever made."""
    code = (
        "import sys, threading\n"
        "import engine.durable_host as host\n"
        "from engine.cli.common import load_rules\n"
        "from engine.assessment import assess_with_history\n"
        "from engine.load.dossier import load_dossier\n"
        "from pathlib import Path\n"
        "book = load_rules(None)\n"
        "path = Path('evidence/peru/2007.yaml')\n"
        "result = assess_with_history(book, load_dossier(path, book), path)\n"
        "print(result.tier, threading.active_count(), 'durable.engine' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=support.ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["Tier", "2", "1", "False"]


_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3), max_leaves=6)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(), _VALUES, max_size=6), st.text(), st.text())
def test_facts_are_written_as_the_stock_json_encoder_writes_them(
    values: dict[str, Any], fact_type: str, fact_id: str
) -> None:
    """The engine gets the very text `json.JSONEncoder(ensure_ascii=False)` writes: the writer
    built once (durable_host._json_writer) and a fact written ahead of its session alike."""
    stock = json.JSONEncoder(ensure_ascii=False).encode
    assert _encode(values) == stock(values)
    assert _encode(fact_type) == stock(fact_type)
    written = encode_fact(fact_type, fact_id, json_text(values))
    fact = {"t": fact_type, "id": fact_id, **values, "sid": "s7"}
    if set(values) & {"t", "id", "sid"}:
        return  # a dict cannot hold a key twice; a fact's values never name these
    text = written.body + ', "sid": "s7"}'
    if not _has_bare_exponent(values):
        assert text == stock(fact)
        return
    # A float Python writes as 1e+17 is written 1.0e+17, the same number (durable_rules reads an
    # exponent only after a fraction).
    assert "e+" in text or "e-" in text
    assert stock(json.loads(text)) == stock(fact)


def test_the_facts_every_session_asserts_are_written_once_as_a_dict_would_be() -> None:
    """`$open`, the negation phases' facts and a what-if probe's given findings are written
    ahead of their sessions: the text the engine gets is the text of the dict they stand for."""
    from engine.reason.compiler import OPEN_TYPE, PHASE_TYPE, conclusion_type

    stock = json.JSONEncoder(ensure_ascii=False).encode
    cases = [
        (small_fact(OPEN_TYPE, "$open"), {"t": OPEN_TYPE, "id": "$open"}),
        (small_fact(PHASE_TYPE, "$phase3", "n", 3), {"t": PHASE_TYPE, "id": "$phase3", "n": 3}),
        (
            small_fact(conclusion_type("tier"), "g4", "value", "tier_2"),
            {"t": conclusion_type("tier"), "id": "g4", "value": "tier_2"},
        ),
    ]
    for written, fact in cases:
        assert isinstance(written, Encoded) and written.t == fact["t"]
        assert written.body + ', "sid": "s1"}' == stock({**fact, "sid": "s1"})
    assert small_fact(PHASE_TYPE, "$phase3", "n", 3) is cases[1][0]  # written once


_NESTED = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    _NESTED | st.floats(min_value=1e16) | st.floats(max_value=1e-4, min_value=0, exclude_min=True)
)
def test_the_text_test_for_an_exponent_misses_no_bare_exponent(value: Any) -> None:
    """A ruleset is walked for bare exponents only when its JSON text has a digit, `e`, a sign
    and a digit in a row: that test must hold whenever the walk would find one."""
    if _has_bare_exponent(value):
        assert _MAYBE_EXPONENT.search(json.dumps(value, sort_keys=True, ensure_ascii=False))


def test_a_float_written_with_a_bare_exponent_reaches_the_engine_as_its_value() -> None:
    """durable_rules refused `1e+17` (its parser reads an exponent only after a fraction) and
    the assessment stopped with an internal error: such floats are written `1.0e+17`."""
    ruleset: dict[str, Any] = {
        "$open": {"all": [{"m": {"t": OPEN}}], "run": "$open"},
        "flag": {"all": [{"x": {"$and": [{"t": "e.x"}, {"$gte": {"v": 1e16}}]}}], "run": "flag"},
        "pair": {"all": [{"f": {"t": "c.flag"}}, {"y": {"t": "e.y"}}], "run": "pair"},
        "lonely": {"all": [{"y": {"$and": [{"t": "e.y"}, {"$lt": {"w": 1e-4}}]}}], "run": "lonely"},
    }
    assert _has_bare_exponent(ruleset) and _has_bare_exponent({"v": 1e17})
    host, recorder = DurableHost(), Recorder()
    host.ensure_ruleset("exponents@1", ruleset)
    facts: list[Any] = [
        {"t": "e.x", "id": "i0", "v": 1e17},
        {"t": "e.x", "id": "i1", "v": 1e15},
        encode_fact("e.y", "i2", json_text({"w": 1e-05})),
    ]
    host.run("exponents@1", facts, recorder.actions(), CONSUMED, 0, OPEN, PHASE)
    assert sorted(recorder.fired) == [
        ("flag", ("i0",)),
        ("lonely", ("i2",)),
        ("pair", ("d1", "i2")),
    ]
    assert json.loads(_with_fractions({"v": [1e17, 1e-05, 2.5, 3]})) == {"v": [1e17, 1e-05, 2.5, 3]}


def test_a_fact_written_ahead_fires_as_its_dict_does() -> None:
    facts = [{"t": "e.x", "id": "i0", "v": 10}, {"t": "e.y", "id": "i1"}]
    ahead: list[Any] = [
        encode_fact(
            str(f["t"]),
            str(f["id"]),
            json_text({k: v for k, v in f.items() if k not in ("t", "id")}),
        )
        for f in facts
    ]
    assert all(isinstance(fact, Encoded) for fact in ahead)
    assert run(DurableHost(), ahead).fired == run(DurableHost(), facts).fired
    assert run(DurableHost(), [encode_fact("e.unknown", "i0", "{}")]).fired == []


def test_a_fact_asserted_twice_by_an_action_is_an_engine_fault_naming_it() -> None:
    twice = {"t": "c.flag", "id": "d7"}
    host = DurableHost()
    host.ensure_ruleset("twice@1", RULESET)
    actions = {"flag": lambda frames: [twice, twice], "pair": lambda f: [], "lonely": lambda f: []}
    with pytest.raises(EngineFault, match="engine rejected fact d7 as a duplicate"):
        host.run("twice@1", [{"t": "e.x", "id": "i0", "v": 1}], actions, CONSUMED, 1, OPEN, PHASE)
    # An input fact given twice (ids are the engine's, unique by construction) is named alike.
    inputs = [{"t": "e.y", "id": "i3"}, {"t": "e.y", "id": "i3"}]
    with pytest.raises(EngineFault, match="engine rejected fact i3 as a duplicate"):
        host.run("twice@1", inputs, actions, CONSUMED, 1, OPEN, PHASE)
    assert host.live_sessions == 0


def test_the_engine_s_json_is_read_as_json_loads_reads_it() -> None:
    """Action messages are read by the C scanner alone; anything unexpected goes to json.loads."""
    message = '{"pair": {"f": {"t": "c.flag", "id": "d1", "sid": "s3"}, "y": {"v": 1.5e3}}}'
    assert _read_json(message) == json.loads(message)
    assert _read_json(' {"a": [1, null, "\\u00e9"]}') == {"a": [1, None, "\u00e9"]}
    for broken in ('{"a": 1} trailing', "", "{"):
        with pytest.raises(json.JSONDecodeError):
            _read_json(broken)


def test_a_phase_no_rule_waits_for_is_not_asserted_and_nothing_changes() -> None:
    """`lonely` waits for phase 1; phase 2 matches nothing and is skipped when the caller says
    which phases rules read (`CompiledRuleset.phases_read`): the same firings either way."""
    facts = [{"t": "e.x", "id": "i0", "v": 90}]
    fired: dict[Any, list[Any]] = {}
    posted: dict[Any, list[str]] = {}
    for read in (None, frozenset({1})):
        host = DurableHost()
        host.ensure_ruleset("phases@1", RULESET)
        ruleset = host.ruleset("phases@1")
        texts: list[str] = []
        original = ruleset.post_text

        def spy(text: str, original: Any = original, texts: list[str] = texts) -> tuple[int, int]:
            texts.append(text)
            return original(text)

        ruleset.post_text = spy  # type: ignore[method-assign]
        recorder = Recorder()
        host.run("phases@1", facts, recorder.actions(), CONSUMED, 2, OPEN, PHASE, None, read)
        fired[read], posted[read] = recorder.fired, texts
    assert any('"$phase2"' in text for text in posted[None])
    assert not any('"$phase2"' in text for text in posted[frozenset({1})])
    assert any('"$phase1"' in text for text in posted[frozenset({1})])
    assert fired[None] == fired[frozenset({1})] and "lonely" in [n for n, _ in fired[None]]


def test_the_compiled_phases_read_are_the_strata_of_rules_with_an_absence() -> None:
    book = support.rulebook()
    from engine.reason.cache import compiled_for

    for year in (2001, 2007, 2025):
        compiled = compiled_for(book, year)
        waiting = {
            rule.stratum
            for rule in compiled.engine_rules.values()
            if any("$not" in key for p in compiled.definition[rule.name]["all"] for key in p)
        }
        assert compiled.phases_read == waiting and waiting <= set(range(1, compiled.strata + 1))


def _field_comparison_runs() -> tuple[list[str], Any]:
    """The engine rules of 2004 that compare a field with another field of the same record."""
    from engine.reason.cache import compiled_for

    book = support.rulebook()
    compiled = compiled_for(book, 2004)
    comparing = [name for name, body in compiled.definition.items() if '"$m"' in json.dumps(body)]
    return comparing, compiled


def test_a_comparison_with_a_field_the_record_lacks_never_holds_whatever_else_the_ruleset_holds() -> (
    None
):
    """durable_rules compares with a missing field by reading a result it never wrote: a rule
    fired on `count` alone when run by itself and did not beside the other rules of its year.
    The compiler tests first that the compared field is there; the rule then fires exactly when
    the comparison holds, alone or among every rule of the year."""
    comparing, compiled = _field_comparison_runs()
    assert comparing, "no rule of 2004 compares two fields of a record: pick another year"
    for name in comparing:
        tests = json.dumps(compiled.definition[name])
        for field in {part.split('"')[0] for part in tests.split('{"$m": "')[1:]}:
            guard = json.dumps({"$ex": {field: 1}})
            reference = json.dumps({"$m": field})
            assert guard in tests and tests.index(guard) < tests.index(reference), tests
    counts = next(n for n in comparing if compiled.engine_rules[n].rule.id.endswith("case-counts"))
    kind = compiled.engine_rules[counts].rule.when.all[0].evidence  # type: ignore[union-attr]
    base = {"t": f"e.{kind}", "stage": "investigation", "count": 5}
    cases = [({}, False), ({"previous_count": 3}, True), ({"previous_count": 9}, False)]
    everything = [n for n in compiled.definition if n != OPEN]
    for subset in ([counts], everything):
        for number, (extra, fires) in enumerate(cases):
            host, fired_rules = DurableHost(), []
            definition = {n: compiled.definition[n] for n in [OPEN, *subset]}
            host.ensure_ruleset(f"field-comparison-{len(subset)}", definition)
            fact = {**base, "id": f"i{number}", **extra}
            actions = {n: _recording(fired_rules, n) for n in subset}
            host.run(
                f"field-comparison-{len(subset)}",
                [fact],
                actions,
                compiled.consumed_types,
                0,
                OPEN,
                PHASE,
            )
            assert (counts in fired_rules) == fires, (len(subset), extra)


def _recording(fired: list[str], name: str) -> Any:
    def act(frames: Frames) -> list[dict[str, Any]]:
        fired.append(name)
        return []

    return act
