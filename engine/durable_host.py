"""The one module that touches durable_rules, with a workaround for each of its known traps.

Traps handled here (see docs/durable-rules-notes.md):
- the stock Host starts timer threads that crash after `delete_state`: no stock Host is made;
  rulesets are created with the C call `create_ruleset`, from a JSON text written here (so the
  caller's definition is never mutated, as the stock `set_rulesets` would);
- one registration per ruleset: rulesets are content-addressed and cached;
- deleting a session where no action ran segfaults: every session opens with a `$open` fact
  that a no-op rule matches;
- exceptions inside actions are swallowed: each action records its error, re-raised after;
- a fact no rule tests is dropped with an exception: only consumed types are asserted;
- the 1,024-live-session cap corrupts the heap: sessions are deleted in `finally`, and a guard
  refuses to open more than MAX_LIVE_SESSIONS at once;
- firing order differs between batch and single asserts: facts go in one by one, in the
  caller's (canonical) order;
- a stock build does not import on Python 3.13: the import error names the install script;
- the stock dispatch loop (Host → Ruleset.do_actions → Closure → Promise → action_callback)
  costs more than the rules themselves: `_Ruleset` drives the same C calls directly
  (`assert_fact`, `start_action_for_state`, `update_state`, `complete_and_start_action`), in
  the same order, and hands the action the matched facts by alias. The engine is given the
  definition as the stock `Ruleset` would give it: every rule without its `run` (the action's
  name, kept here), keys sorted;
- `json.dumps` builds a new encoder on every call: facts are written by one C encoder built
  here, and a sweep's input facts, its given findings and the `$open` and phase facts of every
  session are written once (`encode_fact`), the same text as before.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from engine.errors import EngineFault

try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import durable_rules_engine as _native
except ImportError as exc:
    # A stock build of durable-rules 2.0.28 on Python 3.13 imports with "undefined symbol:
    # PyEval_CallObject" (or, with GCC 14, does not build): it needs a one-line source patch.
    raise EngineFault(
        f"durable_rules cannot be imported ({exc}). On Python 3.13, durable-rules 2.0.28 must "
        "be built with a one-line source fix: run `python tools/install_durable_rules.py` in "
        "this environment (README, 'Set up and run')."
    ) from exc

MAX_LIVE_SESSIONS = 1000

Frames = Mapping[str, Mapping[str, Any]]
# An action gets the matched facts by alias and returns the facts to assert next.
Action = Callable[[Frames], list[dict[str, Any]]]


class Encoded(NamedTuple):
    """A fact already written as JSON but for its session: `body` is the text the engine
    would be given for the fact's dict, without the closing brace (see :func:`encode_fact`).
    A what-if sweep asserts the same facts in many sessions: each is written once."""

    t: str
    body: str


Fact = dict[str, Any] | Encoded
_HEADS: dict[str, str] = {}  # fact type -> the text before its id


def encode_fact(fact_type: str, fact_id: str, values_text: str) -> Encoded:
    """The fact `{"t": fact_type, "id": fact_id, **values}`, where `values_text` is
    `json_text(values)`: the very text `post` would write for that dict."""
    head = _HEADS.get(fact_type)
    if head is None:
        head = _HEADS[fact_type] = '{"t": ' + _encode(fact_type) + ', "id": '
    head += _encode(fact_id)
    inner = values_text[1:-1]
    return Encoded(fact_type, head + ", " + inner if inner else head)


def json_text(values: Mapping[str, Any]) -> str:
    """`values` written as the engine is given facts (key order kept)."""
    return _write(values)


class Session:
    """One isolated inference run; collects action errors to re-raise after each assert."""

    def __init__(
        self,
        host: DurableHost,
        ruleset: str,
        sid: str,
        actions: Mapping[str, Action],
        consumed: frozenset[str],
    ) -> None:
        self.host = host
        self.ruleset = ruleset
        self.sid = sid
        self.actions = actions
        self.consumed = consumed
        self.errors: list[str] = []
        self.sid_suffix = ', "sid": ' + _encode(sid) + "}"

    def assert_fact(self, fact: Fact) -> None:
        """Assert a fact and run every firing it causes to quiescence."""
        if isinstance(fact, Encoded):
            if fact.t not in self.consumed:
                return
            text = fact.body + self.sid_suffix
        elif fact["t"] not in self.consumed:
            return
        else:
            text = _write({**fact, "sid": self.sid})
        ruleset = self.host.ruleset(self.ruleset)
        code, state = ruleset.post_text(text)
        if code == _OBSERVED:
            fact_id = json.loads(text).get("id")
            self.errors.append(f"engine rejected fact {fact_id} as a duplicate")
        elif code != _NOT_HANDLED:
            ruleset.run_actions(state, self.fire)
        if self.errors:
            raise EngineFault("; ".join(self.errors))

    def fire(self, ruleset: _Ruleset, rule_name: str, frames: Frames) -> None:
        action_name = ruleset.actions.get(rule_name, rule_name)
        if action_name == "$open":
            return
        try:
            for new in self.actions[action_name](frames):  # freshly parsed: no copy needed
                if new["t"] in self.consumed:
                    code, _ = ruleset.post({**new, "sid": self.sid})
                    if code == _OBSERVED:
                        raise EngineFault(f"engine rejected fact {new.get('id')} as a duplicate")
        except Exception as exc:  # durable would swallow it into the session state
            self.errors.append(f"{action_name}: {type(exc).__name__}: {exc}")


_NOT_HANDLED, _OBSERVED = 1, 2  # result codes of the engine's assert_fact


def _json_writer() -> Callable[[Any], str]:
    """`json.JSONEncoder(ensure_ascii=False).encode`, for the dicts and strings facts are made
    of. Each call of `encode` builds a new C encoder and a closure before it writes a byte:
    the one C encoder is built here, once (the same text; tests hold the two together)."""
    stock = json.JSONEncoder(ensure_ascii=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator
        return stock.encode
    c_encode = make(
        None, stock.default, json.encoder.encode_basestring, None, ": ", ", ", False, False, True
    )

    def write(value: Any) -> str:
        if isinstance(value, str):
            return stock.encode(value)
        return "".join(c_encode(value, 0))

    return write


_encode = _json_writer()


def _bare_exponent(value: float) -> bool:
    """Whether Python writes this float with an exponent but no fraction (`1e+17`, `1e-05`):
    durable_rules' parser reads an exponent only after a fraction, and refuses the fact."""
    text = repr(value)
    return "e" in text and "." not in text


