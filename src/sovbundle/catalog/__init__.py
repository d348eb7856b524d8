"""Offers at rest: catalog files, the user cache, queries, and the choice between cache and
snapshot (files only, never the network)."""
