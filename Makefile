# Two commands do all set-up: `make run` and `make test`. Both create .venv when it is missing.
# `make run` installs the server (the `server` extra; the base install is the conformance kit alone);
# `make test` adds the test extra (pytest-xdist, ruff, ...).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUM    := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
RUNTIME := $(VENV)/.installed-runtime-$(SUM)
TESTING := $(VENV)/.installed-test-$(SUM)

.PHONY: run test test-deep lint bench bench-scale bench-large clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The test install includes the runtime, so it satisfies `make run` too.
$(RUNTIME): pyproject.toml | $(BIN)/python
	if [ -f $(TESTING) ]; then touch $@; else \
	  $(BIN)/python -m pip install --quiet -e '.[server]' && rm -f $(VENV)/.installed-runtime-* && touch $@; fi

$(TESTING): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[server,test]'
	rm -f $(VENV)/.installed-*
	touch $@ $(RUNTIME)

run: $(RUNTIME)
	$(BIN)/mock-ic serve $(ARGS)

# Tests run in one pytest-xdist worker per CPU (each worker has its own server, database and tenants);
# PYTEST_ARGS="-n 0" runs them in one process, e.g. to reproduce a failure with -x.
PYTEST_ARGS ?= -n auto

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-deep: $(TESTING)
	HYPOTHESIS_PROFILE=deep $(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff, the import contracts of pyproject.toml's [tool.importlinter] (the layering of docs/architecture.md),
# and hadolint on the Dockerfile
lint: $(TESTING)
	$(BIN)/ruff check mock_ic conformance tests benchmarks
	$(BIN)/lint-imports --no-cache
	$(BIN)/hadolint --failure-threshold warning Dockerfile

# The serving benchmark (benchmarks/passback_paths.py): mock-ic against plain Flask on gunicorn (the `bench`
# extra) and Stoplight Prism (which the benchmark installs with `npm ci` into benchmarks/prism when missing).
# BENCH_ARGS="--seconds 2" for a quick run; results and the command of record: benchmarks/BENCHMARKS.md.
BENCHING := $(VENV)/.installed-bench-$(SUM)
BENCH_ARGS ?=

$(BENCHING): $(TESTING)
	$(BIN)/python -m pip install --quiet -e '.[server,test,bench]'
	touch $@

bench: $(BENCHING)
	$(BIN)/python benchmarks/passback_paths.py $(BENCH_ARGS)

# The scale-out benchmark (benchmarks/scale_out.py): GET and PUT req/s of 1, 2 and 4 `mock-ic serve` processes
# on one SQLite file and on one PostgreSQL database (a throwaway cluster: Debian's postgresql binaries).
# BENCH_ARGS="--seconds 2 --rounds 1" for a quick run (~1 min); the default run takes about 6 minutes.
bench-scale: $(BENCHING)
	$(BIN)/python benchmarks/scale_out.py $(BENCH_ARGS)

# The district-sized benchmark (benchmarks/large_district.py, issue 17): `mock-ic seed --recipe large` (1.44M
# documents, 1M results), then paging, filters, a walk, PUTs during a walk, snapshot and restore, on SQLite and
# PostgreSQL (about 10 minutes). BENCH_ARGS="--results 100000 --databases sqlite" for a quick run.
bench-large: $(TESTING)
	$(BIN)/python benchmarks/large_district.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
