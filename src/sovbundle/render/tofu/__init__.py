"""``sovbundle export tofu``: a plan as an OpenTofu/Terraform configuration (JSON syntax).

``export_plan`` is the whole pipeline: read the plan (any 1.x format, through
``sovbundle.plan_file``, the reader ``show`` and ``diff`` use), find the bundle it was made from
(for facts the plan does not carry), apply each provider's mapping table
(``maps/<provider>.json``), render the files, and check them against the packaged attribute
tables (``schemas/<provider>.json``). It writes nothing; ``write_export`` does.

Exit rule of the command: 0 when every placement is in the configuration, 8 when the folder was
written but some placements could not be expressed (they are listed in the folder's README and
in the warnings), 3 for a plan file that cannot be read (as ``show``), 2 for a plan that places
nothing, a bundle that is not the plan's or an output folder that cannot be used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sovbundle.errors import SovbundleError, UsageError
from sovbundle.plan_file import read_plan
from sovbundle.render.tofu.build import Config, Unexpressed, build_config, sha256_hex
from sovbundle.render.tofu.bundle_facts import find_bundle
from sovbundle.render.tofu.check import check_files
from sovbundle.render.tofu.emit import MARKER, render_files
from sovbundle.render.tofu.writer import write_export

__all__ = [
    "MARKER",
    "PARTIAL_EXIT",
    "Export",
    "Unexpressed",
    "export_plan",
    "write_export",
]

PARTIAL_EXIT = 8
"""Exit code of an export that was written but does not hold every placement."""


@dataclass(frozen=True)
class Export:
    """The files of an export and what it could not express."""

    files: dict[str, bytes]
    config: Config
    warnings: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.config.unexpressed


def export_plan(plan_path: Path, bundle_path: Path | None = None) -> Export:
    """Build (and check) the export of the plan in ``plan_path``; write nothing."""
    saved = read_plan(plan_path)
    plan = saved.plan
    if plan.status == "infeasible" or not plan.placements:
        raise UsageError(f"{plan_path}: the plan places nothing; there is nothing to export")
    bundle, used, bundle_warnings = find_bundle(plan, plan_path, bundle_path)
    config = build_config(plan, sha256_hex(saved.raw), bundle, used)
    files = render_files(config)
    problems = check_files(files)
    if problems:
        shown = "; ".join(problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise SovbundleError(f"the export failed its own schema check: {shown}{more}")
    status = (
        [f"the plan's status is {plan.status}, not optimal: a cheaper placement may exist"]
        if plan.status != "optimal"
        else []
    )
    warnings = [
        *saved.notes,
        *status,
        *bundle_warnings,
        *config.warnings,
        *(f"{u.component} ({u.provider}) not exported: {u.reason}" for u in config.unexpressed),
    ]
    return Export(files=files, config=config, warnings=tuple(warnings))
