"""The one exception tree of sovbundle; every class carries its process exit code.

    SovbundleError                 (exit 1, internal)
    ├── UsageError                 (exit 2) bad command-line usage, unknown provider id
    ├── BundleError                (exit 3) the bundle spec cannot be read or is invalid
    │     carries a list of SpecIssue (file, line, column, message)
    ├── PlanFileError              (exit 3) a saved plan file cannot be read, or is of an
    │                                       unknown major format_version
    ├── InfeasibleError            (exit 4) no plan satisfies every constraint
    ├── ProviderError              (exit 5) a provider's API or the network failed
    └── CatalogError               (exit 6) catalog data is malformed, truncated or mis-shaped

Exit 7 (``PLANS_DIFFER``) is no error: ``diff`` and ``plan --compare-to`` return it when the two
plans differ, as ``terraform plan -detailed-exitcode`` returns 2 (2 is sovbundle's usage error).

The library raises these; only the CLI turns them into exits (``sovbundle.cli``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "PLANS_DIFFER",
    "BundleError",
    "CatalogError",
    "InfeasibleError",
    "PlanFileError",
    "ProviderError",
    "SovbundleError",
    "SpecIssue",
    "UsageError",
]


class SovbundleError(Exception):
    """Base of every error sovbundle raises on purpose."""

    exit_code: ClassVar[int] = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def lines(self) -> list[str]:
        """The lines shown to a user on stderr."""
        return [f"error: {self.message}"]


class UsageError(SovbundleError):
    """The command line asks for something that does not exist or makes no sense."""

    exit_code = 2


@dataclass(frozen=True, order=True)
class SpecIssue:
    """One problem found in a bundle file, located by 1-based line and column."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class BundleError(SovbundleError):
    """A bundle spec cannot be read or does not validate; holds every issue found."""

    exit_code = 3

    def __init__(self, issues: list[SpecIssue], what: str = "bundle") -> None:
        self.issues = sorted(issues)
        self.what = what
        """The kind of file: ``bundle`` or ``price book``."""
        super().__init__("\n".join(str(issue) for issue in self.issues))

    def lines(self) -> list[str]:
        count = len(self.issues)
        summary = f"{count} error{'s' if count != 1 else ''} in {self.what}"
        return [*(str(issue) for issue in self.issues), summary]


class PlanFileError(SovbundleError):
    """A saved plan file cannot be read, is not a plan, or has an unknown major version."""

    exit_code = 3


PLANS_DIFFER = 7
"""Exit code of ``diff`` and ``plan --compare-to`` when the two plans differ (not an error)."""


class InfeasibleError(SovbundleError):
    """No placement satisfies every constraint of the bundle."""

    exit_code = 4

    def __init__(self, message: str, diagnosis: list[str] | None = None) -> None:
        super().__init__(message)
        self.diagnosis = diagnosis or []

    def lines(self) -> list[str]:
        return [f"error: {self.message}", *(f"  {line}" for line in self.diagnosis)]


class ProviderError(SovbundleError):
    """A provider's API answered with an error, or the network failed."""

    exit_code = 5

    def __init__(self, provider: str, message: str, url: str | None = None) -> None:
        where = f" ({url})" if url else ""
        super().__init__(f"{provider}: {message}{where}")
        self.provider = provider
        self.url = url


class CatalogError(SovbundleError):
    """Catalog data (a payload, a snapshot or a cache file) is malformed or of the wrong shape."""

    exit_code = 6

    def __init__(
        self, provider: str, message: str, *, endpoint: str | None = None, field: str | None = None
    ) -> None:
        parts = [provider]
        if endpoint:
            parts.append(endpoint)
        if field:
            parts.append(f"field {field}")
        super().__init__(f"{': '.join(parts)}: {message}")
        self.provider = provider
        self.endpoint = endpoint
        self.field = field
