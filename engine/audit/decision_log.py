"""Tamper-evident, append-only log of tier decisions.

The log is a JSON Lines file: one canonical-JSON entry per line, each chained to its
predecessor by hash, so that editing, deleting or reordering any complete line is detectable
by :meth:`DecisionLog.verify`. A chain can always be recomputed wholesale by someone with
write access, so anyone needing stronger guarantees should record ``VerifyReport.head_hash``
somewhere else (a ticket, a signed commit) and compare later.

Entry fields:

``seq``
    1-based position; equals the line number in a sound log.
``time``
    ISO 8601 UTC timestamp, given by the caller or taken from the (injectable) clock.
``by``, ``country``, ``report_year``, ``tier``
    Who decided what, for which country and report year.
``explanation_digest``, ``rules_sha256``, ``evidence_sha256``
    SHA-256 hex digests computed by the caller, pinning the explanation and inputs.
``engine_version``
    Defaults to :data:`engine.__version__`.
``rules_version`` (optional)
    The rulebook version the decision was made under (``rulebook.version``); entries written
    before it existed lack it.
``replay`` (optional)
    Free-form object with whatever is needed to re-run the decision; stored as given.
``request_id`` (optional)
    An idempotency key given by the caller. Appending a record whose ``request_id`` is already
    in the log writes nothing and returns the stored entry (:attr:`DecisionLog.duplicate` is
    then true), provided the decision is the same; the same key for another decision is an
    error. So a writer killed after its append but before it could acknowledge it can simply
    be re-run with the same key.
``prev_hash``
    The previous entry's ``hash`` (64 zeros for the first entry).
``hash``
    SHA-256 of the canonical JSON of the entry without its ``hash`` field. Because that
    covers ``prev_hash``, each entry commits to the whole history before it.

Durability and concurrency: appends take an exclusive ``flock`` on the log file, read the last
entry, write the whole line with a single ``os.write`` on an ``O_APPEND`` descriptor and
``fsync`` before releasing the lock, so concurrent writers (threads or processes) never
interleave or lose entries. Readers take a shared lock so they never see half a line.

Crash safety: a line is complete only once its trailing newline is on disk, so a crash can
leave at most one *torn* final line (no newline; possibly even valid JSON, but never
acknowledged to its writer). Readers ignore it and report it (:attr:`DecisionLog.torn_line`,
:attr:`VerifyReport.torn_line`); ``verify()`` still returns ``ok=True`` for it because no
acknowledged entry was lost. The next ``append()`` truncates it away under the lock before
writing (the discarded bytes are kept in :attr:`DecisionLog.repaired_tail`). Complete lines are
never rewritten.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from engine import __version__
from engine.load import inputs

__all__ = [
    "GENESIS_HASH",
    "DecisionLog",
    "DecisionLogError",
    "VerifyReport",
    "canonical_json",
    "default_log_path",
    "entry_hash",
]

GENESIS_HASH = "0" * 64

_HEX64 = re.compile(r"[0-9a-f]{64}")
_DIGEST_FIELDS = ("explanation_digest", "rules_sha256", "evidence_sha256")
_STR_FIELDS = ("by", "country", "tier", "engine_version")
_OPTIONAL_STR_FIELDS = ("rules_version",)
_RESERVED_FIELDS = ("seq", "prev_hash", "hash")
_ALLOWED_FIELDS = frozenset(
    {*_DIGEST_FIELDS, *_STR_FIELDS, *_OPTIONAL_STR_FIELDS, "report_year", "time", "replay"}
    | {"request_id"},
)
# What makes two records the same decision, for a retried request.
_DECISION_FIELDS = (*_DIGEST_FIELDS, "by", "country", "report_year", "tier")
_REQUEST_ID = re.compile(r"[\x21-\x7e]{1,200}")
_REQUIRED_ENTRY_FIELDS = frozenset(
    {*_DIGEST_FIELDS, *_STR_FIELDS, *_RESERVED_FIELDS, "report_year", "time"},
)
_CHUNK = 64 * 1024


class DecisionLogError(Exception):
    """The log file cannot be read or appended to safely."""


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of :meth:`DecisionLog.verify`.

    Verification stops at the first problem. ``entries`` counts the complete entries that
    verified before it. ``first_bad_seq`` is the seq the offending line *should* carry (its
    position), which in a sound prefix equals ``first_bad_line``. ``problem`` is empty for a
    clean log, a note (with ``ok=True``) when only a torn final line was found, and otherwise
    says which entry was altered, removed or reordered. ``head_hash`` is the hash of the last
    verified entry, suitable for anchoring outside the log.
    """

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    first_bad_line: int | None = None
    problem: str = ""
    torn_line: int | None = None
    head_hash: str | None = None


