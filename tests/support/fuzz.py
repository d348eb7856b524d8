"""Hypothesis strategies that mutate JSON payloads in a provider's real shape, for fuzzing the
adapters' ``normalize``: only ``CatalogError`` may come out of a mutated payload."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
"""Any JSON-like value, including what strict JSON forbids but a lax parser lets through."""


def json_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON value, the root (``()``) included."""
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += json_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += json_paths(child, (*path, index))
    return found


@st.composite
def mutated_json(draw: st.DrawFn, payload: Any, max_edits: int = 3) -> Any:
    """A copy of ``payload`` with 1 to ``max_edits`` values replaced, or keys or items deleted."""
    result = copy.deepcopy(payload)
    for _ in range(draw(st.integers(1, max_edits))):
        path = draw(st.sampled_from(json_paths(result)))
        if not path:
            result = draw(json_values)
            continue
        parent = result
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()):  # a key or an item that is not there any more
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    return result
