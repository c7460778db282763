# Two entry points for a fresh machine: `make maps` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
REGISTRY ?= data/monuments.geojson
OUT    ?= maps

.PHONY: maps test venv test-deps lint bench clean

$(BIN)/symbols: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

venv: $(BIN)/symbols

maps: venv
	$(BIN)/symbols validate --strict $(REGISTRY)
	$(BIN)/symbols build $(REGISTRY) --out $(OUT)

$(BIN)/.test-deps: $(BIN)/symbols
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

test-deps: $(BIN)/.test-deps

test: test-deps
	$(BIN)/python -m pytest

lint: test-deps
	$(BIN)/ruff check src tests benchmarks

bench: venv
	$(BIN)/python benchmarks/scale.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
