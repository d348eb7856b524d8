"""Issue 11, item 3: the work of validating a spec stays linear in its size, whatever its shape.

No timing here (the figures are in bench/validate_worst.py): each test counts operations, so a
quadratic path fails on any machine, loaded or not.
"""

from __future__ import annotations

from sovbundle.spec.model import link_contradictions


class CountingName(str):
    """A component name that counts how often it is hashed (each dict look-up hashes it)."""

    hashes = 0

    def __hash__(self) -> int:
        CountingName.hashes += 1
        return str.__hash__(self)


def test_colocation_is_linear_for_a_star_of_links() -> None:
    """One component colocated with thousands of others, then many ``apart`` checks: the
    union-find walked a chain as long as the links for every join and every check before."""
    n = 3000
    hub = CountingName("hub")
    names = [CountingName(f"c{i}") for i in range(n)]
    links: list[tuple[object, object, object, object]] = [
        (hub, name, "region", None) for name in names
    ]
    links += [(hub, names[-1], None, "provider")] * 500
    CountingName.hashes = 0
    found = link_contradictions(links)
    assert len(found) == 500
    assert found[0][0] == n
    assert "other links colocate them on the same provider" in found[0][1]
    # Linear: a bounded number of look-ups per link (the chain walk made it about n * n / 2).
    assert CountingName.hashes <= 40 * len(links), CountingName.hashes


def test_colocation_still_joins_transitively_and_by_level() -> None:
    links = [
        ("a", "b", "region", None),
        ("c", "b", "provider", None),
        ("d", "c", "region", None),
        ("a", "c", None, "provider"),  # a-b region, b-c provider: same provider
        ("a", "d", None, "region"),  # a-b region but b-c only provider: regions may differ
        ("b", "a", None, "region"),  # same region
        ("e", "a", None, "provider"),  # e is joined to nothing
    ]
    found = [index for index, _ in link_contradictions(links)]
    assert found == [3, 5]
