# Two commands do all set-up: `make run` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test test-deep lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/mock-ic serve $(ARGS)

# Tests run in one pytest-xdist worker per CPU (each worker has its own server, database and tenants);
# PYTEST_ARGS="-n 0" runs them in one process, e.g. to reproduce a failure with -x.
PYTEST_ARGS ?= -n auto

test: $(STAMP)
	$(BIN)/ruff check mock_ic conformance tests benchmarks
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-deep: $(STAMP)
	HYPOTHESIS_PROFILE=deep $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check mock_ic conformance tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/passback_paths.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
