"""Live catalog refresh and the snapshot build: the only network I/O."""
