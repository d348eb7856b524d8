"""The bundle language: the spec model, YAML positions, messages and the loader (pure)."""
