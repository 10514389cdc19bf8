# Yangtze River Delta credit gateway: the two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test query-cases bench schema lint ide-assets clean-demo

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

schema: install
	$(BIN)/yrd-gateway schema > schema.graphql

lint: install
	$(BIN)/ruff check .

clean-demo:
	rm -rf .demo
