"""Synthetic plans for export tests: rows as the planner writes them, in a plan JSON file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from sovbundle.render.tofu import Export, export_plan


def row(
    component: str,
    kind: str,
    provider: str,
    region: str,
    sku: str,
    quantity: float = 1,
    *,
    part: str = "instance",
    unit: str = "month",
    monthly: float = 10.0,
) -> dict[str, Any]:
    """One placement row of a plan."""
    return {
        "component": component,
        "kind": kind,
        "part": part,
        "provider": provider,
        "region": region,
        "country": "FR",
        "sku": sku,
        "quantity": quantity,
        "unit_price": monthly / quantity if quantity else 0,
        "price_unit": unit,
        "monthly": monthly,
        "certifications": [],
        "source": {"kind": "api", "url": "https://example.invalid/", "as_of": "2026-01-01"},
    }


def write_case(
    tmp_path: Path,
    rows: list[dict[str, Any]],
    components: dict[str, dict[str, Any]] | None = None,
    links: list[dict[str, Any]] | None = None,
) -> tuple[Path, Path | None]:
    """Write a plan (and, when ``components`` is given, its bundle) and return their paths."""
    bundle_path: Path | None = None
    sha = "0" * 64
    if components is not None:
        bundle_path = tmp_path / "bundle.yaml"
        bundle_path.write_text(
            yaml.safe_dump(
                {"version": 1, "name": "case", "components": components, "links": links or []}
            ),
            encoding="utf-8",
        )
        sha = hashlib.sha256(bundle_path.read_bytes()).hexdigest()
    total = sum(r["monthly"] for r in rows)
    plan = {
        "format_version": "1.0",
        "sovbundle_version": "0.1.0",
        "generated_at": "2026-01-01T00:00:00Z",
        "bundle": {"name": "case", "path": str(bundle_path or "absent.yaml"), "sha256": sha},
        "catalogs": [],
        "status": "optimal",
        "currency": "EUR",
        "total_monthly": total,
        "by_provider": {},
        "placements": rows,
        "links": [
            {
                "from": link["from"],
                "to": link["to"],
                "cross_provider": False,
                "gb_month": 1,
                "monthly": 0,
            }
            for link in links or []
        ],
        "constraints": [],
        "solver": {
            "name": "highs",
            "status": "optimal",
            "objective": total,
            "gap": 0.0,
            "time_ms": 1,
            "candidates": 1,
            "pruned": 0,
            "model": {"variables": 1, "constraints": 1, "nonzeros": 1},
        },
        "warnings": [],
    }
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    return plan_path, bundle_path


def export_case(
    tmp_path: Path,
    rows: list[dict[str, Any]],
    components: dict[str, dict[str, Any]] | None = None,
    links: list[dict[str, Any]] | None = None,
) -> Export:
    plan_path, bundle_path = write_case(tmp_path, rows, components, links)
    return export_plan(plan_path, bundle_path)


def main_tf(export: Export) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(export.files["main.tf.json"])
    return data
