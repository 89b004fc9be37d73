#!/usr/bin/env bash
# Serve the demo: the background-task worker and the scheduler of the periodic jobs in the
# background, the web server in the foreground; stopping the server (Ctrl-C) stops the others too.
set -euo pipefail
cd "$(dirname "$0")/.."
host=${1:-127.0.0.1}
port=${2:-8000}

.venv/bin/python manage.py run_worker &  # the task worker, restarted if it dies
worker=$!
.venv/bin/python manage.py run_scheduler &
scheduler=$!
trap 'kill "$worker" "$scheduler" 2>/dev/null || true; wait "$worker" "$scheduler" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM

cat <<MSG

  Shouwang (守望) is starting on  http://$host:$port/
  Log in with one of the demo users printed above by create_demo_users
  (new passwords: .venv/bin/python manage.py create_demo_users --reset).
  Background worker (supervised): pid $worker; scheduler of the periodic jobs: pid $scheduler.
  Stop them all with Ctrl-C.

MSG
.venv/bin/python manage.py runserver "$host:$port"
