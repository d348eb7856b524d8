"""Worst-case bundle specs for ``validate`` (issue 11, item 3), and their timing.

    PYTHONPATH=src:. python -m bench.validate_worst [--write-corpus]

Each generator returns the bytes of a spec under the 1 MiB limit built to hit one costly path:
"did you mean" over thousands of names for thousands of misspelt link ends, a long colocate
chain (union-find), thousands of duplicate links. The timing is ``parse_bundle`` end to end
(the same work as ``sovbundle validate``), best of three, in seconds; the target is < 2 s.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from sovbundle.errors import BundleError
from sovbundle.spec.loader import MAX_BUNDLE_BYTES, parse_bundle


def misspelt_links(components: int = 2000, links: int = 5000) -> bytes:
    """``components`` names and ``links`` links whose ends are near misses of those names."""
    lines = ["version: 1", "name: worst-did-you-mean", "components:"]
    lines += [f"  service-{i:05d}: {{kind: vm, vcpus: 1}}" for i in range(components)]
    lines.append("links:")
    for i in range(links):
        a, b = i % components, (i * 7 + 3) % components
        # Distinct traffic: no two links are the same (duplicates are another error).
        lines.append(f"  - {{from: servise-{a:05d}, to: service-{b:05d}x, gb_month: {i + 1}}}")
    return ("\n".join(lines) + "\n").encode()


def correct_links(components: int = 2000, links: int = 5000) -> bytes:
    """The same shape as ``misspelt_links`` with every end spelt right: the parsing baseline."""
    lines = ["version: 1", "name: baseline-correct-links", "components:"]
    lines += [f"  service-{i:05d}: {{kind: vm, vcpus: 1}}" for i in range(components)]
    lines.append("links:")
    for i in range(links):
        a, b = i % components, (i * 7 + 3) % components
        if a == b:
            b = (b + 1) % components
        lines.append(f"  - {{from: service-{a:05d}, to: service-{b:05d}, gb_month: {i + 1}}}")
    return ("\n".join(lines) + "\n").encode()


def colocate_chain(components: int = 5000) -> bytes:
    """One colocate chain through every component, then an ``apart`` from end to end."""
    lines = ["version: 1", "name: worst-colocate-chain", "components:"]
    lines += [f"  c{i}: {{kind: vm, vcpus: 1}}" for i in range(components)]
    lines.append("links:")
    lines += [f"  - {{from: c{i}, to: c{i + 1}, colocate: region}}" for i in range(components - 1)]
    lines.append(f"  - {{from: c0, to: c{components - 1}, apart: provider}}")
    return ("\n".join(lines) + "\n").encode()


def duplicate_links(copies: int = 8000) -> bytes:
    """The same link written ``copies`` times."""
    lines = ["version: 1", "name: worst-duplicate-links", "components:"]
    lines += ["  a: {kind: vm, vcpus: 1}", "  b: {kind: vm, vcpus: 1}", "links:"]
    lines += ["  - {from: a, to: b, gb_month: 5}"] * copies
    return ("\n".join(lines) + "\n").encode()


CASES: dict[str, Callable[[], bytes]] = {
    "correct-links (baseline)": correct_links,
    "misspelt-links": misspelt_links,
    "colocate-chain": colocate_chain,
    "duplicate-links": duplicate_links,
}


def time_case(raw: bytes) -> tuple[float, int]:
    """Best of three seconds to validate ``raw``, and the number of issues reported."""
    best, issues = float("inf"), 0
    for _ in range(3):
        start = time.perf_counter()
        try:
            parse_bundle(raw, "worst.yaml")
            issues = 0
        except BundleError as exc:
            issues = len(exc.issues)
        best = min(best, time.perf_counter() - start)
    return best, issues


def main(argv: list[str]) -> int:
    print("| case | size (KB) | validate (s) | issues shown |")
    print("|---|---:|---:|---:|")
    for name, make in CASES.items():
        raw = make()
        assert len(raw) < MAX_BUNDLE_BYTES, name
        seconds, issues = time_case(raw)
        print(f"| {name} | {len(raw) // 1024} | {seconds:.3f} | {issues} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
