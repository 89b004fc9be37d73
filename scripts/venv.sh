#!/usr/bin/env bash
# Create .venv with a Python >= 3.12 (once) and install the project with its test extra.
# The Makefile calls this again whenever pyproject.toml is newer than the install stamp.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-.venv}

if [ -x "$venv/bin/python" ] && ! "$venv/bin/python" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
  echo "Removing $venv: its Python is missing or older than 3.12."
  rm -rf "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
  python=$(bash scripts/find-python.sh)
  echo "Creating $venv with $python ($("$python" -c 'import platform; print(platform.python_version())'))"
  "$python" -m venv "$venv"
fi
echo "Installing the project and its pinned dependencies into $venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[test]'
