#!/usr/bin/env bash
# The remote-runner benchmark of docs/PERFORMANCE.md ("Remote runs against the load-test
# server"): `yardstick run` of a this-checkout build and of a baseline build, side by side
# in one invocation, against ys_loadserver on loopback, store on, streaming off:
#   cpu      20,000 "What is A+B?" requests at zero latency, concurrency 64: yardstick's CPU
#            (user + system, whole process, /usr/bin/time) per request, and peak RSS
#   little   50 ms fixed latency, concurrency 256, 20,000 requests: answers per second over
#            the server's serve span (first request to last answer), against the
#            Little's-law bound 256 / 0.05 s = 5,120 requests/s
#   inflight 10,000 requests all in flight (concurrency 10,000) against a 1 s server:
#            errors (must be 0) and the server's peak in-flight count
#   rss      a 100,000-sample run at zero latency: peak RSS (target <= 300 MB)
#   stream   as cpu, with --stream (the server sends each answer as server-sent events)
# Each case runs ROUNDS times per build, the builds alternating; the table gives medians
# and the new/baseline ratio. CPU time, not wall time, is what to compare on a noisy
# machine. Usage:
#   bench/remote_throughput.sh [--baseline BIN] [--new BIN] [--rounds N] [--cases LIST]
#     --baseline BIN  the yardstick to compare with (default: a build of
#                     `git merge-base HEAD main` in a scratch worktree, built once)
#     --new BIN       default: build/yardstick
#     --rounds N      default 3
#     --cases LIST    comma-separated subset of cpu,little,inflight,rss,stream (default: all)
# Needs build/tests/ys_loadserver (scripts/build.sh ys_loadserver) and /usr/bin/time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
new="$root/build/yardstick"
baseline=""
rounds=3
cases="cpu,little,inflight,rss,stream"
while [ $# -gt 0 ]; do
  case "$1" in
    --baseline) baseline=$2; shift 2 ;;
    --new) new=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    *) echo "unknown argument: $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
loadserver="$root/build/tests/ys_loadserver"
[ -x "$loadserver" ] || { echo "no $loadserver: run scripts/build.sh ys_loadserver" >&2; exit 2; }
[ -x "$new" ] || { echo "no $new: run scripts/build.sh yardstick" >&2; exit 2; }

work=$(mktemp -d /tmp/ys-remote-bench.XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$baseline" ]; then
  base_commit=$(git -C "$root" merge-base HEAD main)
  base_dir="/tmp/ys-bench-baseline-${base_commit:0:12}"
  if [ ! -x "$base_dir/build/yardstick" ]; then
    echo "building the baseline ${base_commit:0:12} in $base_dir ..." >&2
    [ -d "$base_dir" ] || git -C "$root" worktree add --detach "$base_dir" "$base_commit" >&2
    (cd "$base_dir" && bash scripts/build.sh yardstick >&2)
  fi
  baseline="$base_dir/build/yardstick"
fi
echo "baseline: $baseline ($("$baseline" --version))" >&2
echo "new:      $new ($("$new" --version))" >&2
ulimit -n "$(ulimit -Hn)"  # 10,000 connections need 10,000 descriptors

# A task "sums": "What is A+B?" over a generated JSON Lines file; the load server answers
# the sum (tests/support/loadserver.h, default_load_answer).
mkdir -p "$work/specs"
cat > "$work/specs/sums.yaml" << 'EOF'
name: sums
dataset: {path: sums.jsonl}
prompt: {template: "What is {{a}}+{{b}}?", target: "{{s}}"}
generation: {max_tokens: 8, temperature: 0}
reference: {template: "{{s}}"}
metrics: [{name: em, extract: [last_number]}]
EOF
make_data() {  # N FILE
  awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) { b = (7 * i) % 101;
    printf "{\"a\": %d, \"b\": %d, \"s\": \"%d\"}\n", i, b, i + b } }' > "$2"
}
make_data 20000 "$work/sums20k.jsonl"
make_data 10000 "$work/sums10k.jsonl"
make_data 100000 "$work/sums100k.jsonl"

start_server() {  # ARGS...: starts ys_loadserver, sets $url
  "$loadserver" "$@" > "$work/server.out" 2> "$work/server.err" &
  server_pid=$!
  for _ in $(seq 200); do
    url=$(sed -n 's/^listening on //p' "$work/server.out")
    [ -n "$url" ] && return 0
    sleep 0.05
  done
  echo "ys_loadserver did not start: $(cat "$work/server.err")" >&2
  exit 1
}
stop_server() {  # the server prints its final counts (JSON) as its last line
  # The server's own CPU seconds (utime + stime of /proc/PID/stat): is it the bottleneck?
  server_cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
    "/proc/$server_pid/stat" 2> /dev/null || echo 0)
  kill -INT "$server_pid"
  wait "$server_pid" || true
  server_pid=""
}

