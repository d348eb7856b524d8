"""The package layout holds: no import cycle, no import against the layer table (issue 13).

Imports are read from the source (AST), so the test sees every import: at module level, under
``TYPE_CHECKING`` and inside functions. The layer rules apply to all of them; cycles are looked
for among all of them too (a lazy import that closes a cycle is a misplaced module all the same).

The facade ``sovbundle/__init__.py`` (lazy re-exports of the public names) and ``__main__.py``
are the package's entry points, not a layer: they may import anything.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "sovbundle"
SUBPACKAGES = ("spec", "catalog", "adapters", "refresh", "planning", "render", "cli")
ENTRY_POINTS = {"sovbundle", "sovbundle.__main__"}

# Per layer, what it must never import (a sub-package of sovbundle, or a third-party top name).
FORBIDDEN: dict[str, frozenset[str]] = {
    "spec": frozenset({"catalog", "adapters", "refresh", "planning", "render", "cli"}),
    "catalog": frozenset({"adapters", "refresh", "planning", "render", "cli", "httpx"}),
    "adapters": frozenset({"refresh", "planning", "render", "cli", "spec"}),
    "refresh": frozenset({"planning", "render", "cli"}),
    "planning": frozenset(
        {"httpx", "rich", "typer", "config", "refresh", "adapters", "render", "cli"}
    ),
    "render": frozenset({"planning", "cli"}),
    "cli": frozenset(),
}
"""Root modules (contracts and primitives) import no sub-package; ``cli`` may import anything."""

Graph = Mapping[str, Iterable[tuple[str, int]]]
"""Module -> the modules it imports, each with the line of the import."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    rel = Path(*name.split("."))
    return (SRC / rel).with_suffix(".py").is_file() or (SRC / rel / "__init__.py").is_file()


def imports_of(path: Path) -> list[tuple[str, int]]:
    """Every import in a module (all levels), as absolute module names with their lines."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # ``from sovbundle.catalog import select``: a module
                sub = f"{node.module}.{alias.name}"
                found.append((sub if _is_module(sub) else node.module, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            raise AssertionError(f"{path}:{node.lineno}: relative import; use absolute ones")
    return found


def source_graph() -> dict[str, list[tuple[str, int]]]:
    return {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> str | None:
    """``spec``, ``catalog``... for a sub-package's module, ``root`` for the others."""
    parts = module.split(".")
    if parts[0] != "sovbundle" or module in ENTRY_POINTS:
        return None
    return parts[1] if len(parts) > 2 or parts[1] in SUBPACKAGES else "root"


def _target(imported: str) -> str:
    """What an import reaches, as named in ``FORBIDDEN``: a sub-package or module, or a top name."""
    parts = imported.split(".")
    return parts[1] if parts[0] == "sovbundle" and len(parts) > 1 else parts[0]


def layer_violations(graph: Graph) -> list[str]:
    found = []
    for module, imported in graph.items():
        layer = layer_of(module)
        if layer is None:
            continue
        for name, line in imported:
            target = _target(name)
            if layer == "root":
                bad = name.startswith("sovbundle.") and target in SUBPACKAGES
            else:
                bad = target in FORBIDDEN[layer] and target != layer
            if bad:
                found.append(f"{module}:{line} ({layer}) imports {name}")
    return found


def import_cycles(graph: Graph) -> list[list[str]]:
    """Every cycle of imports between sovbundle modules (one per strongly connected group)."""
    edges = {
        m: sorted({n for n, _ in imported if n in graph and n != m})
        for m, imported in graph.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def test_no_import_cycle() -> None:
    assert import_cycles(source_graph()) == []


def test_no_import_against_the_layer_table() -> None:
    assert layer_violations(source_graph()) == []


def test_every_sub_package_has_a_rule() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert packages == set(SUBPACKAGES) == set(FORBIDDEN)


def test_the_checks_catch_a_violating_graph() -> None:
    graph = {
        "sovbundle.catalog.files": [("sovbundle.refresh.run", 3), ("httpx", 4)],
        "sovbundle.refresh.run": [("sovbundle.catalog.files", 5)],
        "sovbundle.planning.solve": [("sovbundle.config", 7), ("sovbundle.planning.milp", 8)],
        "sovbundle.planning.milp": [("sovbundle.planning.solve", 9)],
        "sovbundle.models": [("sovbundle.spec.model", 10)],
        "sovbundle.spec.model": [("sovbundle.models", 11)],
        "sovbundle.render.plan": [("sovbundle.planning.problem", 12), ("sovbundle.plan", 13)],
        "sovbundle.cli.plan_cmds": [("sovbundle.planning.resolve", 14), ("rich", 15)],
        "sovbundle": [("sovbundle.cli", 16)],
    }
    assert layer_violations(graph) == [
        "sovbundle.catalog.files:3 (catalog) imports sovbundle.refresh.run",
        "sovbundle.catalog.files:4 (catalog) imports httpx",
        "sovbundle.planning.solve:7 (planning) imports sovbundle.config",
        "sovbundle.models:10 (root) imports sovbundle.spec.model",
        "sovbundle.render.plan:12 (render) imports sovbundle.planning.problem",
    ]
    assert sorted(import_cycles(graph)) == [
        ["sovbundle.catalog.files", "sovbundle.refresh.run"],
        ["sovbundle.models", "sovbundle.spec.model"],
        ["sovbundle.planning.milp", "sovbundle.planning.solve"],
    ]


def test_imports_are_read_at_every_level(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from sovbundle.refresh.run import RefreshReport\n"
        "def f() -> None:\n    import httpx\n    from sovbundle import adapters\n"
    )
    names = [name for name, _ in imports_of(source)]
    assert names == ["typing", "sovbundle.refresh.run", "httpx", "sovbundle.adapters"]


def test_bench_imports_no_test_module() -> None:
    """bench/ may share the test helpers of tests/support, never a test module."""
    found = []
    for path in sorted((ROOT / "bench").glob("*.py")):
        for name, line in imports_of(path):
            if name.split(".")[0] == "tests" and not name.startswith("tests.support"):
                found.append(f"{path.name}:{line} imports {name}")
    assert found == []
