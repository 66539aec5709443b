"""Python support matches requires-python: the README states it, CI runs the ends of it, and the
durable-rules build for Python 3.13 patches exactly what it should (tested offline here; the real
build runs in CI under the highest supported Python)."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import pytest
import support

TOOLS = support.ROOT / "tools"


def tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"tools_{name}", TOOLS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


pythons = tool("pythons")
installer = tool("install_durable_rules")


def test_requires_python_has_both_bounds_and_admits_this_python() -> None:
    versions = pythons.supported()
    assert versions[0] == "3.11" and len(versions) >= 2
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in versions


def test_the_readme_states_the_supported_pythons() -> None:
    versions = pythons.supported()
    stated = ", ".join(versions[:-1]) + f" and {versions[-1]}"
    readme = (support.ROOT / "README.md").read_text(encoding="utf-8")
    assert f"Python {stated}" in readme, f"README should say: Python {stated}"


def test_ci_runs_the_lowest_and_the_highest_supported_python() -> None:
    script = (support.ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "read -r lowest highest < <(python3 tools/pythons.py ends)" in script
    assert "for version in $lowest $highest; do" in script
    # On every Python, CI runs the test command the README gives, exactly.
    readme = (support.ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Run the tests", 1)[1]
    command = section.split("```sh\n", 1)[1].split("\n```", 1)[0].strip()
    assert command.startswith("pytest"), command
    first_pass, other_pythons = script.split("for version in $lowest $highest; do")
    assert f"\n{command}\n" in first_pass
    assert f"    {command}\n" in other_pythons


@pytest.mark.parametrize(
    ("requires", "versions"),
    [
        (">=3.11,<3.14", ["3.11", "3.12", "3.13"]),
        (">=3.11, <=3.12", ["3.11", "3.12"]),
        ("<3.13,>=3.12", ["3.12"]),
    ],
)
def test_requires_python_is_read(requires: str, versions: list[str]) -> None:
    assert pythons.supported(requires) == versions


@pytest.mark.parametrize(
    ("requires", "message"),
    [
        (">=3.11", "needs a lower and an upper bound"),
        (">=3.11,<4", "'<4' is not >=3.N, <3.N or <=3.N"),
        ("~=3.11", "'~=3.11' is not"),
        (">=3.12,<3.12", "needs a lower and an upper bound"),
    ],
)
def test_unreadable_requires_python_is_refused(requires: str, message: str) -> None:
    with pytest.raises(pythons.Unsupported, match=message.replace("(", r"\(")):
        pythons.supported(requires)


def test_this_python_is_found_and_a_missing_one_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    monkeypatch.setenv(f"TIP_ASSESS_PYTHON_{version.replace('.', '_')}", sys.executable)
    assert pythons.find(version) == sys.executable
    monkeypatch.setenv("PYENV_ROOT", "/nonexistent")
    monkeypatch.setenv("PATH", "")
    with pytest.raises(pythons.Unsupported, match=r"no working Python 3\.99 \(tried: nothing"):
        pythons.find("3.99")


# --------------------------------------------------------------------------- the 3.13 build


def fake_sdist(tmp_path: Path, calls: int) -> Path:
    """A tarball shaped like the durable-rules sdist, its binding with `calls` removed calls."""
    body = "\n".join(
        ["#include <Python.h>"] + ["    result = PyEval_CallObject(callback, arglist);"] * calls
    )
    path = tmp_path / installer.SDIST
    with tarfile.open(path, "w:gz") as archive:
        data = body.encode()
        info = tarfile.TarInfo(f"durable_rules-{installer.VERSION}/src/rulespy/rules.c")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def test_the_binding_is_patched_call_by_call(tmp_path: Path) -> None:
    tree = installer.unpack(fake_sdist(tmp_path, 5), tmp_path / "src")
    assert installer.patch_binding(tree) == 5
    text = (tree / installer.BINDING).read_text()
    assert "PyEval_CallObject" not in text
    assert text.count("PyObject_CallObject(callback, arglist)") == 5


@pytest.mark.parametrize("calls", [0, 4, 6])
def test_an_unexpected_source_is_not_patched(tmp_path: Path, calls: int) -> None:
    tree = installer.unpack(fake_sdist(tmp_path, calls), tmp_path / "src")
    before = (tree / installer.BINDING).read_text()
    with pytest.raises(installer.Failure, match=f"has {calls} calls of PyEval_CallObject"):
        installer.patch_binding(tree)
    assert (tree / installer.BINDING).read_text() == before


def test_the_sdist_digest_is_checked(tmp_path: Path) -> None:
    sdist = fake_sdist(tmp_path, 5)
    installer.check_digest(sdist, hashlib.sha256(sdist.read_bytes()).hexdigest())
    with pytest.raises(installer.Failure, match="not the release"):
        installer.check_digest(sdist)


def test_the_installed_durable_rules_imports_here() -> None:
    assert installer.installed_version() == installer.VERSION
