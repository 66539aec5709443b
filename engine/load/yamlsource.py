"""YAML loading that remembers where every value stood, so errors can name file and line.

The text is parsed by libyaml (`yaml.CSafeLoader`'s C parser) into events, and the values are
built here from the events, without recursion, so that every limit of :mod:`engine.load.limits`
is checked as the document is read: nesting depth, nodes (aliases counted as expanded), the
nodes aliases add, and the digits of an integer. Dossiers and histories refuse anchors and
aliases outright; rules files may use them (policy staff share texts that way), capped.
Duplicate keys and merge keys (`<<`) are errors; only one document per file.

The loaders import this module where they parse, not at their top: importing PyYAML costs a
new process about 20 ms, and a command whose rules and inputs all come from the caches parses
nothing.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from engine.errors import InputError
from engine.load import limits
from engine.load.characters import CONTROL_CHARACTER, bidi_message, control_name, first_bidi
from engine.load.files import decode_utf8, read_bounded
from engine.load.linemap import LineMap, PathKey

_INT = "tag:yaml.org,2002:int"
_MERGE = "tag:yaml.org,2002:merge"
# Tags a plain value may carry; collections are read as mappings and lists whatever their tag.
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")
)
# Tags a mapping or a list may carry (none, or the plain ones).
_COLLECTION_TAGS = frozenset({None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})
# libyaml's C parser when PyYAML was built with it; the pure-Python parser gives the same events.
_PARSER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Frame:
    """An open mapping or sequence while its events are read."""

    __slots__ = ("anchor", "is_map", "key", "path", "value")

    def __init__(self, value: dict[Any, Any] | list[Any], path: PathKey, anchor: Any) -> None:
        self.value = value
        self.path = path
        self.anchor = anchor  # (name, index into the line entries) for an anchored collection
        self.is_map = type(value) is dict
        self.key: Any = None  # in a mapping, the key whose value is being read


_SCALAR, _ALIAS = yaml.ScalarEvent, yaml.AliasEvent
_MAPPING_START, _MAPPING_END = yaml.MappingStartEvent, yaml.MappingEndEvent
_SEQUENCE_END, _DOCUMENT_START = yaml.SequenceEndEvent, yaml.DocumentStartEvent

_RESOLVER = yaml.SafeLoader("")
_SKIPPED_EVENTS = (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)
_STR = "tag:yaml.org,2002:str"
# First characters some implicit resolver (null, bool, int, float, timestamp...) tests; a plain
# scalar starting with any other character resolves to a string without trying a pattern.
_RESOLVED_FIRST = frozenset(k for k in _RESOLVER.yaml_implicit_resolvers if k is not None)
_PLAIN_TAGS: dict[str, str] = {}  # resolved tags of short plain scalars
# Short plain scalars that are not strings (years, counts, booleans, dates), with their tag and
# value: the value depends on the text alone, and every such value is immutable.
_PLAIN_VALUES: dict[str, tuple[str, Any]] = {}
_MEMO_LENGTH, _MEMO_SIZE = 64, 4096
_FAST_STRINGS = None not in _RESOLVER.yaml_implicit_resolvers and not _RESOLVER.yaml_path_resolvers


def _reads_as_string(event: Any) -> bool:
    """What the resolver would answer, without its pattern search: an untagged quoted scalar,
    or a plain one whose first character no resolver tests, is a string."""
    tag = event.tag
    if not _FAST_STRINGS or (tag is not None and tag != "!"):
        return False
    text = event.value
    return not event.implicit[0] or bool(text and text[0] not in _RESOLVED_FIRST)


class _Builder:
    """Builds Python values from libyaml events, checking the limits as it goes."""

    def __init__(self, file: str, allow_aliases: bool, counted: frozenset[PathKey]) -> None:
        self.lines = LineMap(file)
        self.file = file
        self.allow_aliases = allow_aliases
        self.counted = counted  # lists whose items count against the 'records' limit
        self.records = 0
        self.max_records = limits.value("records")
        self.entries: list[tuple[PathKey, int]] = []  # line entries in order, for anchors
        self.anchors: dict[str, tuple[Any, list[tuple[PathKey, int]], int]] = {}
        self.nodes = 0
        self.alias_nodes = 0
        self.max_nodes = limits.value("nodes")
        self.max_alias_nodes = limits.value("alias_nodes")
        self.max_depth = limits.value("depth")
        self.max_digits = limits.value("int_digits")
        # Only an escape in a double-quoted string can hold a control character (libyaml refuses
        # them written raw): a text without a backslash needs no look at its strings.
        self.escapes = True

    def fail(self, line: int | None, message: str) -> InputError:
        return InputError.single(self.file, line, None, message)

    def _record(self, path: PathKey, line: int, override: bool) -> None:
        if override or path not in self.lines.lines:
            self.lines.lines[path] = line
            if self.allow_aliases:
                self.entries.append((path, line))

    def _count(self, line: int, added: int = 1) -> None:
        self.nodes += added
        if self.nodes > self.max_nodes:
            raise self.fail(line, limits.exceeded("nodes", "more YAML nodes than allowed"))

    def _anchor(self, event: Any, line: int) -> Any:
        if event.anchor is None:
            return None
        if not self.allow_aliases:
            raise self.fail(
                line,
                f"anchors and aliases (&{event.anchor}) are not allowed in dossiers and "
                "histories: write each value out",
            )
        return (event.anchor, len(self.entries), self.nodes)

    def build(self, loader: Any) -> Any:
        """The document's value. The common events (a plain or quoted string, a key, an item)
        are handled inline: this loop runs once per YAML node of every file loaded. A mapping's
        key and its value are read in one turn of the loop."""
        stack: list[_Frame] = []
        parent: _Frame | None = None  # the innermost open collection
        root: Any = None
        documents = 0
        lines = self.lines.lines
        track = self.allow_aliases  # the ordered entries serve only to copy an anchor's lines
        entries = self.entries
        max_nodes = self.max_nodes
        counted = self.counted
        get_event = loader.get_event
        fast, resolved_first = _FAST_STRINGS, _RESOLVED_FIRST
        plain_values = _PLAIN_VALUES
        escapes = self.escapes
        while (event := get_event()) is not None:
            kind = type(event)
            if parent is None:
                if kind in _SKIPPED_EVENTS:
                    continue
                if kind is _DOCUMENT_START:
                    documents += 1
                    if documents > 1:
                        raise self.fail(
                            event.start_mark.line + 1,
                            "malformed YAML: expected a single document, found a second one",
                        )
                    continue
                path: PathKey = ()
                if kind is not _ALIAS:
                    self._record(path, event.start_mark.line + 1, override=False)
            elif parent.is_map:
                if kind is _MAPPING_END:
                    parent, root = self._close(stack, root)
                    continue
                key_line = event.start_mark.line + 1
                if kind is not _SCALAR:
                    raise self.fail(
                        key_line, "a mapping key must be a plain value, not a collection"
                    )
                self.nodes += 1
                if self.nodes > max_nodes:
                    self._count(key_line, 0)
                if event.anchor is not None:
                    self._anchor(event, key_line)
                # `_reads_as_string`, inline (here and for values): most scalars are plain words.
                tag, text = event.tag, event.value
                if escapes and event.style == '"' and not text.isprintable():
                    self._refuse_controls(text, key_line)
                key: Any = (
                    text
                    if fast
                    and (tag is None or tag == "!")
                    and (not event.implicit[0] or (text and text[0] not in resolved_first))
                    else self._key(event, key_line, parent.path)
                )
                container = parent.value
                if key in container:
                    raise InputError.single(
                        self.file,
                        key_line,
                        ".".join(str(p) for p in (*parent.path, key)),
                        f"duplicate key '{key}'",
                    )
                parent.key = key
                path = (*parent.path, key)
                lines[path] = key_line
                if track:
                    entries.append((path, key_line))
                event = get_event()  # the key's value: a mapping key is always followed by one
                kind = type(event)
                if (
                    kind is _SCALAR
                    and event.anchor is None
                    and self.nodes < max_nodes
                    and fast
                    and ((tag := event.tag) is None or tag == "!")
                ):
                    text = event.value
                    self.nodes += 1
                    if not event.implicit[0] or (text and text[0] not in resolved_first):
                        if escapes and event.style == '"' and not text.isprintable():
                            self._refuse_controls(text, event.start_mark.line + 1)
                        container[key] = text
                    else:
                        known = plain_values.get(text)
                        container[key] = (
                            known[1]
                            if known is not None
                            and (known[0] != _INT or len(text) <= self.max_digits)
                            else self._scalar(event, event.start_mark.line + 1)
                        )
                    continue
            else:
                if kind is _SEQUENCE_END:
                    parent, root = self._close(stack, root)
                    continue
                line = event.start_mark.line + 1
                path = (*parent.path, len(parent.value))
                lines[path] = line
                if track:
                    entries.append((path, line))
                if parent.path in counted:
                    self.records += 1
                    if self.records > self.max_records:
                        raise self.fail(
                            line,
                            limits.exceeded("records", f"more than {self.max_records} records"),
                        )
            # The value at `path`: a scalar, an alias, or a collection that opens.
            line = event.start_mark.line + 1
            if kind is _SCALAR:
                anchor = self._anchor(event, line) if event.anchor is not None else None
                self.nodes += 1
                if self.nodes > max_nodes:
                    self._count(line, 0)
                tag, text = event.tag, event.value
                if escapes and event.style == '"' and not text.isprintable():
                    self._refuse_controls(text, line)
                value = (
                    text
                    if fast
                    and (tag is None or tag == "!")
                    and (not event.implicit[0] or (text and text[0] not in resolved_first))
                    else self._scalar(event, line)
                )
                if anchor is not None:
                    self._close_anchor(anchor, value, path)
            elif kind is _ALIAS:
                value = self._alias(event, path, line)
            else:  # MappingStartEvent or SequenceStartEvent
                if len(stack) >= self.max_depth:
                    raise self.fail(
                        line,
                        limits.exceeded(
                            "depth", f"YAML nested deeper than {self.max_depth} levels"
                        ),
                    )
                if event.tag not in _COLLECTION_TAGS:
                    raise self.fail(
                        line,
                        f"malformed YAML: the tag {event.tag!r} is not supported (plain "
                        "mappings and lists only)",
                    )
                anchor = self._anchor(event, line) if event.anchor is not None else None
                self._count(line)
                parent = _Frame({} if kind is _MAPPING_START else [], path, anchor)
                stack.append(parent)
                continue
            if parent is None:
                root = value
            elif parent.is_map:
                parent.value[parent.key] = value
            else:
                parent.value.append(value)  # type: ignore[union-attr]
        return root

    def _close(self, stack: list[_Frame], root: Any) -> tuple[_Frame | None, Any]:
        """Close the innermost collection: its value goes to the one around it (or is the
        document's). Returns the new innermost collection and the document's value."""
        frame = stack.pop()
        if frame.anchor is not None:
            self._close_anchor(frame.anchor, frame.value, frame.path)
        parent = stack[-1] if stack else None
        if parent is None:
            return None, frame.value
        if parent.is_map:
            parent.value[parent.key] = frame.value
        else:
            parent.value.append(frame.value)  # type: ignore[union-attr]
        return parent, root

    def _refuse_controls(self, text: str, line: int) -> None:
        """A double-quoted string is the only way a control character gets into YAML (libyaml
        refuses them written raw): refuse it, as a terminal or a viewer would act on it. Asked
        only of a double-quoted string that is not all printable, in a text with a backslash."""
        found = CONTROL_CHARACTER.search(text)
        if found is not None:
            raise self.fail(
                line,
                f"a control character ({control_name(found.group())}) in a quoted string: "
                "terminals and viewers act on it; remove it (tab and newline are allowed)",
            )

    def _key(self, event: Any, line: int, path: PathKey) -> Any:
        tag = self._tag(event)
        if tag == _MERGE:
            raise self.fail(line, "YAML merge keys are not supported")
        key = self._construct(event, tag, line)
        if not isinstance(key, str | int) or isinstance(key, bool):
            key = str(key)
        return key

    def _tag(self, event: Any) -> str:
        tag = event.tag
        if tag is None or tag == "!":
            if _reads_as_string(event):
                return _STR
            value = event.value
            if event.implicit[0] and len(value) <= _MEMO_LENGTH:
                # Plain values recur (kinds, field names, enum values, years): the resolver's
                # answer depends on the text alone.
                found = _PLAIN_TAGS.get(value)
                if found is None:
                    found = str(_RESOLVER.resolve(yaml.ScalarNode, value, (True, False)))  # type: ignore[no-untyped-call]
                    if len(_PLAIN_TAGS) < _MEMO_SIZE:
                        _PLAIN_TAGS[value] = found
                return found
            tag = _RESOLVER.resolve(  # type: ignore[no-untyped-call]
                yaml.ScalarNode, event.value, event.implicit
            )
        return str(tag)

    def _scalar(self, event: Any, line: int) -> Any:
        tag = self._tag(event)
        value = self._construct(event, tag, line)
        text = event.value
        if (
            event.implicit[0]
            and event.tag in (None, "!")
            and len(text) <= _MEMO_LENGTH
            and len(_PLAIN_VALUES) < _MEMO_SIZE
        ):
            _PLAIN_VALUES[text] = (tag, value)
        return value

    def _construct(self, event: Any, tag: str, line: int) -> Any:
        if tag == _STR:  # SafeConstructor's str constructor returns the scalar's text as is
            return event.value
        if tag == _INT:
            digits = len(event.value.strip().lstrip("+-").replace("_", ""))
            if digits > self.max_digits:
                raise self.fail(
                    line,
                    limits.exceeded("int_digits", f"an integer of {digits} digits"),
                )
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        constructor = SafeConstructor.yaml_constructors.get(tag)
        if constructor is None or tag not in _SCALAR_TAGS:
            raise self.fail(
                line, f"malformed YAML: the tag {tag!r} is not supported (plain values only)"
            )
        try:
            return constructor(_RESOLVER, node)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise self.fail(line, f"malformed YAML: {problem}") from None
        except Exception:  # any failure of a value's constructor is bad input
            shown = event.value if len(event.value) <= 40 else event.value[:40] + "..."
            raise self.fail(line, f"malformed YAML: cannot read {shown!r} as {tag}") from None

    def _close_anchor(self, anchor: Any, value: Any, path: PathKey) -> None:
        if anchor is None:
            return
        name, start, nodes_before = anchor
        depth = len(path)
        relative = [(entry[depth:], line) for entry, line in self.entries[start:]]
        self.anchors[name] = (value, relative, self.nodes - nodes_before)

    def _alias(self, event: Any, path: PathKey, line: int) -> Any:
        if not self.allow_aliases:
            raise self.fail(
                line,
                f"anchors and aliases (*{event.anchor}) are not allowed in dossiers and "
                "histories: write each value out",
            )
        found = self.anchors.get(event.anchor)
        if found is None:
            raise self.fail(line, f"malformed YAML: found undefined alias '{event.anchor}'")
        value, relative, size = found
        self.alias_nodes += size
        if self.alias_nodes > self.max_alias_nodes:
            raise self.fail(
                line,
                limits.exceeded(
                    "alias_nodes", f"aliases expand to more than {self.max_alias_nodes} nodes"
                ),
            )
        self._count(line, size)
        for rel, rel_line in relative:
            if rel:
                self._record((*path, *rel), rel_line, override=False)
        return copy.deepcopy(value)


def _syntax_error(exc: yaml.YAMLError, file: str, raw: bytes) -> InputError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        if "maximum nesting depth" in problem:  # libyaml's own cap, far above ours
            depth = limits.value("depth")
            problem = limits.exceeded("depth", f"YAML nested deeper than {depth} levels")
            return InputError.single(file, line, None, problem)
        return InputError.single(file, line, None, f"malformed YAML: {problem}")
    if isinstance(exc, yaml.reader.ReaderError):
        line = raw.count(b"\n", 0, max(0, exc.position)) + 1
        return InputError.single(file, line, None, f"malformed YAML: {exc.reason}")
    return InputError.single(file, None, None, f"malformed YAML: {exc}")


def load_yaml_text(
    text: str,
    file: str,
    allow_aliases: bool = True,
    counted: frozenset[PathKey] = frozenset(),
) -> tuple[Any, LineMap]:
    """Parse one YAML document; syntax errors and limits become an InputError with the line.

    `allow_aliases` False refuses anchors and aliases (dossiers, histories); the items of the
    top-level lists named in `counted` count against the 'records' limit.
    """
    at = first_bidi(text)
    if at is not None:
        raise InputError.single(file, text.count("\n", 0, at) + 1, None, bidi_message(text[at]))
    raw = text.encode("utf-8")
    builder = _Builder(file, allow_aliases, counted)
    builder.escapes = "\\" in text
    loader = _PARSER(raw)
    try:
        data = builder.build(loader)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, file, raw) from None
    finally:
        loader.dispose()
    return data, builder.lines


def load_yaml_file(
    path: Path,
    display: str | None = None,
    allow_aliases: bool = True,
    counted: frozenset[PathKey] = frozenset(),
    raw: bytes | None = None,
) -> tuple[Any, LineMap, bytes]:
    """Read and parse a YAML file; returns data, line map and the raw bytes (for hashing).
    `raw`: the file's bytes, already read (within the limit) by the caller."""
    name = display or str(path)
    if raw is None:
        raw = read_bounded(path, name)
    text = decode_utf8(raw, name)
    data, lines = load_yaml_text(text, name, allow_aliases, counted)
    return data, lines, raw
