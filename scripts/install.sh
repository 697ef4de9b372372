#!/usr/bin/env bash
# Installs Holdgate as a system service: the single-file executable, the system user,
# /etc/holdgate (an existing configuration is never overwritten), the systemd unit
# (enabled; started with --now). Run from a checkout after `npm run build:exe`, or pass
# --exe. --root DIR installs below DIR instead of / (no systemctl, for checks and images).
#
# Usage: scripts/install.sh [--root DIR] [--exe FILE] [--now]
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=""
EXE="$HERE/dist/holdgate"
NOW=0
while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT=${2:?--root needs a directory}; shift 2 ;;
    --exe) EXE=${2:?--exe needs a file}; shift 2 ;;
    --now) NOW=1; shift ;;
    -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" != 0 ]; then
  echo "install.sh: must run as root (it creates a system user and writes /etc and /usr/local): sudo $0 $*" >&2
  exit 1
fi
[ -x "$EXE" ] || { echo "install.sh: no executable at $EXE: run 'npm run build:exe' first or pass --exe FILE" >&2; exit 1; }
[ -z "$ROOT" ] || { mkdir -p "$ROOT"; ROOT=$(cd "$ROOT" && pwd); }

log() { printf '[install] %s\n' "$*"; }

# 1. The system user (no login, no home of its own beyond the state directory).
prefix=()
[ -z "$ROOT" ] || prefix=(--prefix "$ROOT")
if ! grep -q '^holdgate:' "$ROOT/etc/passwd" 2>/dev/null; then
  mkdir -p "$ROOT/etc"
  for f in passwd group; do [ -e "$ROOT/etc/$f" ] || install -m 0644 /dev/null "$ROOT/etc/$f"; done
  for f in shadow gshadow; do [ -e "$ROOT/etc/$f" ] || install -m 0640 /dev/null "$ROOT/etc/$f"; done
  useradd "${prefix[@]}" --system --user-group --no-create-home --home-dir /var/lib/holdgate \
    --shell /usr/sbin/nologin --comment "Holdgate edge gateway" holdgate
  log "created system user holdgate"
fi
gid=$(awk -F: '$1 == "holdgate" { print $3 }' "$ROOT/etc/group")

# 2. The executable.
install -D -m 0755 "$EXE" "$ROOT/usr/local/bin/holdgate"
log "installed $ROOT/usr/local/bin/holdgate"

# 3. Configuration: root-owned, readable by the service's group; existing files are kept.
install -d -m 0750 -g "$gid" "$ROOT/etc/holdgate" "$ROOT/etc/holdgate/devices" "$ROOT/etc/holdgate/sync"
keep_or_place() { # SRC DEST
  if [ -e "$2" ]; then
    log "kept existing $2"
  else
    install -m 0640 -g "$gid" "$1" "$2"
    log "placed $2"
  fi
}
keep_or_place "$HERE/config/holdgate.yaml" "$ROOT/etc/holdgate/holdgate.yaml"
keep_or_place "$HERE/config/rules.yaml" "$ROOT/etc/holdgate/rules.yaml"
for f in "$HERE"/devices/*.yaml; do keep_or_place "$f" "$ROOT/etc/holdgate/devices/$(basename "$f")"; done
for f in "$HERE"/sync/*.yaml; do keep_or_place "$f" "$ROOT/etc/holdgate/sync/$(basename "$f")"; done
install -D -m 0644 "$HERE/README.md" "$ROOT/usr/local/share/doc/holdgate/README.md"

# 4. The units (systemd creates /var/lib/holdgate and /var/log/holdgate from them): the
#    service, and a timer for the daily backup into /var/lib/holdgate/backups.
for u in holdgate.service holdgate-backup.service holdgate-backup.timer; do
  install -D -m 0644 "$HERE/systemd/$u" "$ROOT/etc/systemd/system/$u"
done
if [ -z "$ROOT" ]; then
  systemctl daemon-reload
  systemctl enable holdgate.service holdgate-backup.timer
  if [ "$NOW" = 1 ]; then systemctl restart holdgate.service holdgate-backup.timer; fi
  log "enabled holdgate.service and holdgate-backup.timer$([ "$NOW" = 1 ] && echo ' and started them')"
else
  mkdir -p "$ROOT/etc/systemd/system/multi-user.target.wants" "$ROOT/etc/systemd/system/timers.target.wants"
  ln -sf /etc/systemd/system/holdgate.service "$ROOT/etc/systemd/system/multi-user.target.wants/holdgate.service"
  ln -sf /etc/systemd/system/holdgate-backup.timer "$ROOT/etc/systemd/system/timers.target.wants/holdgate-backup.timer"
  log "enabled holdgate.service and holdgate-backup.timer below $ROOT (not started)"
fi
log "next: edit /etc/holdgate/holdgate.yaml, 'holdgate check-config', then 'systemctl start holdgate'"
