# Two entry points for a fresh machine: `make maps` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
REGISTRY ?= data/monuments.geojson
OUT    ?= maps
# extra dated maps beside the ones chosen from the data: the eve of the January 2022 unrest
SNAPSHOTS ?= 2022-01-01

.PHONY: maps test venv test-deps lint bench clean

$(BIN)/symbols: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

venv: $(BIN)/symbols

maps: venv
	$(BIN)/symbols validate --strict $(REGISTRY)
	$(BIN)/symbols build $(REGISTRY) --out $(OUT) $(foreach day,$(SNAPSHOTS),--snapshot $(day))

$(BIN)/.test-deps: $(BIN)/symbols
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

# the pinned Leaflet files the browser tests serve in place of the CDN (package.json)
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

test-deps: $(BIN)/.test-deps node_modules/.package-lock.json

test: test-deps
	$(BIN)/python -m pytest

lint: test-deps
	$(BIN)/ruff check src tests benchmarks

bench: venv
	$(BIN)/python benchmarks/scale.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
