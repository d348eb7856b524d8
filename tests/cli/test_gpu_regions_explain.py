"""``services --by-gpu``, look-alike region ids, ``plan --explain --top N`` (issue 15, items
8 and 10), on the packaged catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sovbundle.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOVBUNDLE_CACHE_DIR", str(tmp_path / "cache"))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_gpu_flag_still_filters_offers(capsys: pytest.CaptureFixture[str]) -> None:
    """``--gpu/--no-gpu`` keep their meaning (a filter): the grouped view is ``--by-gpu``."""
    code, out, _ = run(capsys, "services", "--gpu", "--json")
    assert code == 0
    rows = json.loads(out)["offers"]
    assert rows and all(row["specs"]["gpus"] > 0 for row in rows)
    code, out, _ = run(capsys, "services", "--kind", "vm", "--no-gpu", "--json")
    assert all(row["specs"]["gpus"] == 0 for row in json.loads(out)["offers"])


def test_by_gpu_groups_offers_by_model(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "services", "--gpu", "--json")
    offers = json.loads(out)["offers"]
    code, out, _ = run(capsys, "services", "--by-gpu", "--json")
    assert code == 0
    groups = json.loads(out)["gpu_models"]
    assert sum(g["offers"] for g in groups) == len(offers)
    l4 = next(g for g in groups if g["gpu_model"] == "L4")
    l4_offers = [o for o in offers if o["specs"]["gpu_model"] == "L4"]
    cheapest = min(o["monthly"] for o in l4_offers if o["monthly"] is not None)
    assert l4["cheapest"]["monthly"] == cheapest
    assert l4["gpu_memory_gb"] == [24]
    assert set(l4["providers"]) == {o["provider"] for o in l4_offers}
    monthly = [g["cheapest"]["monthly"] for g in groups if g["cheapest"]]
    assert monthly == sorted(monthly)


def test_by_gpu_table_has_one_line_per_model(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "services", "--by-gpu", "--country", "FR")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].endswith("cheapest machine first")
    assert lines[1].split()[:2] == ["GPU", "model"]
    code, out, _ = run(capsys, "services", "--by-gpu", "--country", "FR", "--json")
    groups = json.loads(out)["gpu_models"]
    assert len(lines) == 2 + len(groups)  # one line per GPU model
    assert [line[: len(g["gpu_model"])] for line, g in zip(lines[2:], groups, strict=True)] == [
        g["gpu_model"] for g in groups
    ]
    l4 = next(line for line in lines if line.startswith("L4 "))
    assert "(FR)" in l4


def test_by_gpu_and_no_gpu_contradict(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "services", "--by-gpu", "--no-gpu")[0] == 2


def test_ovh_look_alike_regions_are_explained(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "services", "ovhcloud", "--country", "FR", "--kind", "vm")
    assert code == 0
    note = next(line for line in err.splitlines() if "gra and GRA7, GRA9, GRA11" in line)
    assert "gra sells dedicated servers only" in note
    assert "GRA7, GRA9, GRA11 sell vm" in note
    code, out, _ = run(capsys, "providers")
    assert "note: ovhcloud regions gra and GRA7, GRA9, GRA11 are different regions" in out


def test_no_region_note_when_no_look_alike_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "services", "scaleway")
    assert code == 0 and "are different regions" not in err


def test_explain_top_marks_the_chosen_placement(capsys: pytest.CaptureFixture[str]) -> None:
    bundle = str(ROOT / "bundles" / "fr-saas.yaml")
    code, out, _ = run(capsys, "plan", bundle, "--explain", "--top", "2")
    assert code == 0
    table = out[out.index("top 2 placements per component") :]
    rows = [line for line in table.splitlines() if "│" in line]
    chosen = [row for row in rows if "CHOSEN" in row]
    assert len(chosen) == 5  # one per component, shown even when not among the top 2
    cache = [row for row in rows if "redis" in row]
    assert "clevercloud/par/redis.l" in " ".join(r for r in cache if "CHOSEN" in r)
    assert len(cache) == 3  # two cheaper OVHcloud Redis, then the chosen one (colocation)


def test_top_needs_explain(capsys: pytest.CaptureFixture[str]) -> None:
    bundle = str(ROOT / "bundles" / "fr-saas.yaml")
    assert run(capsys, "plan", bundle, "--top", "3")[0] == 2
    assert run(capsys, "plan", bundle, "--explain", "--top", "-1")[0] == 2
