"""Test helpers shared by every test folder: a local HTTP server, synthetic catalogs, fakes."""
