# propdesk: two commands on a fresh machine: `make run`, `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast bench lint setup clean notebooks

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	bash scripts/install-cjk-font.sh
	touch $(STAMP)

setup: $(STAMP)

# the port is checked first: a second `make run` stops with one line, having touched nothing;
# the demo token is made once with the demo site and reused (.demo-token)
run: $(STAMP)
	@$(BIN)/propdesk serve --check
	test -f propdesk.db || { $(BIN)/propdesk init --demo && rm -f .demo-token; }
	$(BIN)/propdesk db upgrade
	@test -s .demo-token || $(BIN)/propdesk token create --staff 王芳 --label demo > .demo-token
	@bash scripts/next-steps.sh
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

# JupyterLab (the `notebooks` extra) on the managers' and trainers' notebooks
notebooks: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[notebooks]'
	$(BIN)/jupyter lab --no-browser --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root) \
	    simulations/notebooks training/notebooks

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) propdesk.db .demo-token .pytest_cache .hypothesis
