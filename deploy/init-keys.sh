#!/usr/bin/env bash
# Create Shouwang's key files once (manage.py init_keys: the data key, the audit key, the backup key)
# at the paths the environment file names, owned by root, readable by the service's group only.
# An existing key is never overwritten.
#
#   sudo bash init-keys.sh [ENV_FILE] [VENV]
#
# Production refuses to start until the keys exist, so init_keys runs here once in development mode
# with a throw-away var folder; only the *_KEY_FILE paths are taken from the environment file.
set -euo pipefail
env_file=${1:-/etc/shouwang/shouwang.env}
venv=${2:-/opt/shouwang/venv}
group=${SHOUWANG_GROUP:-shouwang}

if [ "$(id -u)" -ne 0 ]; then
  echo "init-keys: run it with sudo." >&2
  exit 1
fi
read_var() { sed -n "s/^$1=//p" "$env_file" | tail -n 1; }
keys=()
for name in SHOUWANG_DATA_KEY_FILE SHOUWANG_AUDIT_KEY_FILE SHOUWANG_BACKUP_KEY_FILE; do
  path=$(read_var "$name")
  if [ -z "$path" ]; then
    echo "init-keys: $env_file does not set $name." >&2
    exit 1
  fi
  keys+=("$name=$path")
  install -d -m 0750 -o root -g "$group" "$(dirname "$path")"
done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
(umask 077; env -i PATH=/usr/bin:/bin LANG=C.UTF-8 SHOUWANG_ENV=development SHOUWANG_VAR_DIR="$scratch" \
  DJANGO_SETTINGS_MODULE=shouwang.settings "${keys[@]}" "$venv/bin/django-admin" init_keys)
for entry in "${keys[@]}"; do
  path=${entry#*=}
  if [ -f "$path" ]; then
    chown root:"$group" "$path"
    chmod 0640 "$path"
  else
    echo "init-keys: init_keys did not create $path (${entry%%=*}); create it as the README says." >&2
    exit 1
  fi
done
ls -l "${keys[@]#*=}"
