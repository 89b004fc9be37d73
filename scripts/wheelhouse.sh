#!/usr/bin/env bash
# Build the offline install bundle for a closed network (docs/deploy.md): the wheel of every pinned
# dependency (at the versions installed in .venv, which the tests ran against) and Shouwang's own
# wheel, plus a copy of deploy/. Copy the folder to the server and run deploy/install-offline.sh.
#
#   bash scripts/wheelhouse.sh [OUT]       (make wheelhouse; OUT defaults to wheelhouse/)
#
# The wheels are for this machine's Python version and platform: build with the Python the server
# runs (PYTHON=/path/to/python3.13 make wheelhouse); BUILD-INFO records which.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-wheelhouse}
python=${PYTHON:-.venv/bin/python}

rm -rf "$out"
mkdir -p "$out"
# Constraints: what .venv holds, so the transitive dependencies are the tested versions too.
constraints=$(mktemp)
trap 'rm -f "$constraints"' EXIT
.venv/bin/python -m pip freeze --disable-pip-version-check --exclude-editable | grep -v '^shouwang' >"$constraints" || true
"$python" -m pip wheel --quiet --disable-pip-version-check --no-cache-dir --constraint "$constraints" \
  --wheel-dir "$out" .
rm -rf build/lib build/bdist.* 2>/dev/null || true
mkdir -p "$out/deploy"
cp -R deploy/. "$out/deploy/"
"$python" - "$out" <<'PY'
import platform, sys, sysconfig
from pathlib import Path
out = Path(sys.argv[1])
wheels = sorted(p.name for p in out.glob("*.whl"))
(out / "BUILD-INFO").write_text(
    f"Python {platform.python_version()} ({sys.implementation.cache_tag}), platform {sysconfig.get_platform()}\n"
    "Install: sudo bash deploy/install-offline.sh  (or: pip install --no-index --find-links . shouwang)\n\n"
    + "\n".join(wheels) + "\n"
)
PY
echo "Wheelhouse: $out ($(ls "$out"/*.whl | wc -l) wheels, $(du -sh "$out" | cut -f1))"
