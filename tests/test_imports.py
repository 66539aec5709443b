"""Commands import only what they use: `--help` none of the engine, one assessment no batch,
audit, corpus or quality code. (Start-up time itself is measured by bench/run.py, not here.)"""

from __future__ import annotations

import functools
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import support

PROBE = """
import json, sys
from engine.cli.main import main
try:
    main(sys.argv[1:], prog_name="tip-assess")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def imported(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        cwd=support.ROOT,
        timeout=120,
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def under(modules: set[str], *packages: str) -> set[str]:
    return {m for m in modules if any(m == p or m.startswith(p + ".") for p in packages)}


def test_help_imports_no_engine_and_no_heavy_library() -> None:
    modules = imported("--help")
    assert under(modules, "pydantic", "yaml", "durable", "jsonschema", "dask") == set()
    # The command modules, and the few small modules their options need (limits, sources root).
    assert under(modules, "engine") <= {
        "engine",
        "engine.collector",
        "engine.interrupts",  # a flag the command line's Ctrl-C handler sets
        "engine.errors",
        "engine.batch",
        "engine.load",
        "engine.load.inputs",
        "engine.load.limits",
        *(m for m in modules if m.startswith("engine.cli")),
    }


def test_one_assessment_imports_no_batch_audit_corpus_or_quality_code() -> None:
    modules = imported("assess", "evidence/peru/2007.yaml")
    assert "engine.assessment" in modules and "engine.report.assessment" in modules
    # Of the commands, only its own module (and the plumbing it shares): see COMMAND_MODULES.
    assert under(modules, "engine.cli") == {
        "engine.cli",
        "engine.cli.main",
        "engine.cli.common",
        "engine.cli.assess",
        "engine.cli.batch",
        "engine.cli.progress",
    }
    assert (
        under(
            modules,
            "engine.audit",
            "engine.corpus",
            "engine.quality",
            "engine.batch.pool",
            "engine.batch.render",
            "concurrent.futures.process",
            "multiprocessing",
            "jsonschema",
            "hypothesis",
        )
        == set()
    )


BUILT = """
import json, os, sys
os.environ.pop("PYDANTIC_DISABLE_PLUGINS", None)
import pydantic
from engine.cli.main import main
try:
    main(sys.argv[1:], prog_name="tip-assess")
except SystemExit:
    pass
import engine.load.history as history
import engine.models as models
from pydantic.plugin import _loader
print(json.dumps({
    "built": sorted(
        name for name, value in {**vars(models), **vars(history)}.items()
        if isinstance(value, type) and issubclass(value, pydantic.BaseModel)
        and value.__pydantic_complete__
    ),
    "plugins": os.environ.get("PYDANTIC_DISABLE_PLUGINS"),
    "looked_for_plugins": _loader._plugins is not None,
    "yaml": "yaml" in sys.modules,
    "sweep": "engine.whatif.sweep" in sys.modules,
}), file=sys.stderr)
"""


@functools.cache
def assessed_in_a_new_process(inputs_cached: bool = False) -> dict[str, Any]:
    """One assessment of Peru 2007 in a new process, the rules read from the cache, and the
    dossier, its history and its sweep too when `inputs_cached`: which models built their
    validators, whether pydantic looked for plugins, what was imported."""
    cache = Path(tempfile.mkdtemp(prefix="tip-assess-imports-"))
    try:
        env = {**os.environ, "TIP_ASSESS_CACHE": str(cache)}
        support.run_process("assess", "evidence/peru/2007.yaml", env=env)  # fills the cache
        [dossier] = support.store_keys(cache, "dossiers")  # else the dossier was not cached
        assert support.store_keys(cache, "histories"), "the history was not cached"
        stored = support.stored_value(cache, "dossiers", dossier)
        assert pickle.loads(stored).extras, "the sweep was not cached"
        if not inputs_cached:
            for store in ("dossiers", "histories"):
                for side in ("", "-wal", "-shm"):
                    support.store_file(cache, store).with_name(f"{store}.sqlite3{side}").unlink(
                        missing_ok=True
                    )
        done = subprocess.run(
            [sys.executable, "-c", BUILT, "assess", "evidence/peru/2007.yaml"],
            capture_output=True,
            text=True,
            cwd=support.ROOT,
            env=env,
            timeout=120,
        )
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    found: dict[str, Any] = json.loads(done.stderr.strip().splitlines()[-1])
    return found


def test_an_assessment_from_the_cached_rules_builds_only_the_validators_it_uses() -> None:
    """Models build their validators when first used (`defer_build`): a rulebook read from the
    cache is not validated again, so an assessment builds those of the dossier and the history
    only (the rule models' would cost a new process about 80 ms); a dossier and a history read
    from the cache are not validated again either, so then it builds none."""
    built = set(assessed_in_a_new_process()["built"])
    assert built == {"Dossier", "History"}, built
    built = set(assessed_in_a_new_process(inputs_cached=True)["built"])
    assert built == set(), built


def test_an_assessment_of_cached_inputs_parses_no_yaml() -> None:
    """PyYAML is imported where a file is parsed (engine/load/yamlsource.py): with the rules,
    the dossier and its history all read from the caches, not at all."""
    assert assessed_in_a_new_process()["yaml"] is True
    assert assessed_in_a_new_process(inputs_cached=True)["yaml"] is False


def test_an_assessment_whose_sweep_is_cached_imports_no_sweep_code() -> None:
    """The sweep's modules (engine/whatif/sweep.py and what it alone imports) load only when a
    sweep runs."""
    assert assessed_in_a_new_process()["sweep"] is True
    assert assessed_in_a_new_process(inputs_cached=True)["sweep"] is False


def test_the_command_loads_no_pydantic_plugin() -> None:
    """No installed package can observe the validation of the rules or the evidence: the
    command never looks for pydantic plugins (and a new process saves scanning every package's
    metadata)."""
    found = assessed_in_a_new_process()
    assert found["plugins"] == "__all__" and not found["looked_for_plugins"], found


def test_no_model_field_has_a_builtin_default_factory() -> None:
    """pydantic reads a default factory's signature when it builds a validator: for a builtin
    (`list`, `dict`) that means parsing its text signature with tokenize, milliseconds of a cold
    assessment. Every model of the engine uses `empty_list` or `empty_dict` instead."""
    import importlib
    import pkgutil

    import pydantic

    import engine

    for module in pkgutil.walk_packages(engine.__path__, "engine."):
        if not module.name.endswith("__main__"):  # that one runs the command
            importlib.import_module(module.name)
    models = []
    pending = list(pydantic.BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model.__module__.startswith("engine."):
            models.append(model)
    assert len(models) > 20
    builtins = {list, dict, set, tuple, frozenset}
    offenders = [
        f"{model.__module__}.{model.__qualname__}.{name}"
        for model in models
        for name, info in model.model_fields.items()
        if info.default_factory in builtins
    ]
    assert not offenders, offenders
