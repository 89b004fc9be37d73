#!/usr/bin/env bash
# mypy (with django-stubs) on shouwang/core, shouwang/accounts and every services.py and permissions.py.
# The list is collected here, so a new feature package is checked as soon as it has either file.
# Options come from [tool.mypy] in pyproject.toml; extra arguments are passed on to mypy.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(
  find shouwang \( -name migrations -o -name tests -o -name __pycache__ \) -prune -o \
    \( -name services.py -o -name permissions.py \) -type f -print \
    | grep -v -E '^shouwang/(core|accounts)/' | sort
)
exec .venv/bin/mypy "$@" shouwang/core shouwang/accounts "${files[@]}"
