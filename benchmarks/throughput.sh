#!/usr/bin/env bash
# CPU time per request and requests per second of a cached health answer, beside bare Kestrel, under wrk.
#
# Usage:
#   benchmarks/throughput.sh                                   # 3 interleaved runs of 10 s per row
#   RUNS=1 SECONDS_PER_RUN=5 benchmarks/throughput.sh          # a quick look
#   BENCH_DLL=path/to/HealthKit.Benchmarks.dll benchmarks/throughput.sh   # a harness built elsewhere (another clone)
#
# Settings (environment): RUNS (3), SECONDS_PER_RUN (10), WARM_SECONDS (3, the wrk run before each measured one),
# CONNECTIONS (64), THROUGHPUT_TIME_LIMIT (1800 s for the whole script), BENCH_DLL (skip the build and run this dll),
# WITH_HEALTHKIT_OK=1 (one more row: GET /ok on the HealthKit app, which maps it too), ROWS (the rows to run, by their
# numbers in the table, comma-separated: ROWS=0,1,4 runs bare /ok and readiness at 0 and 200 checks; every row if unset).
# Needs wrk, taskset, curl and at least 2 CPUs.
#
# Each row starts its application as a process of its own (`dotnet HealthKit.Benchmarks.dll serve-bare` or
# `serve-healthkit --checks N`) pinned to CPU 0, on 127.0.0.1 on a free port; waits until the row's path answers;
# warms it with a short wrk run; then runs `wrk -t1 -c64` pinned to CPU 1 for SECONDS_PER_RUN seconds, reading the
# application process's CPU time (utime + stime from /proc/PID/stat) immediately before and after. CPU per request is
# that CPU time over the requests wrk completed. One process per (row, run), killed after its run; the rows are
# interleaved (every row once, then every row again, RUNS times). A non-2xx answer fails the row, and the script exits 1.
# Two rows are floors: the bare application's /answer-55 and /answer-7650 send a health answer's HTTP shape (status,
# content type, the three no-cache headers, Content-Length) with a JSON body the size of /health/live's and of /health
# at Full with 50 checks, so what HealthKit adds is told apart from what sending those bytes costs. Each run also reads
# the CPU time of the runtime's tiered-compilation thread, the share of the run's CPU that was still warm-up.
# Prints a Markdown table: per row the median CPU per request and req/s, each run's values, and the ratio to bare Kestrel;
# then each target's ratio twice: of the rows' medians, and the median of the ratios within each run (the two rows of a
# ratio measured minutes apart at most, so a machine that drifts between runs moves both). The same figures are given
# without the tiered-compilation thread's CPU, the part of a run that was still warm-up rather than requests.
set -euo pipefail
export LC_ALL=C

# The whole script runs under one time limit; BENCH_DLL is relative to where the script was started from.
limit_seconds=${THROUGHPUT_TIME_LIMIT:-1800}
if [ -z "${THROUGHPUT_LIMITED:-}" ]; then
  if [ -n "${BENCH_DLL:-}" ]; then export BENCH_DLL=$(realpath -m -- "$BENCH_DLL"); fi
  export THROUGHPUT_LIMITED=1
  exec timeout "$limit_seconds" "$(realpath -- "${BASH_SOURCE[0]}")" "$@"
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs=${RUNS:-3}
seconds=${SECONDS_PER_RUN:-10}
warm_seconds=${WARM_SECONDS:-3}
connections=${CONNECTIONS:-64}

for tool in wrk taskset curl; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done
if [ "$(nproc --all)" -lt 2 ]; then echo "needs 2 CPUs: the application on CPU 0, wrk on CPU 1" >&2; exit 1; fi

# Rows: label | app (bare or healthkit) | extra checks | /health at Full (yes or empty) | path
rows=(
  "bare Kestrel \`/ok\`|bare|||/ok"
  "\`/health/ready\`, 0 checks|healthkit|0||/health/ready"
  "\`/health/ready\`, 10 checks|healthkit|10||/health/ready"
  "\`/health/ready\`, 50 checks|healthkit|50||/health/ready"
  "\`/health/ready\`, 200 checks|healthkit|200||/health/ready"
  "\`/health/live\`, 0 checks|healthkit|0||/health/live"
  "\`/health\` at \`Full\`, 50 checks|healthkit|50|yes|/health"
  "bare Kestrel, an answer's shape, 55 B|bare|||/answer-55"
  "bare Kestrel, an answer's shape, 7,650 B|bare|||/answer-7650"
)
# Opt-in: /ok on the HealthKit app, which separates what HealthKit adds to every request from what its endpoint costs.
if [ -n "${WITH_HEALTHKIT_OK:-}" ]; then rows+=("HealthKit app \`/ok\`, 0 checks|healthkit|0||/ok"); fi
selected=("${!rows[@]}")
if [ -n "${ROWS:-}" ]; then
  IFS=',' read -r -a selected <<<"$ROWS"
  for index in "${selected[@]}"; do
    if ! [[ "$index" =~ ^[0-9]+$ ]] || [ "$index" -ge "${#rows[@]}" ]; then
      echo "ROWS: '$index' is not a row; the rows are 0 to $(( ${#rows[@]} - 1 ))" >&2
      exit 2
    fi
  done
