"""Piped vs terminal output, verbosity, colour, numbers (issue 15, items 1, 7, 9).

Piped output is what the CLI runner captures; terminal output runs the CLI on a real
pseudo-terminal (``tests.support.tty``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sovbundle.cli import main
from sovbundle.units import amount, count, size
from tests.support.tty import run_on_tty

ROOT = Path(__file__).resolve().parents[2]
HEALTH = str(ROOT / "bundles" / "health-portal.yaml")
ANSI = re.compile(r"\x1b\[")
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def visible(line: str) -> str:
    return ESCAPES.sub("", line)


@pytest.fixture(autouse=True)
def _no_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOVBUNDLE_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.parametrize(
    "args",
    [["plan", HEALTH], ["providers"], ["catalog", "status"], ["services", "--kind", "database"]],
)
def test_piped_output_has_no_padding_colour_or_wrapping(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")  # a terminal setting: not applied to pipes
    assert main(args) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines
    assert all(line == line.rstrip() for line in lines), "trailing padding"
    assert not ANSI.search(out)
    assert "…" not in out


def test_piped_plan_keeps_every_column(capsys: pytest.CaptureFixture[str]) -> None:
    """``plan x | grep -c certifications`` counted 0 when the pipe was squeezed to 80 columns."""
    assert main(["plan", HEALTH]) == 0
    out = capsys.readouterr().out
    headers = [line for line in out.splitlines() if "component" in line and "SKU" in line]
    assert headers and all("certifications" in h and "kind" in h for h in headers)


def test_piped_providers_keep_long_lines_whole(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["providers"]) == 0
    out = capsys.readouterr().out
    jurisdiction = [line for line in out.splitlines() if line.startswith("jurisdiction")]
    assert any(len(line) > 200 for line in jurisdiction)  # not wrapped at 200 columns


def test_a_terminal_adapts_the_plan_to_its_width() -> None:
    code, wide = run_on_tty(["plan", HEALTH], columns=200, env={"NO_COLOR": "1"})
    assert code == 0
    code, narrow = run_on_tty(["plan", HEALTH], columns=70, env={"NO_COLOR": "1"})
    assert code == 0
    assert "certifications" in wide
    header = [line for line in narrow.splitlines() if "component" in line and "SKU" in line]
    assert header and "certifications" not in header[0]
    boxed = [visible(line) for line in narrow.splitlines() if "│" in line or "┃" in line]
    assert boxed and all(len(line) <= 70 for line in boxed)
    assert "…" not in narrow  # identifiers are never cut


def test_a_terminal_drops_optional_services_columns_not_identifiers() -> None:
    code, out = run_on_tty(["services", "scaleway", "--kind", "database"], columns=90)
    assert code == 0
    lines = [visible(line) for line in out.splitlines()]
    header = next(line for line in lines if line.startswith("provider"))
    assert "sku" in header and "monthly" in header and "as of" not in header
    assert "DB-PLAY2-PICO" in out


def test_colour_on_a_terminal_and_no_color_removes_it() -> None:
    _, coloured = run_on_tty(["plan", HEALTH], columns=160)
    assert ANSI.search(coloured)
    _, plain = run_on_tty(["--no-color", "plan", HEALTH], columns=160)
    assert not re.search(r"\x1b\[[0-9;]*3[0-9]m", plain)  # no foreground colour
    _, env_plain = run_on_tty(["plan", HEALTH], columns=160, env={"NO_COLOR": "1"})
    assert not re.search(r"\x1b\[[0-9;]*3[0-9]m", env_plain)


def test_quiet_plan_prints_the_summary_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "plan", HEALTH]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [captured.out.strip()]
    assert captured.out.startswith("Plan: 4 components on 2 providers")
    assert captured.err == ""


def test_quiet_still_prints_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "plan", str(tmp_path / "missing.yaml")]) == 3
    assert "no such file" in capsys.readouterr().err


def test_quiet_and_verbose_together_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "-v", "plan", HEALTH]) == 2


def test_numbers_read_one_way() -> None:
    from decimal import Decimal

    assert amount(Decimal("4104.22")) == "4 104.22"
    assert amount(Decimal("-12")) == "-12.00"
    assert amount(Decimal("3"), signed=True) == "+3.00"
    assert count(1390) == "1 390"
    assert size(Decimal("0.09765625")) == "0.1"
    assert size(Decimal("0.48828125")) == "0.49"
    assert size(Decimal("2000")) == "2 000"
    assert size(Decimal("0.001")) == "0.001"
    assert size(8.0) == "8"


def test_no_float_artefacts_and_iso_dates_in_services(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["services", "clevercloud", "--kind", "database"]) == 0
    out = capsys.readouterr().out
    assert "0.09765625" not in out and "0.1 GB" in out
    rows = [line.split() for line in out.splitlines()[2:]]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[-1]) for row in rows)


def test_thousands_in_budget_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(ROOT / "bundles" / "fr-saas.yaml")]) == 0
    assert "<= 1 500.00 EUR/month" in capsys.readouterr().out
    assert main(["providers"]) == 0
    assert re.search(r"database \d \d{3}", capsys.readouterr().out)  # "database 1 390"
