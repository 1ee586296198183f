#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster for tests: a data directory in a temp dir,
# listening only on a free loopback port, trust auth, fsync off. As root it runs the server
# as the unprivileged 'postgres' user (PostgreSQL refuses to run as root).
#
#   scripts/test-postgres.sh start   -> prints the DSN on stdout, state kept in $PGTEST_DIR
#   scripts/test-postgres.sh stop
#   scripts/test-postgres.sh pause|resume   -> stop the server keeping its data / start it again
set -euo pipefail

state_file="${PALISADE_PGTEST_STATE:-${TMPDIR:-/tmp}/palisade-pgtest.state}"

find_bin() {
  for d in "${PG_BIN:-}" /usr/lib/postgresql/*/bin /usr/local/bin /usr/bin; do
    [ -n "$d" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( (RANDOM % 20000) + 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local bin dir port
  if ! bin=$(find_bin); then
    echo "test-postgres: PostgreSQL server binaries not found (apt-get install postgresql)" >&2
    exit 2
  fi
  dir=$(mktemp -d "${TMPDIR:-/tmp}/palisade-pg.XXXXXX")
  port=$(free_port)
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; chmod 700 "$dir"; fi
  as_owner "$bin/initdb" -D "$dir/data" -U palisade --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2; exit 2; }
  server_start "$bin" "$dir" "$port"
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U palisade palisade_test
  printf 'PGTEST_BIN=%q\nPGTEST_DIR=%q\nPGTEST_PORT=%q\n' "$bin" "$dir" "$port" >"$state_file"
  echo "postgres://palisade@127.0.0.1:$port/palisade_test?sslmode=disable"
}

server_start() {
  as_owner "$1/pg_ctl" -D "$2/data" -l "$2/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $3 -k $2 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$2/server.log" >&2; exit 2; }
}

# pause stops the server and keeps its data; resume starts it again on the same port (the
# fault-injection tests stop the database under a running Palisade).
pause() {
  # shellcheck disable=SC1090
  . "$state_file"
  as_owner "$PGTEST_BIN/pg_ctl" -D "$PGTEST_DIR/data" -m fast -w stop >/dev/null
}

resume() {
  # shellcheck disable=SC1090
  . "$state_file"
  server_start "$PGTEST_BIN" "$PGTEST_DIR" "$PGTEST_PORT"
}

stop() {
  [ -f "$state_file" ] || exit 0
  # shellcheck disable=SC1090
  . "$state_file"
  as_owner "$PGTEST_BIN/pg_ctl" -D "$PGTEST_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PGTEST_DIR" "$state_file"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  pause) pause ;;
  resume) resume ;;
  *) echo "usage: $0 start|stop|pause|resume" >&2; exit 2 ;;
esac
