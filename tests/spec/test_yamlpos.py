"""The position-keeping YAML reader: values, positions, YAML 1.2 scalars, merges and limits."""

from __future__ import annotations

import contextlib
import math

import pytest

from sovbundle.spec.yamlpos import REFUSED, Mark, YamlIssue, YamlReadError, parse_yaml


def test_values_and_positions() -> None:
    parsed = parse_yaml("a:\n  b: [1, {c: x}]\n'd': \"e\"\n")
    root = parsed.root
    assert root is not None and parsed.issues == []
    assert root.value == {"a": {"b": [1, {"c": "x"}]}, "d": "e"}
    assert root.key_marks == {"a": Mark(1, 1), "d": Mark(3, 1)}
    b = root.children["a"].children["b"]
    assert b.mark == Mark(2, 6)
    assert b.children[1].key_marks["c"] == Mark(2, 11)
    assert b.children[1].children["c"].mark == Mark(2, 14)


def test_yaml_12_core_schema() -> None:
    text = (
        "[true, False, yes, no, on, NO, ~, null, '', 12, -3, 0o17, 0x1f, 1e3, .5, "
        "1:30, 2024-01-01, .inf, -.Inf, '7', !!float 2, !!str 3]"
    )
    root = parse_yaml(text).root
    assert root is not None
    values = root.value
    assert values[:9] == [True, False, "yes", "no", "on", "NO", None, None, ""]
    assert values[9:15] == [12, -3, 15, 31, 1000.0, 0.5]
    assert values[15:17] == ["1:30", "2024-01-01"]
    assert values[17] == math.inf and values[18] == -math.inf
    assert values[19:] == ["7", 2.0, "3"]
    assert isinstance(values[20], float)


def test_keys_are_the_text_written() -> None:
    root = parse_yaml("yes: 1\n2: b\nnull: c\n").root
    assert root is not None and root.value == {"yes": 1, "2": "b", "null": "c"}


def test_merge_keys_explicit_keys_win() -> None:
    text = "base: &b {x: 1, y: 2}\nmore: &m {z: 3, x: 9}\nc:\n  <<: [*b, *m]\n  y: 5\n"
    root = parse_yaml(text).root
    assert root is not None
    assert root.value["c"] == {"y": 5, "x": 1, "z": 3}
    # A merged key points where it was written, in the anchor.
    assert root.children["c"].key_marks["x"] == Mark(1, 11)


def test_long_anchor_names_work() -> None:
    name = "a" * 100
    root = parse_yaml(f"x: &{name} [1, 2]\ny: *{name}\n").root
    assert root is not None and root.value["y"] == [1, 2]


def test_duplicate_keys_and_bad_tags_are_issues_not_stops() -> None:
    parsed = parse_yaml("a: 1\nb: !!python/tuple [1]\na: 2\nc: !!int x\n")
    assert parsed.root is not None
    assert parsed.root.value == {"a": 1, "b": REFUSED, "c": REFUSED}
    assert parsed.issues == [
        YamlIssue(Mark(2, 4), parsed.issues[0].message),
        YamlIssue(Mark(3, 1), "duplicate key 'a' (first defined at 1:1)"),
        YamlIssue(Mark(4, 4), "'x' is not a valid !!int value"),
    ]
    assert "tag '!!python/tuple' is not allowed" in parsed.issues[0].message


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("a: [[[1]]]\n", Mark(1, 6), "nesting deeper than 3 levels"),
        ("a: &a [1, 2]\nb: [*a, *a, *a]\n", Mark(2, 13), "aliases expand to more than 8 values"),
        ("a: &a [*a]\n", Mark(1, 8), "recursive alias '*a'"),
        ("a: *nope\n", Mark(1, 4), "unknown alias '*nope'"),
        ("a: 1\n--- \nb: 2\n", Mark(2, 1), "a second YAML document"),
        ("a: b\x1bc\n", Mark(1, 5), "control character U+001B"),
        ("[" + "1, " * 30 + "]", Mark(1, 53), "more than 20 values"),
    ],
)
def test_reading_stops_with_a_located_error(text: str, where: Mark, message: str) -> None:
    with pytest.raises(YamlReadError) as caught:
        parse_yaml(text, max_depth=3, max_alias_nodes=8, max_nodes=20)
    assert caught.value.mark == where
    assert message in caught.value.message


def test_no_document() -> None:
    parsed = parse_yaml("# nothing\n")
    assert parsed.root is None and parsed.issues == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # The words: exact spellings only.
        ("Null", None),
        ("NULL", None),
        ("nULL", "nULL"),
        ("TRUE", True),
        ("tRUE", "tRUE"),
        ("FALSE", False),
        ("False", False),
        # Text that starts like a number but is none stays text.
        ("-", "-"),
        ("+", "+"),
        (".", "."),
        ("0x", "0x"),
        ("0o8", "0o8"),
        ("1_000", "1_000"),
        ("1" * 70 + "a", "1" * 70 + "a"),
        ("x" * 70, "x" * 70),
        ("-.inf-", "-.inf-"),
        # Numbers in every form of the core schema.
        ("+1", 1),
        ("-0", 0),
        ("007", 7),
        ("-.5", -0.5),
        ("1.", 1.0),
        ("+1e-2", 0.01),
        ("0o777", 511),
        ("0xFf", 255),
        ("+.INF", math.inf),
    ],
)
def test_plain_scalars_resolve_as_the_core_schema_says(text: str, value: object) -> None:
    root = parse_yaml(f"[{text}]").root
    assert root is not None
    assert root.value == [value]
    assert type(root.value[0]) is type(value)
    assert root.children[0].text == text


def test_a_long_numeral_is_refused_where_it_starts() -> None:
    parsed = parse_yaml(f"a: [x, -{'1' * 70}]\n")
    assert parsed.root is not None and parsed.root.value == {"a": ["x", REFUSED]}
    assert parsed.issues == [YamlIssue(Mark(1, 8), "number too long (71 characters)")]


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("text", ["a: [1, {b: 2}]\n", "a: *nope\n", "a: [\n"])
def test_the_garbage_collector_is_left_as_it_was(enabled: bool, text: str) -> None:
    """Reading pauses the cyclic collector (it only re-scans the growing tree), and resumes it
    as it was, whether the text reads or not."""
    import gc

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        with contextlib.suppress(YamlReadError):
            parse_yaml(text)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_paused_gc_pauses_and_restores() -> None:
    import gc

    from sovbundle.spec.yamlpos import paused_gc

    assert gc.isenabled()
    with pytest.raises(KeyError), paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block leaves it paused for the outer one
        raise KeyError("x")
    assert gc.isenabled()
