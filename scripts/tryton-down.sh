#!/usr/bin/env bash
# Stops the Tryton server that scripts/tryton-up.sh started in DIR: only the PID in
# DIR/trytond.pid, and only while that PID is still a trytond with DIR's config (a reused
# PID is never killed). Idempotent. Usage: scripts/tryton-down.sh DIR
set -euo pipefail
DIR=${1:?usage: tryton-down.sh DIR}
[ -d "$DIR" ] || exit 0
DIR=$(cd "$DIR" && pwd)
PIDFILE="$DIR/trytond.pid"
pid=$(cat "$PIDFILE" 2>/dev/null || true)
[ -n "$pid" ] || exit 0
if ! [ -r "/proc/$pid/cmdline" ] || ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "trytond -c $DIR/trytond.conf "; then
  rm -f "$PIDFILE"
  exit 0
fi
kill -TERM "$pid"
# werkzeug's threaded server takes 1-2 s to leave on SIGTERM
for _ in $(seq 1 75); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
rm -f "$PIDFILE"
