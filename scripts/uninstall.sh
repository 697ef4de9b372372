#!/usr/bin/env bash
# Removes the Holdgate service and executable. Configuration (/etc/holdgate), the store
# (/var/lib/holdgate) and the user stay unless --purge: a reinstall finds them again.
#
# Usage: scripts/uninstall.sh [--root DIR] [--purge]
set -euo pipefail
ROOT=""
PURGE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT=${2:?--root needs a directory}; shift 2 ;;
    --purge) PURGE=1; shift ;;
    -h | --help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" != 0 ]; then
  echo "uninstall.sh: must run as root: sudo $0 $*" >&2
  exit 1
fi
[ -z "$ROOT" ] || ROOT=$(cd "$ROOT" && pwd)
if [ -z "$ROOT" ]; then
  systemctl disable --now holdgate.service holdgate-backup.timer 2>/dev/null || true
fi
rm -f "$ROOT/etc/systemd/system/multi-user.target.wants/holdgate.service" \
  "$ROOT/etc/systemd/system/timers.target.wants/holdgate-backup.timer" \
  "$ROOT/etc/systemd/system/holdgate.service" "$ROOT/etc/systemd/system/holdgate-backup.service" \
  "$ROOT/etc/systemd/system/holdgate-backup.timer" "$ROOT/usr/local/bin/holdgate"
rm -rf "$ROOT/usr/local/share/doc/holdgate"
[ -z "$ROOT" ] && systemctl daemon-reload
if [ "$PURGE" = 1 ]; then
  rm -rf "$ROOT/etc/holdgate" "$ROOT/var/lib/holdgate" "$ROOT/var/log/holdgate"
  prefix=()
  [ -z "$ROOT" ] || prefix=(--prefix "$ROOT")
  if grep -q '^holdgate:' "$ROOT/etc/passwd" 2>/dev/null; then userdel "${prefix[@]}" holdgate; fi
  echo "[uninstall] removed Holdgate, its configuration, its store and its user"
else
  echo "[uninstall] removed the service and executable; kept /etc/holdgate and /var/lib/holdgate (--purge removes them)"
fi
