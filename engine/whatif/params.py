"""Parameters in a what-if: a rulebook with one value overridden, and which parameters matter.

An overridden rulebook gets its own sha256 (the base digest and the override, hashed together),
so the compiled-ruleset cache, which is keyed by the rulebook's digest, never serves one
rulebook's ruleset for another.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, TypeVar

from pydantic import BaseModel

from engine.load.rulebook import Rulebook
from engine.models import ParameterValue, ParamRef, ScalarValue, YearRange
from engine.reason.cache import compiled_for

M = TypeVar("M")


def with_parameter(book: Rulebook, name: str, value: ScalarValue, year: int) -> Rulebook:
    """`book` with parameter `name` worth `value` in report year `year` (other years as before,
    except those of a step that also covered `year`: the variant is only assessed for `year`)."""
    parameter = book.parameters[name]
    step = ParameterValue.model_validate(
        {"from": year, "to": year, "value": value, "note": "what-if override"}
    )
    kept = [
        s for s in parameter.values if not (s.start <= year and (s.end is None or year <= s.end))
    ]
    changed = parameter.model_copy(update={"values": [step, *kept]})
    tag = f"parameter {name} = {json.dumps(value)} for report year {year}"
    digest = hashlib.sha256(f"{book.sha256}\nwhat-if: {tag}".encode()).hexdigest()
    return dataclasses.replace(book, parameters={**book.parameters, name: changed}, sha256=digest)


def models_in(node: Any, wanted: type[M], year: int | None = None) -> list[M]:
    """Every instance of `wanted` anywhere in `node`, a model or a collection of them.

    Walked generically: with a `year`, every model whose `in_force` range does not cover it is
    skipped, whatever kind of law item it is (a rule, or any construct added later).
    """
    found: list[M] = []

    def walk(item: Any) -> None:
        if isinstance(item, wanted):
            found.append(item)
        if isinstance(item, BaseModel):
            in_force = getattr(item, "in_force", None)
            if year is not None and isinstance(in_force, YearRange) and not in_force.covers(year):
                return
            for field_name in type(item).model_fields:
                walk(getattr(item, field_name))
        elif isinstance(item, list | tuple):
            for element in item:
                walk(element)
        elif isinstance(item, dict):
            for element in item.values():
                walk(element)

    walk(node)
    return found


def parameters_in(node: Any, year: int | None = None) -> set[str]:
    """Parameters named (`{param: name}`) anywhere in `node`."""
    return {ref.param for ref in models_in(node, ParamRef, year)}


def law_items(book: Rulebook) -> list[BaseModel]:
    """Every law item of the rulebook (rules, and any construct held in a list with an id)."""
    return [
        item
        for attribute in vars(book).values()
        if isinstance(attribute, list)
        for item in attribute
        if isinstance(item, BaseModel) and isinstance(getattr(item, "id", None), str)
    ]


_REFERENCED: dict[tuple[str, int], frozenset[str]] = {}


def parameters_referenced(book: Rulebook, year: int) -> frozenset[str]:
    """Parameters named anywhere in what is in force in `year` (rules, and any other law item
    the rulebook holds in a list or mapping); walked once per (rulebook content, year)."""
    key = (book.sha256, year)
    if key not in _REFERENCED:
        items = [a for a in vars(book).values() if isinstance(a, list | dict)]
        _REFERENCED[key] = frozenset(parameters_in(items, year))
    return _REFERENCED[key]


def law_item(book: Rulebook, item_id: str) -> BaseModel | None:
    """The rule (or other law item) with this id."""
    return next((item for item in law_items(book) if getattr(item, "id", None) == item_id), None)


def concludes(item: BaseModel) -> str | None:
    """The conclusion a law item derives: a rule's `then.conclude`, or a `concludes` property."""
    then = getattr(item, "then", None)
    subject = (
        getattr(then, "conclude", None) if then is not None else getattr(item, "concludes", None)
    )
    return subject if isinstance(subject, str) else None


def parameter_matters(book: Rulebook, name: str, value: ScalarValue, year: int) -> bool:
    """Whether overriding the parameter can change anything in `year`: it is referenced by
    something in force, or the compiled ruleset differs (whichever construct reads it)."""
    if name in parameters_referenced(book, year):
        return True
    base = compiled_for(book, year)
    return compiled_for(with_parameter(book, name, value, year), year).sha256 != base.sha256


def values_to_try(book: Rulebook, name: str, year: int) -> list[ScalarValue]:
    """Every value the parameter takes in any report year, and its stated `range`, except the
    value in force for `year` (in a stable order)."""
    parameter = book.parameters[name]
    current = parameter.value_for(year)
    candidates = [step.value for step in parameter.values] + list(parameter.range or [])
    unique: dict[str, ScalarValue] = {}
    for value in candidates:
        if value != current:
            unique.setdefault(json.dumps(value), value)
    return sorted(unique.values(), key=_order)


def _order(value: ScalarValue) -> tuple[float, str]:
    if isinstance(value, str):
        return (float("inf"), value)
    return (float(value), "")
