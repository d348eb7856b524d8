"""Fuzzing the bundle loader: whatever the bytes, only BundleError may come out of it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sovbundle.errors import BundleError, SpecIssue
from sovbundle.spec.loader import parse_bundle
from sovbundle.spec.model import BundleSpec

SEED = b"""\
version: 1
name: fuzz
constraints: {countries: [FR], eu_jurisdiction: true}
policy: {min_providers: 2, max_provider_share: 0.6}
components:
  web: &w {kind: app, runtime: python, instances: 2}
  api:
    kind: vm
    count: 3
    gpus: 1
    gpu_memory_gb: 24
  db: {kind: database, engine: postgresql, certifications: [hds]}
  copy: {<<: *w, instances: 1}
links:
  - {from: web, to: db, gb_month: 200, colocate: provider}
  - from: db
    to: api
    apart: region
"""
# Characters that mean something to YAML, to mutate the seed where it hurts.
SPECIAL = [*":-[]{}&*!|>'\"#%@`,?~\t\n \\", "\ufeff", "\x00", "\u2028", "é", "---"]
PARSERS = ["libyaml", "pure"] if yaml.__with_libyaml__ else ["pure"]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def parser(kind: str) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        if kind == "pure":
            patch.setattr(yaml, "__with_libyaml__", False)
        yield


def only_bundle_errors(raw: bytes) -> None:
    """Load ``raw``; a BundleError must carry well-formed issues, anything else fails."""
    try:
        spec = parse_bundle(raw, "fuzz.yaml")
    except BundleError as exc:
        assert exc.issues
        for issue in exc.issues:
            assert isinstance(issue, SpecIssue)
            assert issue.line >= 0 and issue.column >= 0
            assert issue.message and "\n" not in issue.message
            assert len(issue.message) < 1000
        return
    assert isinstance(spec, BundleSpec)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    text = SEED.decode()
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        piece = draw(st.sampled_from(SPECIAL) | st.text(max_size=3))
        if action == "insert":
            text = text[:at] + piece + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        elif action == "replace":
            text = text[:at] + piece + text[at + 1 :]
        else:
            line_start = text.rfind("\n", 0, at) + 1
            line_end = text.find("\n", at)
            line = text[line_start : line_end if line_end >= 0 else len(text)]
            text = text[:line_start] + line + "\n" + text[line_start:]
    return text.encode("utf-8", errors="surrogatepass")


scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
documents = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["version", "name", "components", "links", "kind", "web", "from", "to"])
            | st.text(max_size=6),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@pytest.mark.parametrize("kind", PARSERS)
@FUZZ
@given(raw=st.binary(max_size=400))
def test_random_bytes(kind: str, raw: bytes) -> None:
    with parser(kind):
        only_bundle_errors(raw)


@pytest.mark.parametrize("kind", PARSERS)
@FUZZ
@given(text=st.text(max_size=300))
def test_random_text(kind: str, text: str) -> None:
    with parser(kind):
        only_bundle_errors(text.encode("utf-8", errors="surrogatepass"))


@pytest.mark.parametrize("kind", PARSERS)
@FUZZ
@given(raw=mutated())
def test_mutated_bundle(kind: str, raw: bytes) -> None:
    with parser(kind):
        only_bundle_errors(raw)


@pytest.mark.parametrize("kind", PARSERS)
@FUZZ
@given(data=documents)
def test_arbitrary_yaml_documents(kind: str, data: object) -> None:
    raw = yaml.safe_dump(data, allow_unicode=True).encode()
    with parser(kind):
        only_bundle_errors(raw)


def test_the_seed_itself_is_valid() -> None:
    only_bundle_errors(SEED)
    spec = parse_bundle(SEED, "seed.yaml")
    assert spec.components["copy"].kind == "app"
