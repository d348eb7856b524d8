"""The declared public API is honest: every name in ``__all__`` exists, and nothing is missing."""

from __future__ import annotations

import subprocess
import sys

import sovbundle


def test_all_matches_the_lazy_exports() -> None:
    assert set(sovbundle.__all__) == {"__version__", *sovbundle._EXPORTS}


def test_every_exported_name_resolves() -> None:
    for name in sovbundle.__all__:
        assert getattr(sovbundle, name) is not None, name


def test_exported_objects_come_from_sovbundle() -> None:
    for name in sovbundle.__all__:
        value = getattr(sovbundle, name)
        if name != "__version__":
            assert value.__module__.startswith("sovbundle"), name


def test_unknown_names_raise_attribute_error() -> None:
    try:
        _ = sovbundle.not_a_member  # type: ignore[attr-defined]
    except AttributeError as exc:
        assert "not_a_member" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_dir_lists_the_public_api() -> None:
    assert set(sovbundle.__all__) <= set(dir(sovbundle))


def test_import_is_light() -> None:
    """``import sovbundle`` loads neither pydantic, httpx nor the solver."""
    code = (
        "import sys, sovbundle; "
        "print(sorted(m for m in ('pydantic', 'httpx', 'highspy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
