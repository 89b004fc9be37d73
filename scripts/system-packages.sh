#!/usr/bin/env bash
# Make sure the system packages the full test run uses are installed, where that is possible:
# Debian's Chromium (browser tests, driven by Playwright), CJK fonts (Chinese pages render in
# screenshots), PostgreSQL (the second database pass) and nginx (the syntax check of deploy/'s site).
# Installing needs root and apt-get;
# without them the run goes on and the tests that need a missing package are skipped.
# This script never fails the run.
set -u
packages=(chromium chromium-driver fonts-noto-cjk postgresql nginx-core)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

command -v dpkg-query >/dev/null 2>&1 || {
  echo "No dpkg on this system: browser and PostgreSQL tests run only if chromium and PostgreSQL are already installed."
  exit 0
}
missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${missing[*]} (installing them needs root and apt-get)."
  echo "Tests that need them will be skipped: browser tests without chromium/fonts-noto-cjk, the PostgreSQL pass without postgresql."
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt=(apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}")
echo "Installing system packages: ${missing[*]}"
if ! "${apt[@]}" >/dev/null 2>&1; then
  # The package lists may be missing or stale: refresh them once and try again.
  apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null 2>&1 || true
  if ! "${apt[@]}" >/dev/null 2>&1; then
    echo "Could not install ${missing[*]} with apt-get; tests that need them will be skipped."
  fi
fi
exit 0