fi

work=$(mktemp -d)
app_pid=
cleanup() {
  if [ -n "$app_pid" ]; then kill -KILL "$app_pid" 2>/dev/null || true; wait "$app_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

dll=${BENCH_DLL:-}
if [ -z "$dll" ]; then
  dotnet build benchmarks/HealthKit.Benchmarks -c Release -v q -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  dll=benchmarks/HealthKit.Benchmarks/bin/Release/net10.0/HealthKit.Benchmarks.dll
fi
if [ ! -f "$dll" ]; then echo "no harness at $dll" >&2; exit 1; fi
dll=$(realpath -- "$dll")

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local port=$(( 20000 + RANDOM % 20000 ))
  while ! port_is_free "$port"; do port=$(( port + 1 )); done
  echo "$port"
}

# utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat, counted after the command name).
cpu_ticks() {
  local stat
  read -r stat <"/proc/$1/stat"
  set -- ${stat##*) }
  echo $(( ${12} + ${13} ))
}

# utime + stime of the runtime's tiered-compilation thread (the JIT recompiling hot methods), 0 if it has none; CPU
# spent there during a measured run is warm-up leaking into it.
jit_ticks() {
  local task sum=0 stat
  for task in /proc/"$1"/task/*; do
    if [[ "$(cat "$task/comm" 2>/dev/null)" == ".NET Tiered Com"* ]]; then
      read -r stat <"$task/stat" || continue
      set -- ${stat##*) }
      sum=$(( sum + ${12} + ${13} ))
    fi
  done
  echo "$sum"
}

load() { awk '{ print $1, $2, $3 }' /proc/loadavg; }

ticks_per_second=$(getconf CLK_TCK)
results="$work/results"
: >"$results"
failed=0

echo "harness: $dll"
echo "started: $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(load); $runs run(s) of ${seconds} s per row, wrk -t1 -c$connections"

for run in $(seq 1 "$runs"); do
  for index in "${selected[@]}"; do
    IFS='|' read -r label app checks full path <<<"${rows[$index]}"
    port=$(free_port)
    url="http://127.0.0.1:$port$path"
    args=(serve-"$app")
    if [ -n "$checks" ]; then args+=(--checks "$checks"); fi
    if [ "$app" = bare ]; then args+=(--answers 55,7650); fi
    variables=()
    if [ -n "$full" ]; then variables+=(HealthKit__Endpoints__Health__DetailLevel=Full); fi

    env "${variables[@]}" taskset -c 0 dotnet "$dll" "${args[@]}" --urls "http://127.0.0.1:$port" >"$work/app.log" 2>&1 &
    app_pid=$!

    # Wait (at most 30 s) until the row's path answers 200.
    answered=
    for _ in $(seq 1 150); do
      if curl -sf -o /dev/null --max-time 1 "$url"; then answered=yes; break; fi
      kill -0 "$app_pid" 2>/dev/null || break
      sleep 0.2
    done
    if [ -z "$answered" ]; then
      echo "$label: $url did not answer 200 within 30 s; the application's output:" >&2
      cat "$work/app.log" >&2
      exit 1
    fi
    if [ "$(cat "/proc/$app_pid/comm")" != dotnet ]; then echo "process $app_pid is not the application" >&2; exit 1; fi
    bytes=$(curl -s -o /dev/null --max-time 5 -w '%{size_header} + %{size_download}' "$url")

    timeout $(( warm_seconds + 30 )) taskset -c 1 wrk -t1 -c"$connections" -d"${warm_seconds}s" "$url" >/dev/null
    measured_load=$(load)
    before=$(cpu_ticks "$app_pid")
    jit_before=$(jit_ticks "$app_pid")
    timeout $(( seconds + 30 )) taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" "$url" >"$work/wrk.out"
    after=$(cpu_ticks "$app_pid")
    jit_after=$(jit_ticks "$app_pid")
    kill -KILL "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
    app_pid=

    requests=$(awk '/ requests in / { print $1 }' "$work/wrk.out")
    rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$work/wrk.out")
    non2xx=$(awk -F: '/Non-2xx or 3xx responses/ { gsub(/ /, "", $2); print $2 }' "$work/wrk.out")
    errors=$(awk -F': ' '/Socket errors/ { print $2 }' "$work/wrk.out")
    if [ -z "$requests" ] || [ "$requests" -eq 0 ] || [ -n "$non2xx" ]; then
      echo "$label, run $run: FAILED (${non2xx:-0} non-2xx answers of ${requests:-0}); wrk said:" >&2
      cat "$work/wrk.out" >&2
      failed=1
      echo "$index $run failed failed" >>"$results"
      continue
    fi
    cpu_us=$(awk -v t=$(( after - before )) -v hz="$ticks_per_second" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
    jit_share=$(awk -v j=$(( jit_after - jit_before )) -v t=$(( after - before )) 'BEGIN { printf "%.1f", (t > 0 ? 100 * j / t : 0) }')
    steady_us=$(awk -v t=$(( after - before - jit_after + jit_before )) -v hz="$ticks_per_second" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
    echo "$index $run $cpu_us $rps $jit_share $steady_us" >>"$results"
    echo "run $run, $label: $cpu_us µs CPU per request, $rps req/s, $requests requests, $(( after - before )) ticks ($jit_share% in tiered compilation), $bytes bytes per answer${errors:+, socket errors: $errors} (load average $measured_load)"
  done
done

echo "ended: $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(load)"
echo

# The median of a row's values in column $2 of the results, printed with format $3 ("failed" if any run failed).
median() {
  awk -v row="$1" -v col="$2" '$1 == row { print $col }' "$results" | sort -g | awk -v format="${3:-%.1f}\n" '
    /failed/ { bad = 1 } { v[NR] = $1 }
    END { if (bad || NR == 0) { print "failed"; exit }
          if (NR % 2) printf format, v[(NR + 1) / 2]; else printf format, (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
each() { awk -v row="$1" -v col="$2" '$1 == row { printf "%s%s", sep, $col; sep = ", " }' "$results"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "failed" || b == "failed" || b == 0) print "n/a"; else printf "%.2f×\n", a / b }'; }
# Row $1 over row $2 in column $3, within each run where both were measured: "median (each run's)", or n/a.
paired() {
  awk -v a="$1" -v b="$2" -v col="$3" '
    $1 == a && $col != "failed" { x[$2] = $col } $1 == b && $col != "failed" { y[$2] = $col }
    END { for (r in x) if ((r in y) && y[r] > 0) printf "%.3f\n", x[r] / y[r] }' "$results" | sort -g | awk '
    { v[NR] = $1; list = list sep sprintf("%.2f", $1); sep = ", " }
    END { if (NR == 0) { print "n/a"; exit }
          m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "%.2f× (each run: %s)\n", m, list }'
}
# One target's line: its ratio of medians and its paired ratio, with and without the tiered-compilation thread.
target() {
  local text=$1 a=$2 b=$3
  if ! grep -q "^$a " "$results" || ! grep -q "^$b " "$results"; then return; fi
  echo "$text: $(ratio "$(median "$a" 3)" "$(median "$b" 3)") of the medians, $(paired "$a" "$b" 3) within runs; without tiered compilation $(ratio "$(median "$a" 6)" "$(median "$b" 6)") and $(paired "$a" "$b" 6)"
}

bare_cpu=
if grep -q "^0 " "$results"; then bare_cpu=$(median 0 3); fi
echo "| row | request | app CPU per request (median) | req/s (median) | CPU × bare | CPU per request, each run (µs) | req/s, each run | in tiered compilation, each run (%) | CPU per request without it (median) |"
echo "|---:|---|---:|---:|---:|---|---|---|---:|"
for index in "${selected[@]}"; do
  label=${rows[$index]%%|*}
  cpu=$(median "$index" 3)
  echo "| $index | $label | $cpu µs | $(median "$index" 4 %.0f) | $(ratio "$cpu" "$bare_cpu") | $(each "$index" 3) | $(each "$index" 4) | $(each "$index" 5) | $(median "$index" 6) µs |"
done
echo
target "\`/health/ready\`: 200 checks ÷ 0 checks, CPU per request" 4 1
target "\`/health/live\` ÷ bare Kestrel's answer of the same shape (55 B)" 5 7
target "\`/health\` at \`Full\`, 50 checks ÷ bare Kestrel's answer of the same shape (7,650 B)" 6 8
target "\`/health/ready\`, 0 checks ÷ bare Kestrel \`/ok\`" 1 0
target "\`/health/ready\`, 200 checks ÷ bare Kestrel \`/ok\`" 4 0
target "\`/health/live\` ÷ bare Kestrel \`/ok\`" 5 0
target "\`/health\` at \`Full\`, 50 checks ÷ bare Kestrel \`/ok\`" 6 0
exit "$failed"
