#!/usr/bin/env bash
# Run pytest from .venv; "no tests collected" (exit status 5) is a failure, never a silent pass.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests (pytest $*): failing, a test run that tests nothing is not a pass." >&2
  exit 1
fi
exit "$rc"
