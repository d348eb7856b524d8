"""Read a bundle spec file into a validated ``BundleSpec``, or a BundleError listing every issue.

What the loader accepts, and why it refuses the rest (each refusal is one located message):

* a regular file of at most ``MAX_BUNDLE_BYTES`` (checked before reading, and by reading at most
  one byte more, so ``/dev/zero`` or a growing file cannot hold it up);
* UTF-8 text, with or without a BOM; UTF-16/UTF-32, NUL bytes and invalid UTF-8 are refused;
* one YAML document, read by ``sovbundle.yamlpos``: no duplicate keys, only the standard tags,
  nesting at most ``MAX_DEPTH`` levels, at most ``MAX_NODES`` values, aliases expanding to at
  most ``MAX_ALIAS_NODES`` values (each limit bounds time and memory, whatever the input);
* a document ``BundleSpec`` validates, every pydantic error rewritten by ``spec.messages``.

Nothing is ever written.
"""

from __future__ import annotations

import hashlib
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from sovbundle.errors import BundleError, SpecIssue
from sovbundle.spec.messages import DataPath, SpecMessage, Suggester, describe_errors
from sovbundle.spec.model import BundleSpec, link_contradictions, unknown_link_ends
from sovbundle.spec.yamlpos import (
    MAX_ALIAS_NODES,
    MAX_DEPTH,
    MAX_NODES,
    Mark,
    Node,
    YamlReadError,
    code_points,
    parse_yaml,
    paused_gc,
    shorten,
)

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_BUNDLE_BYTES",
    "MAX_DEPTH",
    "MAX_ISSUES",
    "MAX_NODES",
    "STDIN_NAME",
    "LoadedBundle",
    "load_bundle",
    "parse_bundle",
    "read_limited",
    "root_node",
]

MAX_BUNDLE_BYTES: Final = 1024 * 1024
"""Largest bundle file read (1 MiB); real bundles are a few KB."""
MAX_ISSUES: Final = 200
"""Most issues reported for one file; the rest are counted."""

_BOMS: Final = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)


@dataclass(frozen=True)
class LoadedBundle:
    """A validated bundle spec with the file it came from."""

    spec: BundleSpec
    path: Path
    sha256: str


STDIN_NAME: Final = "<stdin>"
"""How issues name a bundle read from standard input (``sovbundle plan -``)."""


def load_bundle(path: Path) -> LoadedBundle:
    """Load and validate a bundle spec file (``-``: standard input); raise BundleError with
    every issue found."""
    if str(path) == "-":
        raw = _read_stdin()
        spec = parse_bundle(raw, STDIN_NAME)
        return LoadedBundle(spec, Path(STDIN_NAME), hashlib.sha256(raw).hexdigest())
    raw = _read(path)
    spec = parse_bundle(raw, str(path))
    return LoadedBundle(spec, path, hashlib.sha256(raw).hexdigest())


def _read_stdin() -> bytes:
    """At most one byte more than ``MAX_BUNDLE_BYTES`` of standard input, as bytes."""
    import sys

    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream without a buffer (some test runners)
        raw = sys.stdin.read(MAX_BUNDLE_BYTES + 1).encode("utf-8")
    else:
        try:
            raw = stream.read(MAX_BUNDLE_BYTES + 1)
        except OSError as exc:
            raise _fail(STDIN_NAME, f"cannot read: {exc.strerror or exc}") from exc
    if len(raw) > MAX_BUNDLE_BYTES:
        raise _fail(STDIN_NAME, _too_big(len(raw)))
    return raw


def _fail(name: str, message: str, mark: Mark | None = None) -> BundleError:
    line, column = (mark.line, mark.column) if mark else (0, 0)
    return BundleError([SpecIssue(name, line, column, message)])


def read_limited(path: Path, what: str = "bundle") -> bytes:
    """The bytes of a spec-like file (a bundle, a price book) under the same limits and
    one-line refusals as a bundle; ``what`` names the file in them."""
    return _read(path, what)


