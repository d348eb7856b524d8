"""The markdown of a plan lists each constraint's evidence per placed offer: component,
placement, fact, direct or assumed, source (a short link) and date, escaped like every value."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sovbundle.models import Certification, Source
from sovbundle.plan import Plan, dump_plan
from sovbundle.plan_file import parse_plan
from sovbundle.planning.resolve import plan_bundle
from sovbundle.render.markdown import evidence_table, plan_markdown, source_link
from sovbundle.spec.loader import LoadedBundle
from tests.support.synthetic import bundle, catalog, provider, vm

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def _plan(url: str, sku: str = "small") -> Plan:
    claim = Certification(
        id="hds",
        scope="test",
        regions=("GRA",),
        confirmed=False,
        valid_until=date(2027, 6, 30),
        source=Source(kind="curated", url=url, as_of="2026-10-01"),
    )
    cheap = provider("ovhcloud", {"GRA": "FR"}).model_copy(update={"certifications": (claim,)})
    spec = bundle(
        {"api": {"kind": "vm", "vcpus": 2, "certifications": ["hds"]}},
        constraints={"countries": ["FR"]},
        policy={"unknown_evidence": "tolerant"},
    )
    cat = catalog([cheap], [vm("ovhcloud", "GRA", sku, "10")])
    return plan_bundle(LoadedBundle(spec, Path("b.yaml"), "0" * 64), cat, NOW)


def test_each_placed_offer_has_a_row_per_constraint_with_its_basis_source_and_date() -> None:
    plan = _plan("https://claims.example.test/hds")
    assert evidence_table(plan) == [
        "**Evidence per placement**",
        "",
        "| constraint | component | placement | fact | basis | source | date |",
        "|---|---|---|---|---|---|---|",
        "| countries (all components) | api | ovhcloud/GRA/small | FR | direct | "
        "[catalog.example.test](https://catalog.example.test/v1) | 2026-11-20 |",
        "| hds on api | api | ovhcloud/GRA/small | hds on ovhcloud GRA rests on an unconfirmed "
        "claim | **assumed** | [claims.example.test](https://claims.example.test/hds) | "
        "2026-10-01, valid until 2027-06-30 |",
        "",
    ]
    text = plan_markdown(plan)
    assert "\n".join(evidence_table(plan)) in text
    # Deterministic: the same plan read back from its file gives the same text.
    assert plan_markdown(parse_plan(dump_plan(plan), "p.json").plan) == text


def test_hostile_values_cannot_inject_markup_or_break_the_table() -> None:
    plan = _plan("https://evil.example.test/a|b)<script>[x](y) z", sku="s|<b>*x*`")
    rows = [line for line in evidence_table(plan) if line.startswith("| hds")]
    (row,) = rows
    assert "<script>" not in row and "<b>" not in row
    assert "%7C" in row and "%29" in row and "%3Cscript%3E" in row and "%20z" in row
    assert "ovhcloud/GRA/s\\|\\<b\\>\\*x\\*\\`" in row
    # Seven cells: no value added a column.
    assert row.count(" | ") == 6


def test_source_links() -> None:
    assert source_link(None) == "-"
    assert source_link("see the 2024 report") == "see the 2024 report"
    assert source_link("ftp://x.test/a_b") == "ftp://x.test/a\\_b"
    assert source_link("https://github.com/o/r/blob/x/README.md") == (
        "[github.com/o/r](https://github.com/o/r/blob/x/README.md)"
    )
    assert source_link("https://a_b.test/") == "[a\\_b.test](https://a_b.test/)"


def test_a_plan_without_evidence_has_no_table() -> None:
    plan = _plan("https://claims.example.test/hds")
    bare = plan.model_copy(
        update={
            "constraints": tuple(c.model_copy(update={"evidence": None}) for c in plan.constraints)
        }
    )
    assert evidence_table(bare) == []
    assert "Evidence per placement" not in plan_markdown(bare)