_MAYBE_EXPONENT = re.compile(r"\de[-+]\d")


def _has_bare_exponent(value: Any) -> bool:
    if type(value) is float:
        return _bare_exponent(value)
    if isinstance(value, dict):
        return any(_has_bare_exponent(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_has_bare_exponent(item) for item in value)
    return False


def _with_fractions(value: Any, sort_keys: bool = False) -> str:
    """`value` written as `_encode` writes it, but `1e+17` as `1.0e+17` (the same number)."""
    if type(value) is float and _bare_exponent(value):
        mantissa, _, exponent = repr(value).partition("e")
        return f"{mantissa}.0e{exponent}"
    if isinstance(value, dict):
        items = sorted(value.items()) if sort_keys else value.items()
        return (
            "{"
            + ", ".join(
                f"{_encode(str(key))}: {_with_fractions(item, sort_keys)}" for key, item in items
            )
            + "}"
        )
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_with_fractions(item, sort_keys) for item in value) + "]"
    return _encode(value)


def _write(fact: Mapping[str, Any]) -> str:
    """A fact (a flat dict) as the engine reads it: `_encode`'s text, unless a float needs a
    fraction (numbers in facts are rare, such floats rarer: the check is the common cost)."""
    for item in fact.values():
        kind = type(item)
        if (kind is float and _bare_exponent(item)) or (kind is list and _has_bare_exponent(item)):
            return _with_fractions(fact)
    return _encode(fact)


# The C scanner, without `json.loads`' three wrappers (typeshed does not declare it).
_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _read_json(text: str) -> Any:
    """A JSON text the engine wrote (it starts with its value): `json.loads(text)`."""
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        return json.loads(text)  # not as expected: let json say what is wrong
    return value if end == len(text) else json.loads(text)


class _Ruleset:
    """One registered ruleset, driven through durable_rules' C calls (see the module note)."""

    def __init__(self, handle: Any, actions: Mapping[str, str], registered: str) -> None:
        self.handle = handle
        self.actions = dict(actions)  # rule name -> the action name in its `run`
        self.registered = registered  # the name it was created under

    def post(self, fact: dict[str, Any]) -> tuple[int, int]:
        """Assert `fact`: the engine's result code, and the state handle to run actions on."""
        return self.post_text(_write(fact))

    def post_text(self, text: str) -> tuple[int, int]:
        """Assert a fact written as JSON (see `post`)."""
        code, state = _native.assert_fact(self.handle, text)
        return int(code), int(state)

    def run_actions(self, state: int, fire: Callable[[_Ruleset, str, Frames], None]) -> None:
        """Every action pending on the session, until the engine has none left."""
        started = _native.start_action_for_state(self.handle, state)
        if not started:
            return
        state_json, message = started[0], started[1]
        while True:
            [(rule_name, frames)] = _read_json(message).items()
            fire(self, rule_name, frames)
            _native.update_state(self.handle, state_json)
            message = _native.complete_and_start_action(self.handle, state)
            if not message:
                return


