#!/usr/bin/env bash
# Install or upgrade Shouwang into a virtual environment from a wheelhouse (make wheelhouse), with no
# package registry: every wheel comes from the folder.
#
#   sudo bash install-offline.sh [WHEELHOUSE] [VENV]
#
# WHEELHOUSE defaults to the folder this script sits in when it is the wheelhouse's own copy
# (WHEELHOUSE/deploy/install-offline.sh), VENV to /opt/shouwang/venv. PYTHON picks the interpreter
# that creates a new venv (default python3; it must be the Python the wheelhouse was built for,
# WHEELHOUSE/BUILD-INFO says which).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
wheelhouse=${1:-$(dirname "$here")}
venv=${2:-/opt/shouwang/venv}
python=${PYTHON:-python3}

shopt -s nullglob
wheels=("$wheelhouse"/shouwang-*.whl)
if [ ${#wheels[@]} -ne 1 ]; then
  echo "install-offline: expected one shouwang-*.whl in $wheelhouse, found ${#wheels[@]}." >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "Creating $venv with $python ($("$python" -c 'import platform; print(platform.python_version())'))"
  "$python" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check --no-cache-dir)
# The dependencies at their pinned versions, then Shouwang's own wheel again even when its version
# number did not change (a rebuilt wheel of the same version is new code).
"${pip[@]}" install --quiet --no-index --find-links "$wheelhouse" "${wheels[0]}"
"${pip[@]}" install --quiet --no-index --no-deps --force-reinstall "${wheels[0]}"
"$venv/bin/python" -c 'import django, shouwang; print("Shouwang installed in", shouwang.__path__[0], "with Django", django.get_version())'
