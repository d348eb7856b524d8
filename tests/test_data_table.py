"""README's "Where the data comes from" table agrees with the packaged snapshot."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sovbundle.catalog.files import load_catalog_file
from sovbundle.catalog.query import price_evidence_of
from sovbundle.models import PROVIDER_IDS

ROOT = Path(__file__).resolve().parent.parent


def _snapshot_counts() -> Counter[tuple[str, str, str, str]]:
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for pid in PROVIDER_IDS:
        data = load_catalog_file(ROOT / "providers" / "snapshot" / f"{pid}.json").data
        for offer in data.offers:
            evidence = price_evidence_of(offer)
            if evidence is None:
                counts[(pid, offer.kind, "–", "–")] += 1
            else:
                counts[(pid, offer.kind, evidence.class_.value, evidence.as_of or "undated")] += 1
    return counts


def _readme_counts() -> Counter[tuple[str, str, str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Where the data comes from", 1)[1].split("\n## ", 1)[0]
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or not cells[0].startswith("`") or not cells[5].isdigit():
            continue
        kinds = [k.strip() for k in cells[1].split(",")]
        for kind in kinds:
            # a row naming several kinds gives their total; checked below as one group
            counts[(cells[0].strip("`"), kind, cells[3], cells[4])] += int(cells[5]) * (
                1 if len(kinds) == 1 else 0
            )
        if len(kinds) > 1:
            counts[(cells[0].strip("`"), "+".join(kinds), cells[3], cells[4])] += int(cells[5])
    return counts


def test_every_source_class_and_date_of_the_snapshot_is_in_the_table() -> None:
    snapshot, readme = _snapshot_counts(), _readme_counts()
    grouped: Counter[tuple[str, str, str, str]] = Counter()
    for (pid, kind, cls, as_of), n in snapshot.items():
        merged = [k for k in readme if k[0] == pid and kind in k[1].split("+") and "+" in k[1]]
        if merged and (merged[0][2], merged[0][3]) == (cls, as_of):
            grouped[merged[0]] += n
        else:
            grouped[(pid, kind, cls, as_of)] += n
    assert {k: v for k, v in grouped.items() if v} == {k: v for k, v in readme.items() if v}
