"""bench/RESULTS.md: the whole suite's rewrite keeps every section other scripts own.

No benchmark runs here: the report's text functions are given files as strings.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.report import kept_sections, lost_headings, rewrite, section, write_section

ROOT = Path(__file__).resolve().parents[1]

OLD_RUN = "# sovbundle benchmark results\n\nold figures\n\n## 1. CLI latency\n\n| old |\n"
NEW_RUN = "# sovbundle benchmark results\n\nnew figures\n\n## 1. CLI latency\n\n| new |\n"


def test_a_rewrite_keeps_every_section_verbatim_and_in_order() -> None:
    mine = section("reliability_plan", "## Plan\n\n| a | b |")
    theirs = (
        "<!-- section:cli_help -->\n## Help\n\n- `x`   two  spaces\n\n<!-- /section:cli_help -->\n"
    )
    sweep = "<!-- sweep:start -->\n## Sweep\n<!-- sweep:end -->\n"
    peers = "<!-- bench.peers: begin (by bench.peers) -->\n## Peers\n<!-- bench.peers: end -->\n"
    previous = OLD_RUN + "\n" + sweep + "\n" + theirs + mine + "\n" + peers
    new = rewrite(previous, NEW_RUN)
    assert new.startswith(NEW_RUN)
    assert "old figures" not in new and "| old |" not in new
    for block in (sweep, theirs, mine, peers):
        assert new.count(block) == 1, block
    assert new.index(sweep) < new.index(theirs) < new.index(mine) < new.index(peers)
    assert lost_headings(previous, new) == []
    # A second rewrite from the same run changes nothing.
    assert rewrite(new, NEW_RUN) == new


def test_text_outside_markers_is_named_as_lost() -> None:
    previous = OLD_RUN + "\n## Hand-written, no markers\n\ntext\n"
    new = rewrite(previous, NEW_RUN)
    assert "Hand-written" not in new
    assert lost_headings(previous, new) == ["## Hand-written, no markers"]


def test_an_unclosed_section_is_not_kept_and_is_reported() -> None:
    previous = OLD_RUN + "<!-- section:half -->\n## Half\n"
    new = rewrite(previous, NEW_RUN)
    assert "## Half" not in new and lost_headings(previous, new) == ["## Half"]


def test_write_section_replaces_only_its_own_block(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text(OLD_RUN + "\ntail text\n")
    write_section(results, "validate_worst", "## Worst\n\nfirst\n")
    write_section(results, "cli_help", "## Help\n\nmine\n")
    write_section(results, "validate_worst", "## Worst\n\nsecond\n")
    text = results.read_text()
    assert text.startswith(OLD_RUN + "\ntail text\n\n")
    assert text.count("<!-- section:validate_worst -->") == 1
    assert "second" in text and "first" not in text
    assert text.index("second") < text.index("mine")  # replaced where it was
    assert text.endswith(section("cli_help", "## Help\n\nmine"))
    assert not list(tmp_path.glob("*.tmp"))
    assert rewrite(text, NEW_RUN).endswith(
        section("validate_worst", "## Worst\n\nsecond")
        + "\n"
        + section("cli_help", "## Help\n\nmine")
    )


def test_a_section_name_is_a_plain_word() -> None:
    with pytest.raises(ValueError, match="letters, digits"):
        section("two words", "x")


def test_every_heading_of_the_committed_results_survives_a_rewrite() -> None:
    """Every hand-written section of bench/RESULTS.md is inside markers, so a full
    ``python -m bench`` keeps it; a rewrite regenerates only the headings its own report has."""
    from bench.report import SECTION

    text = (ROOT / "bench" / "RESULTS.md").read_text(encoding="utf-8")
    first = SECTION.search(text)
    assert first is not None
    generated = text[: first.start()]  # what the suite's own report wrote last time
    assert lost_headings(text, rewrite(text, generated)) == []
    assert kept_sections(text).count("<!-- section:reliability_plan -->") == 1