# run BIN DATA CONCURRENCY TIMEOUT [ARGS...]: one fresh-store run; prints
# "cpu_s rss_kb wall_s errors"
run_one() {
  local bin=$1 data=$2 conc=$3 timeout=$4 db="$work/run.db"
  shift 4
  rm -f "$db" "$db-wal" "$db-shm"
  /usr/bin/time -f "%U %S %M %e" -o "$work/time" "$bin" run --model openai:bench \
    --base-url "$url" --specs "$work/specs" --tasks sums --data "$data" --db "$db" \
    --concurrency "$conc" --timeout "$timeout" "$@" > "$work/run.out" 2> "$work/run.err" ||
    { echo "run failed ($bin):" >&2; tail -n 5 "$work/run.err" >&2; }
  local errors
  errors=$(sed -n 's/.* requests sent, \([0-9]*\) errors.*/\1/p' "$work/run.err" | tail -n 1)
  awk -v e="${errors:-?}" '{ printf "%.4f %d %.3f %s\n", $1 + $2, $3, $4, e }' "$work/time"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A result  # "case/build/field" -> values, one per line
add() { result["$1"]+="$2"$'\n'; }
get() { printf '%s' "${result[$1]}" | median; }

# case NAME SERVER-ARGS DATA N CONCURRENCY TIMEOUT [RUN-ARGS]
run_case() {
  local name=$1 server_args=$2 data=$3 n=$4 conc=$5 timeout=$6 run_args=${7:-}
  for r in $(seq "$rounds"); do
    for build in baseline new; do
      local bin=$new
      [ "$build" = baseline ] && bin=$baseline
      # shellcheck disable=SC2086
      start_server $server_args
      # shellcheck disable=SC2086
      read -r cpu rss wall errors <<< "$(run_one "$bin" "$data" "$conc" "$timeout" $run_args)"
      local stats span answered max_in_flight
      stop_server
      stats=$(tail -n 1 "$work/server.out")
      span=$(sed -n 's/.*"serve_span_s": \([0-9.]*\).*/\1/p' <<< "$stats")
      answered=$(sed -n 's/.*"answered": \([0-9]*\).*/\1/p' <<< "$stats")
      max_in_flight=$(sed -n 's/.*"max_in_flight": \([0-9]*\).*/\1/p' <<< "$stats")
      add "$name/$build/us" "$(awk -v c="$cpu" -v n="$n" 'BEGIN { printf "%.1f", c * 1e6 / n }')"
      add "$name/$build/rss" "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
      add "$name/$build/rate" "$(awk -v a="$answered" -v s="${span:-0}" 'BEGIN { printf "%.0f", (s > 0 ? a / s : 0) }')"
      add "$name/$build/errors" "$errors"
      add "$name/$build/inflight" "${max_in_flight:-0}"
      add "$name/$build/load" "$(cut -d' ' -f1 /proc/loadavg)"
      add "$name/$build/server_cpu" "$server_cpu"
      # The load average: the machine may be shared, and CPU time grows with contention.
      echo "$name round $r $build: cpu ${cpu}s rss ${rss}KB wall ${wall}s errors $errors" \
        "answered $answered span ${span}s max_in_flight $max_in_flight" \
        "server_cpu ${server_cpu}s load $(cut -d' ' -f1 /proc/loadavg)" >&2
    done
  done
}

row() {  # LABEL KEY UNIT: the medians, their ratio, and the case's median load averages
  local b n c=${2%%/*}
  b=$(get "${2/\%/baseline}")
  n=$(get "${2/\%/new}")
  printf '| %s | %s %s | %s %s | %s | %s / %s |\n' "$1" "$b" "$3" "$n" "$3" \
    "$(awk -v b="$b" -v n="$n" 'BEGIN { if (b + 0 > 0) printf "%.2f", n / b; else printf "-" }')" \
    "$(get "$c/baseline/load")" "$(get "$c/new/load")"
}

IFS=',' read -r -a wanted <<< "$cases"
for c in "${wanted[@]}"; do
  case "$c" in
    cpu) run_case cpu "--latency-ms 0" "$work/sums20k.jsonl" 20000 64 60 ;;
    little) run_case little "--latency-ms 50" "$work/sums20k.jsonl" 20000 256 60 ;;
    inflight) run_case inflight "--latency-ms 1000" "$work/sums10k.jsonl" 10000 10000 120 ;;
    rss) run_case rss "--latency-ms 0" "$work/sums100k.jsonl" 100000 64 60 ;;
    stream) run_case stream "--latency-ms 0" "$work/sums20k.jsonl" 20000 64 60 --stream ;;
    *) echo "unknown case $c" >&2; exit 2 ;;
  esac
done

echo
echo "| measure (median of $rounds) | baseline | new | new/baseline | load avg (baseline / new) |"
echo "|---|---|---|---|---|"
for c in "${wanted[@]}"; do
  case "$c" in
    cpu)
      row "CPU per request, 20,000 requests, 0 ms" "cpu/%/us" "µs"
      row "peak RSS, 20,000 requests" "cpu/%/rss" "MiB" ;;
    little)
      row "answers/s at 50 ms, concurrency 256 (bound 5,120)" "little/%/rate" "/s"
      row "CPU per request at 50 ms" "little/%/us" "µs"
      row "server's peak in flight at 50 ms (256 wanted)" "little/%/inflight" ""
      row "the server's own CPU at 50 ms" "little/%/server_cpu" "s" ;;
    inflight)
      row "errors, 10,000 in flight at 1 s" "inflight/%/errors" ""
      row "server's peak in flight" "inflight/%/inflight" ""
      row "peak RSS, 10,000 in flight" "inflight/%/rss" "MiB" ;;
    rss)
      row "peak RSS, 100,000 samples" "rss/%/rss" "MiB"
      row "CPU per request, 100,000 samples" "rss/%/us" "µs" ;;
    stream)
      row "CPU per request, 20,000 requests, 0 ms, --stream" "stream/%/us" "µs"
      row "peak RSS, same" "stream/%/rss" "MiB" ;;
  esac
done
