# Two commands: `make run` (set up, seed the demo if empty, serve) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint schema docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[recommend,test,tracing]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/skillpath serve

test: $(STAMP)
	bash scripts/test-prerequisites.sh
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

schema: $(STAMP)
	$(BIN)/skillpath export-schema schema.graphql

# The access tables in docs/trust.md, generated from app/access (a test compares them).
docs: $(STAMP)
	$(BIN)/python -c 'from app.access.tables import refresh; refresh("docs/trust.md")'

# The foundation's benchmarks (figures and how to read them: docs/benchmarks.md).
bench: $(STAMP)
	$(BIN)/python -m bench.bench_enroll
	$(BIN)/python -m bench.bench_replay
	$(BIN)/python -m bench.bench_http_queries

clean:
	rm -rf $(VENV) var .pytest_cache
