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
# Empty: the synthetic registry with its years played (seed_demo). national: the demo county taken over
# from a synthetic national-system export instead (make_national_export, then import_national).
DEMO_FROM ?=
DEMO_COUNTY ?= 433122
DEMO_LAST_YEAR := $(lastword $(subst -, ,$(DEMO_YEARS)))
VAR_DIR := $(or $(SHOUWANG_VAR_DIR),var)
NATIONAL_EXPORT := $(VAR_DIR)/national-demo-$(DEMO_COUNTY)-$(DEMO_HOUSEHOLDS)-$(DEMO_SEED)-$(DEMO_LAST_YEAR).xlsx
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
WHEELHOUSE ?= wheelhouse

.PHONY: help venv setup demo screenshots lint test test-sqlite test-browser test-postgres system-packages clean wheelhouse prod-check

help:
	@echo "make demo    set everything up (below) and serve on http://$(HOST):$(PORT)/"
	@echo "make setup   .venv, data key, database, Luxi regions, $(DEMO_HOUSEHOLDS) demo households and their years played"
	@echo "             through the services (lines, feeds, screening, visits, cases, eliminations, supervision), demo users"
	@echo "             DEMO_FROM=national: instead, the demo county taken over from a synthetic national-system export"
	@echo "             of $(DEMO_HOUSEHOLDS) households (written to $(VAR_DIR)/, imported with import_national --year $(DEMO_LAST_YEAR))"
	@echo "make screenshots  docs/screenshots/*.png of the set-up demo (headless Chromium)"
	@echo "make test    the whole test suite on SQLite, then on a throw-away PostgreSQL server"
	@echo "make lint    ruff, the import contracts (lint-imports) and mypy, as configured in pyproject.toml"
	@echo "make prod-check  the production settings: check --deploy, then gunicorn serving them (smoke test)"
	@echo "make wheelhouse  $(WHEELHOUSE)/: every wheel for an offline install on a closed network (docs/deploy.md)"
	@echo "variables:   DEMO_HOUSEHOLDS=N DEMO_SEED=S DEMO_YEARS=2021-2025 DEMO_REPLACE=1 DEMO_FROM=national HOST=… PORT=…"
	@echo "             PYTEST_WORKERS=N PYTEST_ARGS=…"

venv: $(STAMP)

# (Re)install when pyproject.toml changes; the venv itself is created once.
$(STAMP): pyproject.toml
	@bash scripts/venv.sh $(VENV)
	@touch $@

setup: venv
	$(MANAGE) init_keys
	$(MANAGE) migrate --noinput
	$(MANAGE) load_regions
ifeq ($(DEMO_FROM),national)
# The same households and seed give the same file: it is written once, and importing it again changes nothing.
	test -f $(NATIONAL_EXPORT) || $(MANAGE) make_national_export $(NATIONAL_EXPORT) --county $(DEMO_COUNTY) \
		--households $(DEMO_HOUSEHOLDS) --seed $(DEMO_SEED) --year $(DEMO_LAST_YEAR)
	$(MANAGE) seed_demo --lines-only --years $(DEMO_YEARS) --county $(DEMO_COUNTY)
	$(MANAGE) import_national $(NATIONAL_EXPORT) --year $(DEMO_LAST_YEAR)
else ifeq ($(DEMO_FROM),)
	$(MANAGE) seed_demo --households $(DEMO_HOUSEHOLDS) --seed $(DEMO_SEED) --years $(DEMO_YEARS) $(if $(DEMO_REPLACE),--replace)
else
	$(error DEMO_FROM is "$(DEMO_FROM)": leave it empty (the synthetic registry) or set it to national)
endif
	$(MANAGE) seed_revitalization --county $(DEMO_COUNTY) --year $(DEMO_LAST_YEAR) --seed $(DEMO_SEED)
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

# The production path (docs/deploy.md): Django's deployment check and a smoke test of gunicorn with
# deploy/gunicorn.conf.py on a temporary database; and the offline install bundle (the pinned
# dependencies' wheels, Shouwang's wheel, deploy/), installed with deploy/install-offline.sh.
prod-check: venv
	$(PY) scripts/prod_check.py

wheelhouse: venv
	bash scripts/wheelhouse.sh $(WHEELHOUSE)

clean:
	rm -rf build .pytest_cache
	find shouwang bench -name __pycache__ -type d -prune -exec rm -rf {} +
