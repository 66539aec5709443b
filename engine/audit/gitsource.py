"""Rulebooks (and files) from a directory or from a git revision of the repository.

An audit compares the law as written at two points in time. Each side is named as a rules
directory, as ``git:REV`` (the rules directory as committed at REV) or ``git:REV:PATH`` (another
directory of that revision). A revision is extracted with ``git archive`` into a temporary
directory, loaded, and the directory removed: a loaded rulebook holds everything it needs.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputError
from engine.load.cache import load_rulebook_cached
from engine.load.rulebook import Rulebook

GIT_PREFIX = "git:"


@dataclass(frozen=True)
class RulebookSide:
    """One side of a comparison: what the user named, the rulebook, and its commit if any."""

    spec: str
    label: str
    book: Rulebook
    commit: str | None = None

    def describe(self) -> dict[str, str | None]:
        return {
            "spec": self.spec,
            "label": self.label,
            "commit": self.commit,
            "name": self.book.info.name,
            "version": self.book.info.version,
            "rules_sha256": self.book.sha256,
        }


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise InputError.single(str(repo), None, None, "git is not installed") from None


def repo_root(start: Path) -> Path | None:
    """The top directory of the git work tree holding `start`, or None outside git."""
    directory = start if start.is_dir() else start.parent
    if not directory.exists():
        return None
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "--show-toplevel"],
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        return None
    if done.returncode != 0:
        return None
    return Path(done.stdout.decode().strip())


def resolve_commit(repo: Path, rev: str) -> str | None:
    """The full commit id `rev` names in `repo`, or None if it names no commit."""
    if rev.startswith("-"):
        return None
    done = _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    return done.stdout.decode().strip() if done.returncode == 0 else None


def is_clean(repo: Path, paths: list[str]) -> bool:
    """True when `paths` are committed as they are on disk: no edits, no untracked files."""
    done = _git(repo, "status", "--porcelain", "--untracked-files=all", "--ignored", "--", *paths)
    if done.returncode != 0:
        return False
    tracked = _git(repo, "ls-files", "--error-unmatch", "--", *paths)
    return tracked.returncode == 0 and not done.stdout.strip()


def extract(repo: Path, commit: str, paths: list[str], dest: Path) -> None:
    """Write `paths` as they are at `commit` under `dest` (same relative layout)."""
    done = _git(repo, "archive", "--format=tar", commit, "--", *paths)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise InputError.single(
            f"git:{commit[:12]}",
            None,
            None,
            f"cannot extract {', '.join(paths)}: {message[-1] if message else 'git archive failed'}",
        )
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(dest, filter="data")


def relative_in_repo(repo: Path, path: Path) -> str | None:
    """`path` relative to the work tree, POSIX style, or None if it lies outside."""
    try:
        return path.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:
        return None


def load_side(spec: str, rules_dir: Path, repo_start: Path) -> RulebookSide:
    """Load the rulebook `spec` names: a directory, ``git:REV[:PATH]``, or a bare revision.

    `rules_dir` is the working rules directory; its place in the repository is the default
    path inside a revision.
    """
    with side_directory(spec, rules_dir, repo_start) as (label, path, commit):
        return RulebookSide(spec, label, load_rulebook_cached(path, display_root=label), commit)


@contextmanager
def side_directory(
    spec: str, rules_dir: Path, repo_start: Path
) -> Iterator[tuple[str, Path, str | None]]:
    """The rules directory `spec` names, on disk while the context lasts: (label, path, commit).

    Only naming the side can fail here (not a directory, not a revision); loading what it holds
    is the caller's business, so a caller can tell the two apart.
    """
    if spec.startswith(GIT_PREFIX):
        rev, _, sub = spec[len(GIT_PREFIX) :].partition(":")
        if not rev:
            raise InputError.single(spec, None, None, "name a revision after 'git:'")
        explicit = True
    else:
        path = Path(spec)
        if path.is_dir():
            yield spec, path, None
            return
        rev, sub, explicit = spec, "", False
    repo = repo_root(repo_start)
    if repo is None:
        message = (
            f"not inside a git repository ({repo_start})"
            if explicit
            else "neither a rules directory nor a git revision (write git:REV for a revision)"
        )
        raise InputError.single(spec, None, None, message)
    commit = resolve_commit(repo, rev)
    if commit is None:
        message = (
            f"'{rev}' is not a revision of the repository at {repo}"
            if explicit
            else "neither a rules directory nor a git revision of this repository"
        )
        raise InputError.single(spec, None, None, message)
    inside = sub or relative_in_repo(repo, rules_dir) or "rules"
    inside = inside.strip("/") or "."
    with tempfile.TemporaryDirectory(prefix="tip-assess-rev-") as tmp:
        extract(repo, commit, [inside], Path(tmp))
        yield f"git:{rev}/{inside}", Path(tmp) / inside, commit
