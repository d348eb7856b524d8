# One command runs every check: `make check` (lint, types, tests). CI runs the same.
PYTHON ?= python3

.PHONY: check lint types test snapshot snapshot-check schema bench bench-quick

check: lint types test

lint:
	$(PYTHON) -m ruff check src tests $(wildcard bench)
	$(PYTHON) -m ruff format --check src tests $(wildcard bench)

types:
	$(PYTHON) -m mypy

test:
	$(PYTHON) -m pytest -q

bench:
	PYTHONPATH=src:. $(PYTHON) -m bench

bench-quick:
	PYTHONPATH=src:. $(PYTHON) -m bench --quick

snapshot:
	$(PYTHON) -m sovbundle.refresh.snapshot

snapshot-check:
	$(PYTHON) -m sovbundle.refresh.snapshot --check

schema:
	$(PYTHON) -m sovbundle schema -o schema/bundle.schema.json
	$(PYTHON) -m sovbundle schema --price-book -o schema/pricebook.schema.json