def root_node(raw: bytes, name: str, what: str = "bundle") -> Node:
    """The YAML root of a spec-like file, with the bundle's decoding and YAML rules; a
    BundleError for the first problem that stops reading (each YAML issue located)."""
    if not raw.strip():
        raise _fail(name, "file is empty" if not raw else "file holds only whitespace")
    text = _decode(raw, name, what)
    try:
        parsed = parse_yaml(text)
    except YamlReadError as exc:
        raise _fail(name, exc.message, exc.mark) from exc
    if parsed.root is None:
        raise _fail(name, "no YAML content (the file holds only comments or blank lines)")
    if parsed.issues:
        raise BundleError(
            [SpecIssue(name, i.mark.line, i.mark.column, i.message) for i in parsed.issues]
        )
    return parsed.root


def _read(path: Path, what: str = "bundle") -> bytes:
    name = str(path)
    try:
        # stat before open: opening a FIFO would block until a writer comes.
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise _fail(name, f"is a directory, not a {what} file")
        if not stat.S_ISREG(info.st_mode):
            raise _fail(name, "is not a regular file")
        if info.st_size > MAX_BUNDLE_BYTES:
            raise _fail(name, _too_big(info.st_size, what))
        with path.open("rb") as handle:
            raw = handle.read(MAX_BUNDLE_BYTES + 1)
    except IsADirectoryError as exc:
        raise _fail(name, f"is a directory, not a {what} file") from exc
    except FileNotFoundError as exc:
        raise _fail(name, "no such file") from exc
    except PermissionError as exc:
        raise _fail(name, "cannot read: permission denied") from exc
    except OSError as exc:
        raise _fail(name, f"cannot read: {exc.strerror or exc}") from exc
    if len(raw) > MAX_BUNDLE_BYTES:
        raise _fail(name, _too_big(len(raw), what))
    return raw


def _too_big(size: int, what: str = "bundle") -> str:
    limit = MAX_BUNDLE_BYTES
    human = f"{limit // 2**20} MiB" if limit % 2**20 == 0 else f"{limit // 2**10} KiB"
    return f"file too large ({size} bytes; a {what} may have at most {human})"


