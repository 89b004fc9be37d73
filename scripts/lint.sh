#!/usr/bin/env bash
# The habits as checks (`make lint`): ruff, then the import contracts, then mypy; each from .venv,
# configured in pyproject.toml. Stops at the first check that fails and says which one.
set -uo pipefail
cd "$(dirname "$0")/.."

run() {
  local name=$1
  shift
  echo "== $name"
  "$@"
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "lint: $name failed (exit status $rc): fix the findings above, then run 'make lint' again." >&2
    exit "$rc"
  fi
}

run "ruff check (pyflakes, pycodestyle, isort, bugbear, pyupgrade, django …)" .venv/bin/ruff check
run "lint-imports (the one-way order of the apps, no feature imports another's views, no cycles)" \
  .venv/bin/lint-imports
run "mypy with django-stubs (core, accounts, every services.py and permissions.py)" bash scripts/typecheck.sh
echo "lint: all checks passed."
