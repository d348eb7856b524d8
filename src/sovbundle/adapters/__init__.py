"""Provider adapters, one module per provider, loaded on demand (they import httpx)."""

from __future__ import annotations

import importlib
from typing import cast

from sovbundle.adapters.base import Adapter
from sovbundle.models import PROVIDER_IDS

__all__ = ["get_adapter"]


def get_adapter(provider_id: str) -> Adapter:
    """The adapter module of a provider id from ``PROVIDER_IDS``."""
    if provider_id not in PROVIDER_IDS:
        raise KeyError(provider_id)
    return cast(Adapter, importlib.import_module(f"sovbundle.adapters.{provider_id}"))
