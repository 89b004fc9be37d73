# Shouwang (守望): the two commands are `make demo` (set up, then serve on 127.0.0.1:8000)
# and `make test` (the whole suite, on SQLite and on a throw-away PostgreSQL server).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed

DEMO_HOUSEHOLDS ?= 20000
DEMO_SEED ?= 20240601
DEMO_YEARS ?= 2021-2025
DEMO_REPLACE ?=
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=

.PHONY: help venv setup demo screenshots lint test test-sqlite test-browser test-postgres system-packages clean

help:
	@echo "make demo    set everything up (below) and serve on http://$(HOST):$(PORT)/"
	@echo "make setup   .venv, data key, database, Luxi regions, $(DEMO_HOUSEHOLDS) demo households and their years played"
	@echo "             through the services (lines, feeds, screening, visits, cases, eliminations, supervision), demo users"
	@echo "make screenshots  docs/screenshots/*.png of the set-up demo (headless Chromium)"
	@echo "make test    the whole test suite on SQLite, then on a throw-away PostgreSQL server"
	@echo "make lint    ruff, the import contracts (lint-imports) and mypy, as configured in pyproject.toml"
	@echo "variables:   DEMO_HOUSEHOLDS=N DEMO_SEED=S DEMO_REPLACE=1 HOST=… PORT=… PYTEST_WORKERS=N PYTEST_ARGS=…"

venv: $(STAMP)

# (Re)install when pyproject.toml changes; the venv itself is created once.
$(STAMP): pyproject.toml
	@bash scripts/venv.sh $(VENV)
	@touch $@

setup: venv
	$(MANAGE) init_keys
	$(MANAGE) migrate --noinput
	$(MANAGE) load_regions
	$(MANAGE) seed_demo --households $(DEMO_HOUSEHOLDS) --seed $(DEMO_SEED) --years $(DEMO_YEARS) $(if $(DEMO_REPLACE),--replace)
	$(MANAGE) create_demo_users
	$(MANAGE) refresh_dashboards

# The README's screenshots, from the set-up demo; tests never write to docs/screenshots/.
screenshots: setup
	$(PY) scripts/screenshots.py --out docs/screenshots

demo: setup
	@bash scripts/serve.sh $(HOST) $(PORT)

system-packages:
	@bash scripts/system-packages.sh

# ruff, then the import-linter contracts, then mypy (scripts/lint.sh stops at the first that fails).
lint: venv
	bash scripts/lint.sh

test: system-packages venv
	@$(MAKE) --no-print-directory lint test-sqlite test-browser test-postgres

test-sqlite: venv
	bash scripts/pytest.sh -n $(PYTEST_WORKERS) -m "not browser" $(PYTEST_ARGS)

# Browser tests start a live server and a real Chromium: one process, no xdist.
test-browser: venv
	bash scripts/pytest.sh -p no:xdist -m browser $(PYTEST_ARGS)

test-postgres: venv
	bash scripts/pg-test.sh -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

clean:
	rm -rf build .pytest_cache
	find shouwang bench -name __pycache__ -type d -prune -exec rm -rf {} +