def _decode(raw: bytes, name: str, what: str = "bundle") -> str:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            raise _fail(name, f"file is {encoding} text; save the {what} as UTF-8")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw:
        # UTF-16 without a BOM puts a NUL next to every ASCII character.
        if raw.count(b"\x00") * 3 >= len(raw):
            raise _fail(name, f"file looks like UTF-16 text; save the {what} as UTF-8")
        raise _fail(name, f"binary file (it contains NUL bytes), not a YAML {what}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[start : exc.start].decode("utf-8", errors="replace")) + 1
        byte = raw[exc.start]
        raise _fail(
            name,
            f"not UTF-8 text (byte 0x{byte:02x}); save the {what} as UTF-8",
            Mark(line, column),
        ) from exc


def parse_bundle(raw: bytes, name: str = "<bundle>") -> BundleSpec:
    """Validate the bytes of a bundle file; ``name`` is the file name used in issues."""
    with paused_gc():  # see paused_gc: a third of the time of a 1 MiB spec, for nothing
        return _parse_bundle(raw, name)


def _parse_bundle(raw: bytes, name: str) -> BundleSpec:
    if not raw.strip():
        raise _fail(name, "file is empty" if not raw else "file holds only whitespace")
    text = _decode(raw, name)
    try:
        parsed = parse_yaml(text)
    except YamlReadError as exc:
        raise _fail(name, exc.message, exc.mark) from exc
    root = parsed.root
    if root is None:
        raise _fail(name, "no YAML content (the file holds only comments or blank lines)")
    issues = [
        SpecIssue(name, issue.mark.line, issue.mark.column, issue.message)
        for issue in parsed.issues
    ]
    issues += [_issue(name, root, problem) for problem in _link_problems(root.value)]
    issues += _strictness_issues(name, root)
    unexplained = 0
    try:
        spec = BundleSpec.model_validate(root.value)
    except ValidationError as exc:
        # Rewriting is the slow part: only as many errors as can be shown (document order).
        errors = exc.errors(include_url=False)
        unexplained = max(0, len(errors) - MAX_ISSUES)
        problems = describe_errors(errors[:MAX_ISSUES], root.value)
        issues += [_issue(name, root, problem) for problem in problems]
    else:
        if not issues:
            return spec
    raise BundleError(_capped(_unique_sorted(issues), unexplained, name))


def _unique_sorted(issues: list[SpecIssue]) -> list[SpecIssue]:
    """``sorted(set(issues))``, comparing plain tuples: the dataclass's own ``__lt__`` and
    ``__hash__`` are Python calls, and a 1 MiB spec can hold tens of thousands of issues."""
    unique = {(i.path, i.line, i.column, i.message): i for i in issues}
    return [unique[key] for key in sorted(unique)]


def _capped(issues: list[SpecIssue], unexplained: int, name: str) -> list[SpecIssue]:
    hidden = max(0, len(issues) - MAX_ISSUES) + unexplained
    if not hidden:
        return issues
    return [
        SpecIssue(name, 0, 0, f"showing the first {MAX_ISSUES} issues; {hidden} more hidden"),
        *issues[:MAX_ISSUES],
    ]


def _link_problems(data: Any) -> list[SpecMessage]:
    """Links that name no component, pointed at the offending ``from`` or ``to`` value."""
    if not isinstance(data, dict):
        return []
    components, links = data.get("components"), data.get("links")
    if not isinstance(components, dict) or not isinstance(links, list):
        return []
    names = sorted(key for key in components if isinstance(key, str))
    mappings = [link if isinstance(link, dict) else {} for link in links]
    unknown = unknown_link_ends(names, mappings)
    # Only what can be shown gets a suggestion (the rest is counted as hidden by ``_capped``),
    # from names indexed once: bounded work whatever the number of misspelt ends.
    suggest = Suggester(names) if unknown else None
    listing = _listing(names)
    problems = [
        SpecMessage(
            ("links", index, end),
            "value",
            f"links[{index}].{end}: unknown component {shorten(name)!r}{code_points(name)}"
            f"{suggest(name) if suggest and n < MAX_ISSUES else ''}; components are: {listing}",
        )
        for n, (index, end, name) in enumerate(unknown)
    ]
    ends = [
        tuple(link.get(key) for key in ("from", "to", "colocate", "apart")) for link in mappings
    ]
    problems += [
        SpecMessage(("links", index, "apart"), "value", message)
        for index, message in link_contradictions(ends)  # type: ignore[arg-type]
    ]
    return problems


def _strictness_issues(name: str, root: Node) -> list[SpecIssue]:
    """What YAML accepts but a bundle must not mean: typed names, repeated links.

    * ``true:`` or ``null:`` as a component name (YAML reads a boolean or null, not a name);
    * the same link written twice (its traffic would be counted twice), named with both lines.
    """
    issues = []
    components = root.children.get("components")
    if components is not None:
        for key, what in components.typed_keys.items():
            if what != "a number":  # numbers fail the name pattern, with its own message
                issues.append(
                    SpecIssue(
                        name,
                        *components.key_marks[key],
                        f"component name {shorten(key)}: YAML reads an unquoted {shorten(key)} "
                        f"as {what}, not a name; quote it ('{shorten(key)}') if you mean the name",
                    )
                )
    links = root.children.get("links")
    if links is not None and isinstance(links.value, list):
        seen: dict[str, tuple[int, Mark]] = {}
        for index, child in links.children.items():
            if not isinstance(child.value, dict) or not isinstance(index, int):
                continue
            # Keys are text (never equal in one mapping): the sort never compares values,
            # and the repr tells 1 from 1.0 and True.
            key = repr(sorted(child.value.items()))
            if key in seen:
                first, mark = seen[key]
                issues.append(
                    SpecIssue(
                        name,
                        *child.mark,
                        f"links[{index}] repeats links[{first}] (line {mark.line}): its traffic "
                        "would be counted twice; remove one, or add the traffic into one link",
                    )
                )
            else:
                seen[key] = (index, child.mark)
    return issues


def _listing(names: list[str], limit: int = 20) -> str:
    if not names:
        return "none"
    shown = ", ".join(shorten(name) for name in names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"


def _issue(name: str, root: Node, problem: SpecMessage) -> SpecIssue:
    mark = _locate(root, problem.path, problem.at)
    return SpecIssue(name, mark.line, mark.column, problem.message)


def _locate(root: Node, path: DataPath, at: str) -> Mark:
    """The position of ``path``'s key or value; the nearest existing ancestor when absent."""
    node, parent, key_mark = root, None, None
    for part in path:
        child = node.children.get(part)
        if child is None:
            # Absent (a missing key): point at the deepest thing that exists.
            return key_mark or node.mark
        parent, node = node, child
        key_mark = parent.key_marks.get(part) if isinstance(part, str) else None
    if at == "key" and key_mark is not None:
        return key_mark
    return node.mark
