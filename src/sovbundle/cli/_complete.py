"""Shell completion of ids (typer's own completion: ``--install-completion``).

Each completer imports what it needs when the shell asks, never at start-up: ``sovbundle
--help`` does not pay for them. Ids match case-insensitively, as the commands accept them.
"""

from __future__ import annotations

__all__ = [
    "complete_certification",
    "complete_kind",
    "complete_provider",
    "complete_region",
]


def _matching(choices: list[str], incomplete: str) -> list[str]:
    low = incomplete.lower()
    return [choice for choice in choices if choice.lower().startswith(low)]


def complete_provider(incomplete: str) -> list[str]:
    from sovbundle.models import PROVIDER_IDS

    return _matching(list(PROVIDER_IDS), incomplete)


def complete_kind(incomplete: str) -> list[str]:
    from sovbundle.models import KINDS

    return _matching(list(KINDS), incomplete)


def complete_certification(incomplete: str) -> list[str]:
    from sovbundle.models import CERTIFICATIONS

    return _matching(list(CERTIFICATIONS), incomplete)


def complete_region(incomplete: str) -> list[str]:
    """Region ids of every provider's curated facts (the data ``services --region`` checks)."""
    from sovbundle.catalog.select import load_catalogs

    catalog = load_catalogs()
    regions = {r.id for pid in catalog.provider_ids() for r in catalog.provider(pid).regions}
    return _matching(sorted(regions, key=str.lower), incomplete)
