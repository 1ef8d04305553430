#!/usr/bin/env bash
# Measures /health/live while checks block their threads: starts the sample on 127.0.0.1 on a free port with eight
# checks that call Thread.Sleep(20 s) (Sample:BlockingChecks), asks /health/ready once to start them, and at once probes
# /health/live 100 times in a row (LIVENESS_PROBES) with curl, each bounded by 5 s. Prints the median, p90 and maximum
# milliseconds, how many probes took 100 ms or more, and how long readiness took.
#
# LIVENESS_AFTER_AWAIT=true makes the checks block after `await ...ConfigureAwait(false)`, on a thread-pool thread.
# The sample is published (Release) into a temporary directory, unless SAMPLE_DIR names a folder that already holds a
# built HealthKit.Sample.dll. Everything is stopped and deleted when the script exits.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

probes=${LIVENESS_PROBES:-100}
work=$(mktemp -d)
sample_pid=
ready_pid=
cleanup() {
  if [ -n "$ready_pid" ]; then kill "$ready_pid" 2>/dev/null || true; fi
  if [ -n "$sample_pid" ]; then kill "$sample_pid" 2>/dev/null || true; wait "$sample_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=$(( 20000 + RANDOM % 20000 ))
while ! port_is_free "$port"; do port=$(( port + 1 )); done

app=${SAMPLE_DIR:-}
if [ -z "$app" ]; then
  dotnet publish samples/HealthKit.Sample/HealthKit.Sample.csproj -c Release -o "$work/app" -v q >/dev/null
  app="$work/app"
fi

(cd "$app" && URLS="http://127.0.0.1:$port" ConnectionStrings__Sqlite="Data Source=$work/sample.db" \
  Sample__BlockingChecks=8 Sample__BlockMilliseconds=20000 Sample__BlockAfterAwait="${LIVENESS_AFTER_AWAIT:-false}" \
  exec dotnet HealthKit.Sample.dll >"$work/sample.log" 2>&1) &
sample_pid=$!

base="http://127.0.0.1:$port"
# Wait (at most 30 s) until the sample answers, then warm the liveness path up.
for _ in $(seq 1 150); do
  if curl -sf -o /dev/null --max-time 1 "$base/health/live"; then break; fi
  sleep 0.2
done
for _ in 1 2 3 4 5; do curl -s -o /dev/null --max-time 5 "$base/health/live"; done

(curl -s -o /dev/null --max-time 10 -w '%{time_total}\n' "$base/health/ready" || echo 10) >"$work/ready" &
ready_pid=$!

times=()
for _ in $(seq 1 "$probes"); do
  # A probe that gets no answer within 5 s counts as 5000 ms.
  seconds=$(curl -s -o /dev/null --max-time 5 -w '%{time_total}' "$base/health/live" || echo 5)
  times+=("$(awk -v s="$seconds" 'BEGIN { printf "%d", s * 1000 }')")
done
wait "$ready_pid" || true
ready_pid=

sorted=($(printf '%s\n' "${times[@]}" | sort -n))
count=${#sorted[@]}
slow=$(printf '%s\n' "${times[@]}" | awk '$1 >= 100' | wc -l)
ready_ms=$(awk '{ printf "%d", $1 * 1000 }' "$work/ready")
echo "liveness probes: $count  median: ${sorted[$(( count / 2 ))]} ms  p90: ${sorted[$(( count * 9 / 10 ))]} ms  max: ${sorted[$(( count - 1 ))]} ms  at or over 100 ms: $slow"
echo "readiness (starting the 8 blocking checks): ${ready_ms} ms"
