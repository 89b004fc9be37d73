#!/usr/bin/env bash
# The production guide (docs/deploy.md) tried on a fresh Debian 13 system: a debootstrapped root booted
# with systemd as PID 1 in a container (systemd-nspawn) with no network but loopback, the guide's
# commands run in it from the offline wheelhouse (first-boot.sh: sections 4-13), then the container
# booted again (second-boot.sh: the services start by themselves, the scheduler hands a due job to the
# worker). Needs root, debootstrap and systemd-container on the host, and a Debian mirror for the
# system packages (installed before the container loses its network). About 10 minutes.
#
#   sudo bash scripts/deploy-trial/run.sh [WORKDIR]        (default /var/tmp/shouwang-deploy-trial)
#
# Prints the two logs' verdicts; the logs stay in WORKDIR/root/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${1:-/var/tmp/shouwang-deploy-trial}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
root="$work/root-fs"

rm -rf "$work" && mkdir -p "$work"
# The wheelhouse from the committed tree (what a county would get), built with the project's venv.
git -C "$repo" worktree add --detach "$work/src" HEAD >/dev/null
ln -s "$repo/.venv" "$work/src/.venv"
(cd "$work/src" && bash scripts/wheelhouse.sh "$work/wheelhouse")
git -C "$repo" worktree remove --force "$work/src"

debootstrap --include=systemd,systemd-sysv,dbus,ca-certificates,curl,sudo trixie "$root" "$mirror"
# Section 3's packages, installed while the root still has the host's network (services not started).
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d" && chmod +x "$root/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -q postgresql nginx openssl logrotate python3-venv
umount "$root/proc"
rm -f "$root/usr/sbin/policy-rc.d"

cp -a "$work/wheelhouse" "$root/root/wheelhouse"
cp "$here/first-boot.sh" "$here/second-boot.sh" "$root/root/"
echo deploytest > "$root/etc/hostname"
boot() {  # $1: the script the container runs once booted; it powers off afterwards
  cat > "$root/etc/systemd/system/trial.service" <<UNIT
[Unit]
Description=Follow the deployment guide
After=multi-user.target postgresql.service shouwang.target
Wants=postgresql.service

[Service]
Type=oneshot
ExecStart=/bin/bash /root/$1
ExecStopPost=/bin/systemctl poweroff --no-block
UNIT
  ln -sf /etc/systemd/system/trial.service "$root/etc/systemd/system/multi-user.target.wants/trial.service"
  timeout 900 systemd-nspawn -b -D "$root" --private-network --register=no --keep-unit --machine deploytest \
    --console=passive >"$work/nspawn-$1.log" 2>&1 || true
}
boot first-boot.sh
boot second-boot.sh
for log in first-boot second-boot; do
  if grep -q "^${log^^}-OK" "$root/root/$log.log" 2>/dev/null; then
    echo "$log: ok ($root/root/$log.log)"
  else
    echo "$log: FAILED, see $root/root/$log.log" && tail -20 "$root/root/$log.log" 2>/dev/null
  fi
done
