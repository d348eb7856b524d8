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
from sovbundle.spec.messages import DataPath, SpecMessage, describe_errors, did_you_mean
from sovbundle.spec.model import BundleSpec, link_contradictions, unknown_link_ends
from sovbundle.spec.yamlpos import (
    MAX_ALIAS_NODES,
    MAX_DEPTH,
    MAX_NODES,
    Mark,
    Node,
    YamlReadError,
    parse_yaml,
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


def _read(path: Path) -> bytes:
    name = str(path)
    try:
        # stat before open: opening a FIFO would block until a writer comes.
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise _fail(name, "is a directory, not a bundle file")
        if not stat.S_ISREG(info.st_mode):
            raise _fail(name, "is not a regular file")
        if info.st_size > MAX_BUNDLE_BYTES:
            raise _fail(name, _too_big(info.st_size))
        with path.open("rb") as handle:
            raw = handle.read(MAX_BUNDLE_BYTES + 1)
    except IsADirectoryError as exc:
        raise _fail(name, "is a directory, not a bundle file") from exc
    except FileNotFoundError as exc:
        raise _fail(name, "no such file") from exc
    except PermissionError as exc:
        raise _fail(name, "cannot read: permission denied") from exc
    except OSError as exc:
        raise _fail(name, f"cannot read: {exc.strerror or exc}") from exc
    if len(raw) > MAX_BUNDLE_BYTES:
        raise _fail(name, _too_big(len(raw)))
    return raw


def _too_big(size: int) -> str:
    limit = MAX_BUNDLE_BYTES
    human = f"{limit // 2**20} MiB" if limit % 2**20 == 0 else f"{limit // 2**10} KiB"
    return f"file too large ({size} bytes; a bundle may have at most {human})"


def _decode(raw: bytes, name: str) -> str:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            raise _fail(name, f"file is {encoding} text; save the bundle as UTF-8")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw:
        # UTF-16 without a BOM puts a NUL next to every ASCII character.
        if raw.count(b"\x00") * 3 >= len(raw):
            raise _fail(name, "file looks like UTF-16 text; save the bundle as UTF-8")
        raise _fail(name, "binary file (it contains NUL bytes), not a YAML bundle")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[start : exc.start].decode("utf-8", errors="replace")) + 1
        byte = raw[exc.start]
        raise _fail(
            name,
            f"not UTF-8 text (byte 0x{byte:02x}); save the bundle as UTF-8",
            Mark(line, column),
        ) from exc


def parse_bundle(raw: bytes, name: str = "<bundle>") -> BundleSpec:
    """Validate the bytes of a bundle file; ``name`` is the file name used in issues."""
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
    raise BundleError(_capped(sorted(set(issues)), unexplained, name))


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
    problems = [
        SpecMessage(
            ("links", index, end),
            "value",
            f"links[{index}].{end}: unknown component {shorten(name)!r}"
            f"{did_you_mean(name, names)}; components are: {_listing(names)}",
        )
        for index, end, name in unknown_link_ends(names, mappings)
    ]
    ends = [
        tuple(link.get(key) for key in ("from", "to", "colocate", "apart")) for link in mappings
    ]
    problems += [
        SpecMessage(("links", index, "apart"), "value", message)
        for index, message in link_contradictions(ends)  # type: ignore[arg-type]
    ]
    return problems


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
