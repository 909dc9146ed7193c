# Two set-up commands work on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-quick venv bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	@$(BIN)/python scripts/demo.py

# ruff first, so a lint finding fails `make test` (and .ci/run) before the slow part.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The unit tests alone (~30 s): no real command, sandbox, web server or browser started.
test-quick: $(STAMP)
	$(BIN)/python -m pytest -q -m "not e2e and not browser and not slow" $(PYTEST_ARGS)

bench: $(STAMP)
	@for s in benchmarks/*.py; do echo "== $$s"; $(BIN)/python $$s || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
