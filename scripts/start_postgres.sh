#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server on loopback (port 55432) for the storage tests and
# creates the database `aelab_test`. Tests find it through AELAB_TEST_POSTGRES (exported to a
# file in the build dir, read by the tests) or the default URL below.
set -euo pipefail
port=${AELAB_PG_PORT:-55432}
dir=${AELAB_PG_DIR:-/tmp/aelab-pg}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "start_postgres: no PostgreSQL server installed" >&2; exit 1; }
run_as=()
if [ "$(id -u)" -eq 0 ]; then run_as=(runuser -u postgres --); fi
if ! "${run_as[@]}" "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q 2>/dev/null; then
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"; [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    "${run_as[@]}" "$bin/initdb" -D "$dir" -A trust -U postgres >/dev/null
  fi
  "${run_as[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/log" -w \
    -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=100" start >/dev/null
fi
"${run_as[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname='aelab_test'" | grep -q 1 ||
  "${run_as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres aelab_test
echo "postgresql://postgres@127.0.0.1:$port/aelab_test"
