"""The engine's layers: imports run downwards only, and only durable_host.py touches durable_rules.

Every module under engine/ is parsed (not imported) and each of its imports, including those
inside functions and `if TYPE_CHECKING:` blocks, is checked against the layer table below:

    bottom < load < reason < assessment (and document) < quality / corpus / audit / report / whatif / batch < web < cli

Modules of one layer may import each other. See docs/architecture.md.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import support

ENGINE = support.ROOT / "engine"

BOTTOM, LOAD, REASON, ASSESSMENT, CHECKS, WEB, CLI = range(7)
LAYER_NAMES = {
    BOTTOM: "bottom",
    LOAD: "load",
    REASON: "reason",
    ASSESSMENT: "assessment",
    CHECKS: "quality/corpus/audit/report/whatif/batch",
    WEB: "web",
    CLI: "cli",
}

# Module (or package prefix) -> layer. A module not covered here fails the test: place it.
LAYERS: dict[str, int] = {
    "engine": BOTTOM,  # the package itself: __version__
    "engine.errors": BOTTOM,
    "engine.collector": BOTTOM,  # the process's garbage-collector policy: imports nothing
    "engine.interrupts": BOTTOM,  # Ctrl-C as the process has seen it: imports nothing
    "engine.models": BOTTOM,
    "engine.durable_host": BOTTOM,
    "engine.load": LOAD,
    "engine.reason": REASON,
    "engine.assessment": ASSESSMENT,
    "engine.document": ASSESSMENT,
    "engine.quality": CHECKS,
    "engine.corpus": CHECKS,
    "engine.audit": CHECKS,
    "engine.report": CHECKS,
    "engine.batch": CHECKS,
    "engine.whatif": CHECKS,
    "engine.web": WEB,
    "engine.cli": CLI,
    "engine.__main__": CLI,
}

DURABLE_HOST = "engine.durable_host"
DURABLE_PACKAGES = ("durable", "durable_rules_engine")


def layer_of(module: str) -> int | None:
    """The layer of a module: the longest entry of LAYERS that is the module or a package of it."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in LAYERS and (end > 1 or module == "engine"):
            return LAYERS[prefix]
    return None


def module_name(path: Path, root: Path = ENGINE) -> str:
    relative = path.relative_to(root.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str, root: Path = ENGINE) -> bool:
    """True when `name` (engine.x.y) is a module or package on disk under `root`."""
    relative = Path(*name.split(".")[1:]) if "." in name else Path()
    base = root / relative
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


@dataclass(frozen=True)
class Import:
    line: int
    target: str


def imports_of(source: str, module: str, is_package: bool, root: Path = ENGINE) -> list[Import]:
    """Every module `source` imports, at any depth (functions, TYPE_CHECKING blocks)."""
    found: list[Import] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(Import(node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module.split(".")
                if not is_package:
                    package = package[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                # `from engine.load import rules` imports the module engine.load.rules
                if base.split(".")[0] == "engine" and is_module(submodule, root):
                    found.append(Import(node.lineno, submodule))
                else:
                    found.append(Import(node.lineno, base))
    return found


def violations(root: Path = ENGINE) -> list[str]:
    """Every import that goes up a layer, every unplaced module, every stray durable import."""
    problems: list[str] = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        shown = path.relative_to(root.parent).as_posix()
        layer = layer_of(module)
        if layer is None:
            problems.append(f"{shown}: module {module} has no layer in tests/test_layers.py")
            continue
        source = path.read_text(encoding="utf-8")
        for imported in imports_of(source, module, path.name == "__init__.py", root):
            top = imported.target.split(".")[0]
            if top in DURABLE_PACKAGES and module != DURABLE_HOST:
                problems.append(
                    f"{shown}:{imported.line}: imports {imported.target}; only "
                    f"engine/durable_host.py may import durable_rules"
                )
            if top != "engine":
                continue
            target_layer = layer_of(imported.target)
            if target_layer is None:
                problems.append(
                    f"{shown}:{imported.line}: imports {imported.target}, which has no layer"
                )
            elif target_layer > layer:
                problems.append(
                    f"{shown}:{imported.line}: {module} ({LAYER_NAMES[layer]}) imports "
                    f"{imported.target} ({LAYER_NAMES[target_layer]}), a higher layer"
                )
    return problems


def test_imports_only_run_downwards() -> None:
    problems = violations()
    assert not problems, "imports against the layering:\n" + "\n".join(problems)


def test_only_durable_host_imports_durable_rules() -> None:
    importers = [
        module_name(path)
        for path in sorted(ENGINE.rglob("*.py"))
        for imported in imports_of(
            path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py"
        )
        if imported.target.split(".")[0] in DURABLE_PACKAGES
    ]
    assert importers and set(importers) == {DURABLE_HOST}


def test_every_layer_has_modules() -> None:
    """The table describes the tree: no entry names a module or package that is gone."""
    for name in LAYERS:
        assert is_module(name), f"{name} is in the layer table but not under engine/"


def test_the_check_catches_upward_imports(tmp_path: Path) -> None:
    """The checker itself: an upward import inside a function, a relative one, durable_rules."""
    root = tmp_path / "engine"
    for package in ("load", "cli", "report"):
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "assessment.py").write_text("")
    (root / "cli" / "main.py").write_text("")
    (root / "load" / "rules.py").write_text(
        "from engine.errors import InputError\n"
        "def load():\n"
        "    from engine.assessment import assess\n"
        "    return assess\n"
    )
    (root / "load" / "dossier.py").write_text("from ..cli import main\nimport durable.lang\n")
    (root / "report" / "text.py").write_text("from engine.cli import main\n")
    problems = violations(root)
    assert any("load/rules.py:3:" in p and "engine.assessment (assessment)" in p for p in problems)
    assert any("load/dossier.py:1:" in p and "engine.cli.main (cli)" in p for p in problems)
    assert any("load/dossier.py:2:" in p and "durable_host.py" in p for p in problems)
    assert any("report/text.py:1:" in p and "engine.cli.main (cli)" in p for p in problems)
    assert not any("errors" in p for p in problems)
