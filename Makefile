# propdesk: two commands on a fresh machine: `make run`, `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast bench lint setup clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	bash scripts/install-cjk-font.sh
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	test -f propdesk.db || $(BIN)/propdesk init --demo
	$(BIN)/propdesk db upgrade
	@echo "API token for the demo front desk (王芳): $$($(BIN)/propdesk token create --staff 王芳 2>/dev/null)"
	$(BIN)/propdesk serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

# the developer's loop: everything but the tests marked slow (notebooks, servers, fuzzing,
# Erlang runs, concurrency); CI and `make test` run them all
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP)
	bash scripts/install-wrk.sh
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) propdesk.db .pytest_cache .hypothesis