def canonical_json(obj: object) -> str:
    """Serialise exactly as stored, so hashes are reproducible by any implementation."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def entry_hash(entry: Mapping[str, object]) -> str:
    """Hash an entry's content; the ``hash`` field itself is excluded."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def default_log_path() -> Path:
    """``$TIP_ASSESS_LOG``, else the XDG state directory (relative XDG paths are ignored)."""
    explicit = os.environ.get("TIP_ASSESS_LOG")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "state"
    return base / "tip-assess" / "decisions.jsonl"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _format_time(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("clock returned a naive datetime; it must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_time(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("time must be an ISO 8601 string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"time is not ISO 8601: {value!r}") from exc
    offset = moment.utcoffset()
    if offset is None or offset.total_seconds() != 0:
        raise ValueError(f"time must be in UTC (Z or +00:00): {value!r}")
    return value


def _build_body(record: Mapping[str, object], clock: Callable[[], datetime]) -> dict[str, object]:
    """Validate a caller's record; the log, not the caller, owns seq and the chain."""
    reserved = sorted(set(record) & set(_RESERVED_FIELDS))
    if reserved:
        raise ValueError(f"fields are filled in by the log and must not be given: {reserved}")
    unknown = sorted(str(k) for k in set(record) - _ALLOWED_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields (put extra data under 'replay'): {unknown}")
    body: dict[str, object] = dict(record)
    body.setdefault("engine_version", __version__)
    for name in (*_STR_FIELDS, *(f for f in _OPTIONAL_STR_FIELDS if f in body)):
        value = body.get(name)
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} must be a non-empty string")
    year = body.get("report_year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise ValueError("report_year must be an int")
    for name in _DIGEST_FIELDS:
        value = body.get(name)
        if not isinstance(value, str) or not _HEX64.fullmatch(value):
            raise ValueError(f"{name} must be a lowercase sha256 hex digest")
    if "replay" in body and not isinstance(body["replay"], dict):
        raise ValueError("replay must be a dict")
    if "request_id" in body and (
        not isinstance(body["request_id"], str) or not _REQUEST_ID.fullmatch(body["request_id"])
    ):
        raise ValueError("request_id must be 1 to 200 printable ASCII characters, no spaces")
    body["time"] = _check_time(body["time"]) if "time" in body else _format_time(clock())
    try:
        # Round-trip so the entry is plain JSON and later caller mutation cannot affect it.
        copied: dict[str, object] = json.loads(canonical_json(body))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"record is not JSON-serialisable: {exc}") from exc
    return copied


def _scan_tail(fd: int, size: int) -> tuple[int, bytes | None]:
    """Find where complete lines end and the last complete line, reading backwards."""
    buf = b""
    start = size
    while True:
        last_nl = buf.rfind(b"\n")
        if last_nl == -1:
            if start == 0:
                return 0, None
        else:
            prev_nl = buf.rfind(b"\n", 0, last_nl)
            if prev_nl != -1 or start == 0:
                return start + last_nl + 1, buf[prev_nl + 1 : last_nl]
        step = min(_CHUNK, start)
        start -= step
        buf = os.pread(fd, step, start) + buf


def _count_lines(fd: int, end: int) -> int:
    count = 0
    pos = 0
    while pos < end:
        chunk = os.pread(fd, min(_CHUNK, end - pos), pos)
        if not chunk:
            break
        count += chunk.count(b"\n")
        pos += len(chunk)
    return count


def _parse_line(raw: bytes) -> dict[str, object]:
    """Parse one stored line; raises ValueError with a short reason."""
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not valid JSON ({exc})") from exc
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    return obj


class DecisionLog:
    """An append-only decision log file; see the module docstring for the guarantees."""

    def __init__(self, path: Path, *, clock: Callable[[], datetime] | None = None) -> None:
        self.path = Path(path)
        self._clock = clock or _utc_now
        #: Line number of a torn final line seen by the last ``entries()``/``verify()``.
        self.torn_line: int | None = None
        #: Bytes of a torn final line discarded by the last ``append()``, if any.
        self.repaired_tail: bytes | None = None
        #: True when the last ``append()`` found its ``request_id`` already logged.
        self.duplicate = False

    def append(self, record: Mapping[str, object]) -> dict[str, object]:
        """Validate, chain and durably write one entry; returns it exactly as stored.

        Raises ``ValueError`` for an invalid record and :class:`DecisionLogError` if the last
        complete line cannot be chained onto (corrupt) or the write comes up short.
        """
        body = _build_body(record, self._clock)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
        fd = os.open(self.path, flags, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            complete_end, last_line = _scan_tail(fd, size)
            self.repaired_tail = None
            if complete_end < size:
                self.repaired_tail = os.pread(fd, size - complete_end, complete_end)
                os.ftruncate(fd, complete_end)
            seq, prev_hash = self._chain_from(fd, complete_end, last_line)
            self.duplicate = False
            if "request_id" in body:
                earlier = self._find_request(fd, complete_end, body)
                if earlier is not None:
                    self.duplicate = True
                    return earlier
            entry: dict[str, object] = {**body, "seq": seq, "prev_hash": prev_hash}
            entry["hash"] = entry_hash(entry)
            data = (canonical_json(entry) + "\n").encode("utf-8")
            try:
                written = os.write(fd, data)
            except OSError:
                os.ftruncate(fd, complete_end)
                raise
            if written != len(data):
                os.ftruncate(fd, complete_end)
                raise DecisionLogError(
                    f"{self.path}: short write ({written} of {len(data)} bytes); entry not logged"
                )
            os.fsync(fd)
            if complete_end == 0:
                self._fsync_parent()
        finally:
            os.close(fd)  # also releases the lock
        stored: dict[str, object] = json.loads(data)
        return stored

    def _chain_from(self, fd: int, complete_end: int, last_line: bytes | None) -> tuple[int, str]:
        if last_line is None:
            return 1, GENESIS_HASH
        try:
            last = _parse_line(last_line)
            seq, digest = last.get("seq"), last.get("hash")
            if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
                raise ValueError("no valid seq")
            if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
                raise ValueError("no valid hash")
        except ValueError as exc:
            lineno = _count_lines(fd, complete_end)
            raise DecisionLogError(
                f"{self.path}:{lineno}: last entry is corrupt ({exc}); refusing to append "
                "to a damaged log"
            ) from exc
        return seq + 1, digest

    def _find_request(
        self, fd: int, end: int, body: Mapping[str, object]
    ) -> dict[str, object] | None:
        """The logged entry with this record's request id; an error if it decided otherwise."""
        needle = b'"request_id":' + canonical_json(body["request_id"]).encode("utf-8")
        pos = 0
        rest = b""
        lineno = 0
        while pos < end:
            chunk = os.pread(fd, min(_CHUNK, end - pos), pos)
            if not chunk:
                break
            pos += len(chunk)
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            for raw in lines:
                lineno += 1
                if needle not in raw:
                    continue
                try:
                    entry = _parse_line(raw)
                except ValueError:
                    continue
                if entry.get("request_id") != body["request_id"]:
                    continue
                differs = [k for k in _DECISION_FIELDS if entry.get(k) != body.get(k)]
                if differs:
                    raise DecisionLogError(
                        f"{self.path}:{lineno}: request id {body['request_id']!r} was already "
                        f"used for entry {entry.get('seq')}, a different decision "
                        f"({', '.join(differs)} differ); use a new request id"
                    )
                return entry
        return None

    def _fsync_parent(self) -> None:
        """Make a newly created log file's directory entry durable too."""
        dir_fd = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _read_lines(self) -> tuple[list[bytes], bytes | None]:
        """Return complete lines (without newlines) and a torn final fragment, if any."""
        try:
            with open(self.path, "rb") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
                data = handle.read()
                inputs.note_stat(os.fstat(handle.fileno()))  # no output may replace the log
        except FileNotFoundError:
            return [], None
        lines = data.split(b"\n")
        tail = lines.pop()  # b"" when the file ends with a newline
        return lines, (tail or None)

    def entries(self) -> list[dict[str, object]]:
        """All complete entries, in file order, without verifying the chain.

        A torn final line is skipped and its line number left in :attr:`torn_line`; any other
        unparsable line raises :class:`DecisionLogError` naming the file and line.
        """
        lines, tail = self._read_lines()
        self.torn_line = len(lines) + 1 if tail is not None else None
        result: list[dict[str, object]] = []
        for lineno, raw in enumerate(lines, start=1):
            try:
                result.append(_parse_line(raw))
            except ValueError as exc:
                raise DecisionLogError(f"{self.path}:{lineno}: corrupt entry: {exc}") from exc
        return result

    def verify(self) -> VerifyReport:
        """Check every complete line's hash, seq and chain link; stops at the first problem.

        Never raises for damaged content: corruption is reported in the :class:`VerifyReport`.
        """
        lines, tail = self._read_lines()
        torn = len(lines) + 1 if tail is not None else None
        self.torn_line = torn
        prev_hash = GENESIS_HASH
        for lineno, raw in enumerate(lines, start=1):
            problem, digest = _check_line(lineno, raw, prev_hash)
            if problem:
                return VerifyReport(
                    ok=False,
                    entries=lineno - 1,
                    first_bad_seq=lineno,
                    first_bad_line=lineno,
                    problem=problem,
                    torn_line=torn,
                    head_hash=None if lineno == 1 else prev_hash,
                )
            prev_hash = digest
        count = len(lines)
        note = ""
        if torn is not None:
            note = f"last line is incomplete (interrupted write); {count} complete entries verified"
        return VerifyReport(
            ok=True,
            entries=count,
            problem=note,
            torn_line=torn,
            head_hash=prev_hash if count else None,
        )


def _check_line(lineno: int, raw: bytes, prev_hash: str) -> tuple[str, str]:
    """Return (what is wrong with line ``lineno`` or "", its hash)."""
    try:
        entry = _parse_line(raw)
        digest = entry_hash(entry)
    except ValueError as exc:
        return f"line {lineno}: {exc} (corrupted)", ""
    where = f"entry {lineno} (line {lineno})"
    if entry.get("hash") != digest:
        return f"{where}: hash does not match its content (altered)", digest
    seq = entry.get("seq")
    if seq != lineno or isinstance(seq, bool):
        return (
            f"entry at line {lineno} has seq {seq}, expected {lineno} "
            "(an entry was removed or reordered)"
        ), digest
    if entry.get("prev_hash") != prev_hash:
        if lineno == 1:
            problem = "line 1: prev_hash is not the genesis value (earlier entries were removed)"
        else:
            problem = (
                f"line {lineno}: prev_hash does not match entry {lineno - 1} (removed or reordered)"
            )
        return problem, digest
    missing = sorted(_REQUIRED_ENTRY_FIELDS - set(entry))
    if missing:
        return f"{where}: missing fields {missing} (altered)", digest
    if canonical_json(entry).encode("utf-8") != raw:
        return f"{where}: line is not in canonical form (rewritten)", digest
    return "", digest
