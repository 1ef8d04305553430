#!/usr/bin/env bash
# Measures the wall time of the self-probe, `dotnet HealthKit.Sample.dll healthcheck ready`, as Docker's HEALTHCHECK
# runs it: a fresh process each time, against the published sample running on 127.0.0.1 on a free port. Prints each
# run's milliseconds and the median, p90 and maximum. Runs 20 probes unless PROBE_RUNS says otherwise.
#
# The sample is published (Release) into a temporary directory, started there with its SQLite database beside it, and
# stopped and deleted when the script exits.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs=${PROBE_RUNS:-20}
work=$(mktemp -d)
sample_pid=
cleanup() {
  if [ -n "$sample_pid" ]; then kill "$sample_pid" 2>/dev/null || true; wait "$sample_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=$(( 20000 + RANDOM % 20000 ))
while ! port_is_free "$port"; do port=$(( port + 1 )); done

dotnet publish samples/HealthKit.Sample/HealthKit.Sample.csproj -c Release -o "$work/app" -v q >/dev/null
cd "$work/app"

URLS="http://127.0.0.1:$port" ConnectionStrings__Sqlite="Data Source=$work/sample.db" \
  dotnet HealthKit.Sample.dll >"$work/sample.log" 2>&1 &
sample_pid=$!

# Wait (at most 30 s) until the sample answers, so that the runs measure the probe, not the sample's start.
for _ in $(seq 1 150); do
  if URLS="http://127.0.0.1:$port" dotnet HealthKit.Sample.dll healthcheck ready --timeout 1 >/dev/null 2>&1; then break; fi
  sleep 0.2
done

times=()
for i in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  # The URL is found the way it is in a container: from the environment and appsettings.json, not --url.
  URLS="http://127.0.0.1:$port" dotnet HealthKit.Sample.dll healthcheck ready >/dev/null
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  echo "run $i: ${ms} ms"
done

sorted=($(printf '%s\n' "${times[@]}" | sort -n))
count=${#sorted[@]}
echo "runs: $count  median: ${sorted[$(( count / 2 ))]} ms  p90: ${sorted[$(( count * 9 / 10 ))]} ms  max: ${sorted[$(( count - 1 ))]} ms"
