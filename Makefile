# Yangtze River Delta credit gateway: the two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test query-cases bench bench-scale bench-soak schema lint ide-assets clean-demo

install: $(STAMP)

$(STAMP): pyproject.toml demo/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]' -e ./demo
	touch $(STAMP)

# GraphiQL's JS/CSS come from the npm registry at build time (never committed). Without npm the
# gateway still serves GraphQL and its IDE page explains how to get the assets.
ide-assets: install
	-$(BIN)/python -m gateway.ide.fetch_assets

demo: install ide-assets
	$(BIN)/yrd-gateway demo

test: install ide-assets
	$(BIN)/pytest

# Regenerate the expected answers of tests/queries/cases/*.graphql (NAME.json, or NAME.ROLE.json per
# role) from a fresh test stack; review the diff before committing it.
query-cases: install
	YRD_UPDATE_EXPECTED=1 $(BIN)/pytest -q tests/queries/test_query_cases.py

bench: install
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.index_sync
	$(BIN)/python -m bench.provinces31
	$(BIN)/python -m bench.latency
	$(BIN)/python -m bench.export
	$(BIN)/python -m bench.feed
	$(BIN)/python -m bench.workflow

# One province at DOMAIN §7 scale (100k enterprises, 2M credit records) against scale 5, with the
# query plans; not part of `make bench` or `make test`.  First run ~1.5 min (seeds and grows the
# data under .bench-scale/), later runs ~15 s.
bench-scale: install
	$(BIN)/python -m bench.scale

# RSS of a served gateway over 10 minutes at 80% of its peak requests/s (~11 min).
bench-soak: install
	$(BIN)/python -m bench.soak --minutes 10

schema: install
	$(BIN)/yrd-gateway schema > schema.graphql

lint: install
	$(BIN)/ruff check .

clean-demo:
	rm -rf .demo
