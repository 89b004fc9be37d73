#!/usr/bin/env bash
# Print the path of a Python >= 3.12 that really runs (Django 6 needs it), or explain what to
# install and exit 1. Order: $PYTHON, python3.13 and python3.12 on PATH, pyenv's installed
# versions (newest first), then python3. pyenv shims for versions that are not selected exist
# on PATH but fail when run, so every candidate is run, not just looked up.
set -u

usable() {
  "$1" - >/dev/null 2>&1 <<'PY'
import sys
assert sys.version_info >= (3, 12)
import ensurepip, sqlite3, ssl, venv  # noqa: F401  (venv and pip need these; Django 6.1 needs SQLite >= 3.37)
assert sqlite3.sqlite_version_info >= (3, 37)
PY
}

candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
candidates+=(python3.13 python3.12)
for dir in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]* 2>/dev/null | sort -V -r); do
  candidates+=("$dir/bin/python")
done
candidates+=(python3)

for c in "${candidates[@]}"; do
  path=$(command -v "$c" 2>/dev/null) || continue
  if usable "$path"; then
    echo "$path"
    exit 0
  fi
done

cat >&2 <<'MSG'
No Python 3.12 or newer was found (tried $PYTHON, python3.13, python3.12, pyenv versions, python3).
Django 6 needs Python >= 3.12 with the venv, ssl and sqlite3 (>= 3.37) modules. Install one, e.g.
  Debian/Ubuntu:  apt-get install python3.12 python3.12-venv   (where the release has it)
  pyenv:          pyenv install 3.12
then run make again, or point to it explicitly:  make PYTHON=/path/to/python3.12 ...
MSG
exit 1
