"""sovbundle: the cheapest sovereign cloud bundle across French providers, proven optimal."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
