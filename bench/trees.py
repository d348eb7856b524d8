"""Before/after benchmarks: an older tree of the project, and worker processes run on a tree.

``tree`` extracts the ``src/`` and ``providers/`` of a commit; ``run_worker`` runs a worker
script on one tree (its ``src`` first on ``PYTHONPATH``, no ``SOVBUNDLE_*`` setting of the
caller's) and returns its JSON output; ``today_data_for`` writes today's packaged snapshot in
the older tree's catalog format, so that both trees can be timed on the same data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

DOWNCONVERT = r"""
import json, sys
from pathlib import Path
from pydantic import ValidationError
from sovbundle.catalog import files
source, into = Path(sys.argv[1]), Path(sys.argv[2])
dropped = {}
for path in sorted(source.glob("*.json")):
    data = json.loads(path.read_bytes())
    data["format_version"] = files.CATALOG_FORMAT_VERSION
    provider = data["provider"]
    # This tree has no certification status: a claim that is not held must not read as held.
    provider["certifications"] = [
        c for c in provider.get("certifications", []) if c.get("status", "qualified") == "qualified"
    ]
    for _ in range(1000):
        try:
            files.parse_catalog(json.dumps(data).encode())
            break
        except ValidationError as exc:
            errors = [e for e in exc.errors() if e["type"] == "extra_forbidden"]
            if not errors:
                raise SystemExit(f"{path.name}: {exc.errors()[0]}")
            for error in errors:
                loc = list(error["loc"])
                if len(loc) > 2 and loc[0] == "offers":
                    # An offer row validates as Offer or as a multi-region row: follow its own.
                    branch = "_OfferRow" if "regions" in data["offers"][loc[1]] else "Offer"
                    if loc[2] != branch:
                        continue
                node = data
                for part in loc[:-1]:
                    if isinstance(node, list) and isinstance(part, int):
                        node = node[part]
                    elif isinstance(node, dict) and part in node:
                        node = node[part]
                node.pop(loc[-1], None)
                key = ".".join(str(p) for p in loc if not isinstance(p, int))
                dropped[key] = dropped.get(key, 0) + 1
    else:
        raise SystemExit(f"{path.name}: cannot be brought to this tree's format")
    (into / path.name).write_text(json.dumps(data), encoding="utf-8")
print(json.dumps(sorted(dropped)))
"""


def git(*args: str) -> str:
    found = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return found.stdout.strip()


def tree(rev: str, into: Path) -> Path:
    """Extract ``src/`` and ``providers/`` of commit ``rev`` into ``into``; its ``src``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev, "src", "providers"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def run_worker(
    src: Path, script: str, args: list[str], cache: str, *, snapshot: Path | None = None
) -> Any:
    """Run ``script`` (``python -c``) on the tree ``src`` and return its JSON output.

    ``cache`` is the user cache and config folder (empty: the packaged snapshot is used);
    ``snapshot`` replaces the tree's packaged snapshot. A failing worker ends the benchmark
    with its last error line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOVBUNDLE_")}
    env.update(PYTHONPATH=str(src), SOVBUNDLE_CACHE_DIR=cache, XDG_CONFIG_HOME=cache)
    if snapshot is not None:
        env["SOVBUNDLE_SNAPSHOT_DIR"] = str(snapshot)
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env, capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"worker on {src} failed: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout)


def today_data_for(src: Path, into: Path, cache: str) -> list[str]:
    """Write today's packaged snapshot into ``into`` in the format the tree ``src`` reads.

    Keys that tree does not know are dropped (they only add facts it cannot use), and so are
    certifications whose status is not ``qualified`` (that tree would count them as held).
    Returns the dropped keys."""
    into.mkdir(parents=True, exist_ok=True)
    found: list[str] = run_worker(
        src, DOWNCONVERT, [str(ROOT / "providers" / "snapshot"), str(into)], cache
    )
    return found
