#!/usr/bin/env bash
# Starts a local Tryton 6.0 ERP (Debian packages, SQLite backend) on loopback: the real
# ERP peer of Holdgate's tests and benchmark. Idempotent: installs only missing packages,
# initialises the database once and keeps a pristine copy, starts the server only if it
# is not running, waits until it answers.
#
# Usage: scripts/tryton-up.sh DIR PORT
#   DIR   working folder: trytond.conf, db/, pristine/, trytond.log, trytond.pid
#   PORT  loopback port for JSON-RPC
# Environment:
#   TRYTON_DB=holdgate     database name
#   TRYTON_PASSWORD=admin  password of the login "admin" (set when the DB is created)
#   TRYTON_FRESH=1         start from a copy of the pristine database
#   TRYTON_PRISTINE=FILE   copy this pristine database instead of initialising one (~12 s saved)
#   TRYTON_INIT_ONLY=1     install and initialise, do not start
#   TRYTON_WAIT_S=60       how long to wait for the first answer
# Prints "TRYTON_URL=http://127.0.0.1:PORT TRYTON_DB=NAME" when the server answers.
set -euo pipefail

DIR=${1:?usage: tryton-up.sh DIR PORT}
PORT=${2:?usage: tryton-up.sh DIR PORT}
DB=${TRYTON_DB:-holdgate}
PASSWORD=${TRYTON_PASSWORD:-admin}
MODULES="company product stock stock_lot production production_routing production_work"
WAIT_S=${TRYTON_WAIT_S:-60}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Debian's trytond runs under Debian's python; a pyenv/venv python3 first on PATH cannot import it.
TRYTOND=/usr/bin/trytond
TRYTOND_ADMIN=/usr/bin/trytond-admin

log() { printf '[tryton-up] %s\n' "$*" >&2; }

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
CONF="$DIR/trytond.conf"
PIDFILE="$DIR/trytond.pid"

# 1. packages (root only; --no-install-recommends keeps PostgreSQL, LibreOffice and an MTA out)
pkgs=(tryton-server)
for m in $MODULES; do pkgs+=("tryton-modules-${m//_/-}"); done
missing=()
for p in "${pkgs[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { log "missing ${missing[*]}; run as root or install them with apt-get"; exit 1; }
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"$DIR/apt.log" 2>&1; then
    apt-get update -q >>"$DIR/apt.log" 2>&1
    apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$DIR/apt.log" 2>&1 \
      || { tail -20 "$DIR/apt.log" >&2; exit 1; }
  fi
fi

# 2. configuration: this file alone defines the server (/etc/tryton is not read)
cat >"$CONF.new" <<CONF
[database]
uri = sqlite://
path = $DIR/db
language = en

[web]
listen = 127.0.0.1:$PORT

[session]
# the default idle timeout (300 s) logs a long test run out halfway
timeout = 86400
CONF
if [ -f "$CONF" ] && ! cmp -s "$CONF" "$CONF.new"; then "$HERE/tryton-down.sh" "$DIR"; fi
mv "$CONF.new" "$CONF"

# 3. database: initialised once, then copied from the pristine file
PRISTINE="$DIR/pristine/$DB.sqlite"
DBFILE="$DIR/db/$DB.sqlite"
mkdir -p "$DIR/db" "$DIR/pristine"
if [ ! -s "$PRISTINE" ] && [ -n "${TRYTON_PRISTINE:-}" ] && [ -s "$TRYTON_PRISTINE" ]; then
  cp "$TRYTON_PRISTINE" "$PRISTINE.tmp" && mv "$PRISTINE.tmp" "$PRISTINE"
fi
if [ ! -s "$PRISTINE" ]; then
  "$HERE/tryton-down.sh" "$DIR"
  log "initialising database $DB (about 12 s)"
  rm -f "$DBFILE"
  : >"$DBFILE" # the SQLite backend refuses to initialise a file that does not exist
  (umask 077; printf '%s\n' "$PASSWORD" >"$DIR/admin.pass")
  # --email: trytond-admin prompts for it otherwise, even with TRYTONPASSFILE
  # shellcheck disable=SC2086
  if ! TRYTONPASSFILE="$DIR/admin.pass" "$TRYTOND_ADMIN" -c "$CONF" -d "$DB" \
    --email admin@example.invalid -u $MODULES --activate-dependencies >"$DIR/init.log" 2>&1; then
    tail -30 "$DIR/init.log" >&2
    rm -f "$DBFILE"
    exit 1
  fi
  cp "$DBFILE" "$PRISTINE.tmp" && mv "$PRISTINE.tmp" "$PRISTINE"
fi
if [ "${TRYTON_FRESH:-0}" = 1 ] || [ ! -s "$DBFILE" ]; then
  "$HERE/tryton-down.sh" "$DIR"
  cp "$PRISTINE" "$DBFILE"
fi
[ "${TRYTON_INIT_ONLY:-0}" = 1 ] && exit 0

# 4. start (the PID file is ours: trytond's own --pidfile survives SIGTERM)
ours() { [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "trytond -c $CONF "; }
pid=$(cat "$PIDFILE" 2>/dev/null || true)
if ! ours "$pid"; then
  rm -f "$PIDFILE"
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then log "port $PORT is in use by another process"; exit 1; fi
  # -d loads the database's modules before the port opens: an answer means ready
  nohup "$TRYTOND" -c "$CONF" -d "$DB" >"$DIR/trytond.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PIDFILE"
fi

deadline=$(($(date +%s) + WAIT_S))
until curl -sf -o /dev/null -H 'Content-Type: application/json' \
  -d '{"id":0,"method":"common.server.version","params":[]}' "http://127.0.0.1:$PORT/"; do
  if ! kill -0 "$pid" 2>/dev/null; then log "trytond exited:"; tail -20 "$DIR/trytond.log" >&2; rm -f "$PIDFILE"; exit 1; fi
  if [ "$(date +%s)" -ge "$deadline" ]; then log "no answer after ${WAIT_S} s"; tail -20 "$DIR/trytond.log" >&2; exit 1; fi
  sleep 0.2
done
echo "TRYTON_URL=http://127.0.0.1:$PORT TRYTON_DB=$DB"
