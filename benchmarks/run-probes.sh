#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on 127.0.0.1 (in a temporary directory, on a free port), runs the `probes`
# benchmark against it, and removes the server again. Arguments after the script name go to `probes` as they are,
# for example: benchmarks/run-probes.sh --spread-seconds 0
# PROBES_CONNECTION_EXTRA is appended to the connection string, for example "No Reset On Close=true".
#
# Needs the PostgreSQL server binaries (Debian: `apt-get install postgresql`); set PG_BIN to use others. As root the
# server runs as the `postgres` OS user, since PostgreSQL refuses to run as root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

limit_seconds=${PROBES_TIME_LIMIT:-900}
database=healthkit_bench

if [ -z "${PG_BIN:-}" ]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$PG_BIN" ] && command -v initdb >/dev/null 2>&1; then PG_BIN=$(dirname "$(command -v initdb)"); fi
fi
if [ -z "${PG_BIN:-}" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "PostgreSQL server binaries not found; install the Debian package 'postgresql' or set PG_BIN." >&2
  exit 1
fi

as_pg=()
if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u postgres --); fi

work=$(mktemp -d)
chmod 755 "$work"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$work"; fi
data="$work/data"

cleanup() {
  if [ -f "$data/postmaster.pid" ]; then
    "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

"${as_pg[@]}" "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale >/dev/null

started=
for _ in $(seq 1 20); do
  port=$(( 20000 + RANDOM % 40000 ))
  port_is_free "$port" || continue
  if "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$data" -l "$work/server.log" -w -t 30 start \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $work -c shared_preload_libraries=pg_stat_statements -c fsync=off" >/dev/null; then
    started=yes
    break
  fi
done
if [ -z "$started" ]; then
  echo "PostgreSQL did not start; its log:" >&2
  cat "$work/server.log" >&2 || true
  exit 1
fi

psql=("${as_pg[@]}" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
"${psql[@]}" -d postgres -c "CREATE DATABASE $database" -c "CREATE EXTENSION pg_stat_statements"

echo "PostgreSQL $("${psql[@]}" -d postgres -At -c 'SHOW server_version') on 127.0.0.1:$port"
timeout "$limit_seconds" dotnet run -c Release --project benchmarks/HealthKit.Benchmarks -- probes \
  --connection "Host=127.0.0.1;Port=$port;Username=postgres;Database=$database${PROBES_CONNECTION_EXTRA:+;$PROBES_CONNECTION_EXTRA}" "$@"
