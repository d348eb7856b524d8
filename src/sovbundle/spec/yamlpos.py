"""A safe YAML reader that keeps the line and column of every key and value.

PyYAML's loaders throw positions away once the data is built, and its composer recurses once
per nesting level. This module reads the parser's *event stream* instead and builds the data
itself, with an explicit stack, so that it can:

* remember where each key and value starts (``Node``), to point errors at ``FILE:LINE:COL``;
* refuse duplicate keys (at the second occurrence), unsafe or unknown tags, and non-scalar keys,
  as located ``YamlIssue``s, while still reading the rest of the file to report every problem;
* stop early, with one located ``YamlReadError``, on syntax errors, control characters,
  nesting deeper than ``MAX_DEPTH``, more than ``MAX_NODES`` events, alias expansion beyond
  ``MAX_ALIAS_NODES`` nodes (the "billion laughs"), recursive or unknown aliases, and a second
  document in the stream. Each limit keeps time and memory bounded whatever the input.

Scalars are resolved with the YAML 1.2 core schema rather than PyYAML's YAML 1.1 one: only
``true``/``false`` are booleans (``no``, ``on``, ``NO`` stay strings, so ``countries: [NO]`` is
Norway), there are no sexagesimal numbers, ``1e3`` is a float, and dates stay strings. Mapping
keys are always the text written in the file. ``<<`` merge keys are supported.

libyaml (``yaml.CBaseLoader``) parses when PyYAML was built with it, else the pure-Python parser;
both report the same positions. With libyaml, building the nodes is most of the time: a 1 MiB
document (up to ``MAX_NODES`` events) reads in a few tenths of a second; the pure-Python parser
takes several seconds for the same document (``bench/validate_worst.py``).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

import yaml

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "MAX_NODES",
    "REFUSED",
    "Mark",
    "Node",
    "ParsedYaml",
    "YamlIssue",
    "YamlReadError",
    "code_points",
    "parse_yaml",
    "paused_gc",
    "shorten",
]

MAX_DEPTH: Final = 32
"""Deepest nesting of mappings and lists accepted; a bundle needs about five levels."""
MAX_ALIAS_NODES: Final = 10_000
"""Most nodes that aliases (``*name``) may expand to in one document, in total."""
MAX_NODES: Final = 100_000
"""Most values (scalars, mappings, lists, keys included) in one document; bounds the work."""

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS: Final = frozenset(f"{_CORE}{t}" for t in ("str", "int", "float", "bool", "null"))
_MAP_TAG: Final = f"{_CORE}map"
_SEQ_TAG: Final = f"{_CORE}seq"
_MAX_NUMBER_CHARS: Final = 64
"""Longer numerals are refused before conversion (Python caps int() at 4300 digits anyway)."""

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution). The words are
# looked up in one dict; only a text that starts like a number meets the regular expressions.
_WORDS: Final[dict[str, Any]] = {
    **dict.fromkeys(("", "~", "null", "Null", "NULL")),
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
}
_NUMBER_START: Final = frozenset("0123456789+-.")
"""Every int, float, infinity and NaN of the core schema starts with one of these."""
_INT10 = re.compile(r"[-+]?[0-9]+")
_INT8 = re.compile(r"0o[0-7]+")
_INT16 = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN = re.compile(r"\.(nan|NaN|NAN)")
_NOT_A_WORD: Final = object()
# Characters YAML forbids in a stream (https://yaml.org/spec/1.2.2/#51-character-set).
_NON_PRINTABLE = re.compile(
    r"[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


class _Refused:
    """Placeholder for a value already reported as a YamlIssue (validation skips it)."""

    def __repr__(self) -> str:
        return "<refused>"


REFUSED: Final = _Refused()


class Mark(NamedTuple):
    """A 1-based line and column (in characters) in the text."""

    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


@dataclass(slots=True)
class Node:
    """One YAML value with its position, and those of its keys and children."""

    mark: Mark
    value: Any
    """Plain data: dict, list, str, int, float, bool, None, or ``REFUSED``."""
    text: str | None = None
    """For scalars: the text as written (a key's name)."""
    key_marks: dict[str, Mark] = field(default_factory=dict)
    children: dict[str | int, Node] = field(default_factory=dict)
    size: int = 1
    """Number of nodes in this subtree once aliases are expanded."""
    typed_keys: dict[str, str] = field(default_factory=dict)
    """Keys written as plain scalars that YAML reads as another type (``true:``, ``null:``,
    ``1:``), with that type in words; they are kept as their text, and a caller that expects
    names (component names) refuses them."""


@dataclass(frozen=True, order=True)
class YamlIssue:
    """A located problem in the YAML itself (not in what the values mean)."""

    mark: Mark
    message: str


class YamlReadError(Exception):
    """The text is not YAML, or breaks a safety limit: reading stopped at ``mark``."""

    def __init__(self, mark: Mark | None, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


@dataclass
class ParsedYaml:
    """The document's root node (``None`` when the stream holds no document) and its issues."""

    root: Node | None
    issues: list[YamlIssue]


class _Frame:
    """A mapping or list being built."""

    __slots__ = ("anchor", "is_list", "key_seen", "merges", "node", "pending_key", "refused")

    def __init__(self, node: Node, anchor: str | None, is_list: bool, refused: bool) -> None:
        self.node = node
        self.anchor = anchor
        self.is_list = is_list
        self.refused = refused
        self.pending_key: tuple[str, Mark, str | None] | None = None
        self.key_seen = False
        """A key has been read and its value is awaited (``pending_key`` None: a refused key)."""
        self.merges: list[Node] = []


_MERGE: Final = "<<"


def shorten(text: str, limit: int = 40) -> str:
    """``text``, cut to ``limit`` characters with "..." so that messages stay one short line."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def code_points(text: str, limit: int = 3) -> str:
    """`` (U+0430 CYRILLIC SMALL LETTER A)`` for the non-ASCII characters of ``text``, or ``""``.

    A look-alike letter (Cyrillic ``а`` for Latin ``a``) reads the same in a message; its code
    point shows why ``'аpi'`` is not ``'api'``.
    """
    if text.isascii() and "\x7f" not in text:  # the usual case, without a loop in Python
        return ""
    import unicodedata

    seen = list(dict.fromkeys(ch for ch in text if ord(ch) > 0x7E))
    if not seen:
        return ""
    named = [f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')}" for ch in seen]
    more = f" and {len(seen) - limit} more" if len(seen) > limit else ""
    return f" (contains {', '.join(named[:limit])}{more})"


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block, then restore it as it was.

    Reading a spec builds only trees (aliases share nodes; recursive ones are refused) and
    validating it only pydantic models and messages: reference counting frees all of it. The
    cyclic collector would just re-scan the growing heap of nodes, a third of the time of a
    1 MiB spec, for nothing; whatever cycle a block makes is collected after it.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _mark(event_mark: Any) -> Mark:
    return Mark(int(event_mark.line) + 1, int(event_mark.column) + 1)


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


def _parser(text: str) -> Any:
    loader_class = getattr(yaml, "CBaseLoader", None) if yaml.__with_libyaml__ else None
    return (loader_class or yaml.BaseLoader)(text)


def _syntax_error(exc: yaml.YAMLError, lines: list[str]) -> YamlReadError:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = _mark(exc.problem_mark)
        line = lines[mark.line - 1] if 0 < mark.line <= len(lines) else ""
        problem = exc.problem or "invalid YAML"
        if "tab" in problem or line[mark.column - 1 : mark.column] == "\t":
            return YamlReadError(
                mark, "YAML syntax error: tab character; YAML indents with spaces, not tabs"
            )
        context = ""
        if exc.context and exc.context_mark is not None:
            context = f" ({exc.context} started at {_mark(exc.context_mark)})"
        return YamlReadError(mark, f"YAML syntax error: {problem}{context}")
    return YamlReadError(None, f"YAML syntax error: {exc}")


def _resolve_plain(text: str) -> Any:
    """The value of an untagged plain scalar under the YAML 1.2 core schema."""
    word = _WORDS.get(text, _NOT_A_WORD)
    if word is not _NOT_A_WORD:
        return word
    if text[:1] not in _NUMBER_START:
        return text
    return _resolve_number(text)


def _resolve_number(text: str) -> Any:
    """``_resolve_plain`` for a text that starts like a number (and is not a word)."""
    if _INT10.fullmatch(text):
        return int(text, 10)
    if _INT8.fullmatch(text):
        return int(text[2:], 8)
    if _INT16.fullmatch(text):
        return int(text[2:], 16)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _INF.fullmatch(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN.fullmatch(text):
        return float("nan")
    return text


def _is_number(text: str) -> bool:
    return any(p.fullmatch(text) for p in (_INT10, _INT8, _INT16, _FLOAT))


_new_tuple = tuple.__new__


class _Builder:
    """Turns the event stream into ``Node``s; one instance per parse.

    ``run`` is the hot loop: one pass over the events with the common cases (plain scalars,
    mapping entries, list items) written inline, since a 1 MiB spec is up to ``MAX_NODES``
    events and every call per event shows in the time. The rare cases (tags, aliases, merges,
    refused keys) are methods.
    """

    def __init__(self, max_depth: int, max_alias_nodes: int, max_nodes: int) -> None:
        self.max_depth = max_depth
        self.max_alias_nodes = max_alias_nodes
        self.max_nodes = max_nodes
        self.issues: list[YamlIssue] = []
        self.stack: list[_Frame] = []
        self.anchors: dict[str, Node] = {}
        self.expanded = 0
        self.root: Node | None = None

    def run(self, parser: Any) -> None:
        """Read every event of ``parser`` (a PyYAML parser) into ``self.root``."""
        get_event = parser.get_event
        issues, stack, anchors = self.issues, self.stack, self.anchors
        scalar_event, mapping_start, sequence_start = (
            yaml.ScalarEvent,
            yaml.MappingStartEvent,
            yaml.SequenceStartEvent,
        )
        mapping_end, sequence_end, alias_event = (
            yaml.MappingEndEvent,
            yaml.SequenceEndEvent,
            yaml.AliasEvent,
        )
        words, number_start, not_a_word = _WORDS, _NUMBER_START, _NOT_A_WORD
        new_mark, mark_class, refused_value, merge = _new_tuple, Mark, REFUSED, _MERGE
        frame: _Frame | None = None
        events, documents, max_nodes = 0, 0, self.max_nodes
        while True:
            event = get_event()
            events += 1
            if events > max_nodes:
                raise YamlReadError(
                    _mark(event.start_mark),
                    f"more than {max_nodes} values in the document; a bundle is far smaller",
                )
            kind = type(event)
            if kind is scalar_event:
                start = event.start_mark
                mark = new_mark(mark_class, (start.line + 1, start.column + 1))
                text: str = event.value
                if not event.tag and event.implicit[0]:
                    value = words.get(text, not_a_word)
                    if value is not_a_word:
                        if text[:1] not in number_start:
                            value = text
                        elif len(text) > _MAX_NUMBER_CHARS and _is_number(text):
                            issues.append(
                                YamlIssue(mark, f"number too long ({len(text)} characters)")
                            )
                            value = refused_value
                        else:
                            value = _resolve_number(text)
                    node = Node(mark, value, text)
                else:
                    node = self.tagged_scalar(mark, text, event.tag)
                if event.anchor is not None:
                    anchors[event.anchor] = node
            elif kind is mapping_start or kind is sequence_start:
                frame = self.start(event, kind is sequence_start)
                continue
            elif kind is mapping_end or kind is sequence_end:
                done = stack.pop()
                node = done.node
                if done.merges:
                    self._apply_merges(done)
                if done.refused:
                    node = Node(node.mark, refused_value, size=node.size)
                if done.anchor is not None:
                    anchors[done.anchor] = node
                frame = stack[-1] if stack else None
            elif kind is alias_event:
                node = self.alias(event)
            elif kind is yaml.StreamEndEvent:
                return
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise YamlReadError(
                        _mark(event.start_mark),
                        "a second YAML document ('---'): a bundle file holds exactly one",
                    )
                continue
            else:  # stream start, document end
                continue
            # Attach the finished node to the collection being built (or make it the root).
            if frame is None:
                self.root = node
                continue
            parent = frame.node
            parent.size += node.size
            if frame.is_list:
                items = parent.value
                parent.children[len(items)] = node
                items.append(node.value)
            elif not frame.key_seen:
                frame.key_seen = True
                key_value = node.value
                if node.text is None or key_value is refused_value:
                    self.bad_key(frame, node)
                else:
                    typed = None if key_value.__class__ is str else _type_word(key_value)
                    frame.pending_key = (node.text, node.mark, typed)
            else:
                frame.key_seen = False
                pending = frame.pending_key
                if pending is None:
                    continue
                frame.pending_key = None
                key, key_mark, typed = pending
                data = parent.value
                if key == merge or key in data:
                    self.special_entry(frame, key, key_mark, node)
                    continue
                data[key] = node.value
                parent.children[key] = node
                parent.key_marks[key] = key_mark
                if typed is not None:
                    parent.typed_keys[key] = typed

    # -- the rare cases ------------------------------------------------------------------

    def tagged_scalar(self, mark: Mark, text: str, tag: str | None) -> Node:
        """A quoted or tagged scalar (a plain untagged one is resolved in ``run``)."""
        if tag in (None, "", "!", f"{_CORE}str"):
            return Node(mark, text, text)
        if tag in _SCALAR_TAGS:
            value = _resolve_plain(text) if len(text) <= _MAX_NUMBER_CHARS else text
            expected = {"int": int, "float": float, "bool": bool, "null": type(None)}[
                tag[len(_CORE) :]
            ]
            if expected is float and type(value) is int:
                value = float(value)
            if type(value) is not expected:
                self.issues.append(
                    YamlIssue(mark, f"{shorten(text)!r} is not a valid {_show_tag(tag)} value")
                )
                return Node(mark, REFUSED, text)
            return Node(mark, value, text)
        self.issues.append(YamlIssue(mark, _tag_message(tag)))
        return Node(mark, REFUSED, text)

    def start(self, event: Any, is_list: bool) -> _Frame:
        """Push the mapping or list that ``event`` opens; it is the new top of the stack."""
        mark = _mark(event.start_mark)
        if len(self.stack) >= self.max_depth:
            raise YamlReadError(
                mark, f"nesting deeper than {self.max_depth} levels of mappings and lists"
            )
        tag = event.tag
        refused = tag not in (None, "", "!", _SEQ_TAG if is_list else _MAP_TAG)
        if refused:
            self.issues.append(YamlIssue(mark, _tag_message(tag)))
        # A refused collection is still read through, to report the issues inside it.
        frame = _Frame(Node(mark, [] if is_list else {}), event.anchor, is_list, refused)
        self.stack.append(frame)
        return frame

    def _apply_merges(self, frame: _Frame) -> None:
        # Explicit keys win over merged ones, and earlier merge sources over later ones.
        data = frame.node.value
        for source in frame.merges:
            for key, child in source.children.items():
                if isinstance(key, str) and key not in data:
                    data[key] = child.value
                    frame.node.children[key] = child
                    frame.node.key_marks[key] = source.key_marks[key]

    def alias(self, event: yaml.AliasEvent) -> Node:
        mark = _mark(event.start_mark)
        name = str(event.anchor)
        shown = shorten(name)
        if any(frame.anchor == name for frame in self.stack):
            raise YamlReadError(mark, f"recursive alias '*{shown}' refers to its own content")
        node = self.anchors.get(name)
        if node is None:
            raise YamlReadError(mark, f"unknown alias '*{shown}': no anchor '&{shown}' before it")
        self.expanded += node.size
        if self.expanded > self.max_alias_nodes:
            raise YamlReadError(
                mark,
                f"aliases expand to more than {self.max_alias_nodes} values "
                "(refused to protect against alias bombs)",
            )
        return node

    def bad_key(self, frame: _Frame, node: Node) -> None:
        """A mapping or list (or a refused scalar) used as a key: its value will be skipped."""
        self.issues.append(
            YamlIssue(node.mark, "a key must be a plain name, not a mapping or a list")
        )
        frame.pending_key = None

    def special_entry(self, frame: _Frame, key: str, key_mark: Mark, node: Node) -> None:
        """A ``<<`` merge key, or a key already in the mapping."""
        parent = frame.node
        if key == _MERGE:
            sources = [node] if isinstance(node.value, dict) else list(node.children.values())
            if isinstance(node.value, dict | list) and all(
                isinstance(s.value, dict) for s in sources
            ):
                frame.merges.extend(sources)
            else:
                self.issues.append(
                    YamlIssue(node.mark, "'<<' merges a mapping or a list of mappings")
                )
            return
        first = parent.key_marks[key]
        self.issues.append(
            YamlIssue(key_mark, f"duplicate key {shorten(key)!r} (first defined at {first})")
        )


def _type_word(value: Any) -> str | None:
    """``a boolean``, ``null``, ``a number`` for a non-string scalar; ``None`` for a string."""
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "a number"
    return None


# YAML 1.1 (PyYAML) breaks lines at NEL, U+2028 and U+2029, editors mostly do not: every
# position after one would be off. A BOM is only allowed first (the loader strips it).
_ODD_BREAK = re.compile("[\x85\u2028\u2029\ufeff]")
_ODD_MESSAGES = {
    "\x85": "next-line character U+0085 (NEL): YAML reads it as a line break, editors do not; "
    "use a plain newline",
    "\u2028": "line separator U+2028: YAML reads it as a line break, editors do not; "
    "use a plain newline",
    "\u2029": "paragraph separator U+2029: YAML reads it as a line break, editors do not; "
    "use a plain newline",
    "\ufeff": "byte order mark U+FEFF in the middle of the file (invisible in most editors); "
    "remove it",
}


def _editor_mark(text: str, index: int) -> Mark:
    """Line and column of ``text[index]`` as an editor counts them (lines end at \\n)."""
    line = text.count("\n", 0, index) + 1
    return Mark(line, index - text.rfind("\n", 0, index))


def _tag_message(tag: str | None) -> str:
    return (
        f"tag {shorten(_show_tag(tag or ''))!r} is not allowed: a bundle holds plain YAML values "
        "(only !!str, !!int, !!float, !!bool, !!null, !!map, !!seq)"
    )


def parse_yaml(
    text: str,
    *,
    max_depth: int = MAX_DEPTH,
    max_alias_nodes: int = MAX_ALIAS_NODES,
    max_nodes: int = MAX_NODES,
) -> ParsedYaml:
    """Read one YAML document from ``text``; raise YamlReadError when it cannot be read."""
    bad = _NON_PRINTABLE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - text.rfind("\n", 0, bad.start())
        raise YamlReadError(
            Mark(line, column),
            f"control character U+{ord(bad.group()):04X} is not allowed in YAML text",
        )
    odd = _ODD_BREAK.search(text)
    if odd is not None:
        raise YamlReadError(_editor_mark(text, odd.start()), _ODD_MESSAGES[odd.group()])
    builder = _Builder(max_depth, max_alias_nodes, max_nodes)
    parser: Any = None
    try:
        with paused_gc():
            parser = _parser(text)
            builder.run(parser)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text.splitlines()) from exc
    finally:
        if parser is not None:
            parser.dispose()
    # Sorted as the dataclass orders them, comparing tuples (its __lt__ is a Python call).
    return ParsedYaml(builder.root, sorted(builder.issues, key=_issue_order))


def _issue_order(issue: YamlIssue) -> tuple[Mark, str]:
    return issue.mark, issue.message
