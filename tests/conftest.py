"""Shared test helpers: small, explicit builders of providers, regions and offers."""

from __future__ import annotations

import os

# Stable, colourless rich output in every test, whatever terminal runs them.
os.environ.setdefault("NO_COLOR", "1")
os.environ["COLUMNS"] = "200"
os.environ.pop("FORCE_COLOR", None)
