# Two commands matter: `make run` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-unit bench lint typecheck check migrate schemas docs clean install system-deps

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,localstack]'
	touch $(STAMP)

install: $(STAMP)
	scripts/system-deps.sh runtime

## Whole system on 127.0.0.1: Postgres, Tansu, SeaweedFS, API on :8080, two render workers, demo data.
run: install
	$(PY) -m devtools.local_system

## The README's test command; CI runs exactly this. The tests start their own stack.
test: $(STAMP)
	scripts/system-deps.sh test
	$(PY) -m pytest -q

test-unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

bench: install
	scripts/system-deps.sh bench
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) -m bench

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

check: lint typecheck test

migrate: $(STAMP)
	$(VENV)/bin/labels-admin migrate

schemas: $(STAMP)
	$(VENV)/bin/labels-admin export-schemas schemas/events

## Regenerates docs/api.md from the OpenAPI document (a test fails when it is stale).
docs: $(STAMP)
	$(PY) scripts/gen_api_docs.py

clean:
	rm -rf .run test-artifacts .pytest_cache .mypy_cache .ruff_cache