class DurableHost:
    """A process-wide durable_rules host holding content-addressed rulesets."""

    def __init__(self) -> None:
        self._rulesets: dict[str, _Ruleset] = {}
        self._by_content: dict[str, _Ruleset] = {}
        self._sessions: dict[str, Session] = {}
        self._counter = 0

    def ensure_ruleset(self, name: str, definition: Mapping[str, Any]) -> None:
        """Register `definition` under `name` once. A definition already registered under
        another name (the report years of one era compile alike) is not registered again:
        the name becomes an alias of the same engine ruleset."""
        if name in self._rulesets:
            return
        actions = {rule: str(body.get("run", rule)) for rule, body in definition.items()}
        conditions = {
            rule: {k: v for k, v in body.items() if k != "run"} for rule, body in definition.items()
        }
        text = json.dumps(conditions, sort_keys=True, ensure_ascii=False)
        # Python writes every float exponent with its sign: no match, no float to walk for.
        if _MAYBE_EXPONENT.search(text) and _has_bare_exponent(conditions):
            text = _with_fractions(conditions, sort_keys=True)
        content = text + "\0" + json.dumps(actions, sort_keys=True, ensure_ascii=False)
        same = self._by_content.get(content)
        if same is not None:
            self._rulesets[name] = same
            return
        try:
            handle = _native.create_ruleset(name, text)
        except Exception as exc:
            raise EngineFault(f"durable_rules refused ruleset {name}: {exc}") from exc
        ruleset = _Ruleset(handle, actions, name)
        self._rulesets[name] = self._by_content[content] = ruleset

    def ruleset(self, name: str) -> _Ruleset:
        return self._rulesets[name]

    def run(
        self,
        ruleset: str,
        inputs: Iterable[Fact],
        actions: Mapping[str, Action],
        consumed: frozenset[str],
        phases: int,
        open_type: str,
        phase_type: str,
        before_phase: Callable[[int], list[dict[str, Any]]] | None = None,
        phases_read: frozenset[int] | None = None,
    ) -> None:
        """Run one session: open, inputs in order, negation phases; always delete it after.

        `before_phase(n)` returns facts computed outside the engine (weighings) once every
        firing of the earlier phases has run; they are asserted before phase fact `n`. Phase
        facts no rule waits for (not in `phases_read`, when given) match nothing and are not
        asserted.
        """
        if len(self._sessions) >= MAX_LIVE_SESSIONS:
            raise EngineFault(f"more than {MAX_LIVE_SESSIONS} live engine sessions")
        self._counter += 1
        sid = f"s{self._counter}"
        session = Session(self, ruleset, sid, actions, consumed | {open_type})
        self._sessions[sid] = session
        opened = False
        try:
            session.assert_fact(small_fact(open_type, "$open"))
            opened = True
            for fact in inputs:
                session.assert_fact(fact)
            for number in range(1, phases + 1):
                for fact in before_phase(number) if before_phase else []:
                    session.assert_fact(fact)
                if phases_read is None or number in phases_read:
                    session.assert_fact(small_fact(phase_type, f"$phase{number}", "n", number))
        finally:
            del self._sessions[sid]
            if opened:
                _native.delete_state(self._rulesets[ruleset].handle, sid)

    @property
    def live_sessions(self) -> int:
        return len(self._sessions)


_SMALL_FACTS: dict[tuple[str, str, str | None, Any], Encoded] = {}


def small_fact(fact_type: str, fact_id: str, name: str | None = None, value: Any = None) -> Encoded:
    """`{"t": fact_type, "id": fact_id}`, with `name: value` if given, written once: every
    session asserts the same `$open` and phase facts, every probe of a sweep the same given
    findings."""
    key = (fact_type, fact_id, name, value)
    found = _SMALL_FACTS.get(key)
    if found is None:
        if len(_SMALL_FACTS) > 8192:
            _SMALL_FACTS.clear()
        values = "{}" if name is None else json_text({name: value})
        found = _SMALL_FACTS[key] = encode_fact(fact_type, fact_id, values)
    return found


_SHARED: DurableHost | None = None


def shared_host() -> DurableHost:
    """One host per process: durable_rules is not thread-parallel, processes are."""
    global _SHARED
    if _SHARED is None:
        _SHARED = DurableHost()
    return _SHARED
