#!/usr/bin/env bash
# Run the test suite (browser tests excepted: they ran on SQLite) against a real PostgreSQL
# server: a throw-away cluster under build/pg on a free port of 127.0.0.1, stopped and removed
# on exit. Where PostgreSQL is not installed or cannot start, say why and skip (exit 0).
# Arguments are passed to pytest.
#
# With --run, the rest of the line is a command to run against that server instead of the
# suite (the benchmarks: `bash scripts/pg-test.sh --run .venv/bin/python bench/screening.py
# --database postgresql`); the SHOUWANG_DB_* variables name the empty database.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

skip() { echo "PostgreSQL tests skipped: $*"; exit 0; }

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] || bindir=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
[ -x "$bindir/initdb" ] || skip "initdb not found (install the Debian package postgresql)."

# PostgreSQL refuses to run as root: then the cluster belongs to the postgres system user.
as=()
base="$root/build/pg"
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || skip "running as root and there is no postgres system user to own the cluster."
  as=(runuser -u postgres -- env --chdir=/)
fi
rm -rf "$base"
mkdir -p "$base"
if [ ${#as[@]} -gt 0 ]; then
  chown postgres "$base"
  if ! "${as[@]}" test -w "$base"; then
    # A parent folder is closed to the postgres user (e.g. a clone inside a private mktemp folder).
    base=$(mktemp -d /tmp/shouwang-pg.XXXXXX)
    chown postgres "$base"
    echo "(build/pg is not reachable for the postgres user; using $base)"
  fi
fi
data="$base/data"
sock="$base/sock"
log="$base/server.log"
"${as[@]}" mkdir -p "$sock"

port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
  "${as[@]}" "$bindir/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$base"
}
trap stop EXIT

"${as[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$base/initdb.log" 2>&1 \
  || "${as[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >"$base/initdb.log" 2>&1 \
  || { cat "$base/initdb.log"; skip "initdb failed (log above)."; }
if ! "${as[@]}" "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 \
     -o "-c listen_addresses=127.0.0.1 -p $port -k $sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
     start >/dev/null; then
  cat "$log" 2>/dev/null
  skip "the server did not start (log above)."
fi

psql=("${as[@]}" "$bindir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1)
# pg_checkpoint: the screening benchmark settles the server after loading (bench/screening.py).
"${psql[@]}" -c "CREATE ROLE shouwang LOGIN CREATEDB PASSWORD 'shouwang'" \
  && "${psql[@]}" -c "GRANT pg_checkpoint TO shouwang" \
  && "${psql[@]}" -c "CREATE DATABASE shouwang OWNER shouwang" \
  || skip "could not create the role and database."
export SHOUWANG_DB_ENGINE=postgresql SHOUWANG_DB_NAME=shouwang SHOUWANG_DB_USER=shouwang \
  SHOUWANG_DB_PASSWORD=shouwang SHOUWANG_DB_HOST=127.0.0.1 SHOUWANG_DB_PORT=$port
if [ "${1:-}" = "--run" ]; then
  shift
  echo "PostgreSQL $("${psql[@]}" -At -c 'SHOW server_version') on 127.0.0.1:$port: $*"
  "$@"
  exit $?
fi
echo "PostgreSQL $("${psql[@]}" -At -c 'SHOW server_version') on 127.0.0.1:$port: running the suite"
bash scripts/pytest.sh -m "not browser" "$@"
