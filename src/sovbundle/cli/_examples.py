"""The examples that end each command's ``--help`` (real commands on the shipped bundles).

``tests/cli`` runs every example line that needs no network (from a folder holding
``bundles/``, ``plan.json`` and ``old.json``), so none of them can rot.
"""

from __future__ import annotations

__all__ = ["EXAMPLES", "epilog"]


def epilog(*lines: str) -> str:
    """An ``Examples:`` block that click prints as written (``\\b``: no re-wrapping)."""
    body = "\n".join(f"  {line}" for line in lines)
    return f"Examples:\n\n\b\n{body}"


EXAMPLE_LINES: dict[str, tuple[str, ...]] = {
    "sovbundle": (
        "sovbundle plan bundles/health-portal.yaml",
        "sovbundle services --kind database --country FR",
    ),
    "plan": (
        "sovbundle plan bundles/health-portal.yaml --explain",
        "cat bundles/fr-saas.yaml | sovbundle plan - --json > fr-saas.json",
    ),
    "validate": (
        "sovbundle validate bundles/saas-startup.yaml",
        "cat bundles/fr-saas.yaml | sovbundle validate -",
    ),
    "schema": ("sovbundle schema -o schema/bundle.schema.json",),
    "show": (
        "sovbundle plan bundles/health-portal.yaml -o plan.json",
        "sovbundle show plan.json --format markdown",
    ),
    "diff": (
        "sovbundle diff old.json plan.json",
        "sovbundle diff old.json plan.json --json",
    ),
    "export": ("sovbundle export tofu plan.json -o tofu",),
    "export tofu": (
        "sovbundle export tofu plan.json -o tofu",
        "sovbundle export tofu plan.json -o tofu --bundle bundles/health-portal.yaml --force",
    ),
    "providers": ("sovbundle providers", "sovbundle providers --json"),
    "services": (
        "sovbundle services scaleway --kind vm --min-vcpus 4 --country FR",
        "sovbundle services --by-gpu",
    ),
    "catalog": ("sovbundle catalog status", "sovbundle catalog refresh scaleway"),
    "catalog status": ("sovbundle catalog status", "sovbundle catalog status --json"),
    "catalog refresh": ("sovbundle catalog refresh", "sovbundle catalog refresh ovhcloud outscale"),
}
"""Per command (as typed after ``sovbundle``): its example command lines."""

EXAMPLES: dict[str, str] = {name: epilog(*lines) for name, lines in EXAMPLE_LINES.items()}
