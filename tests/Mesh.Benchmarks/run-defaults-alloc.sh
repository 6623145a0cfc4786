#!/usr/bin/env bash
# Bytes allocated per call by the defaults server of run-defaults.sh (Mesh.Benchmarks defaults-server --kind full:
# AddServiceDefaults + AddTokenValidation, OTLP export to a local sink), end to end over h2c: with the bench's bearer
# token and without. Allocation per call does not depend on what else the machine runs, so this is the number to
# compare on a shared box (docs/performance.md §6f). The server's dotnet.gc.heap.total_allocated is sampled every second
# by dotnet-counters while h2load sends a fixed number of calls; the idle rate before the calls is subtracted.
#
#   tests/Mesh.Benchmarks/run-defaults-alloc.sh [--calls N] [--rounds N] [--baseline DLL]
# Defaults: --calls 150000 --rounds 2 (each server first gets as many warm-up calls per mode). --baseline DLL measures
# the full server of another build too (its bin/Release/net10.0/Mesh.Benchmarks.dll), in the same run.
# Needs dotnet-counters (`dotnet tool install -g dotnet-counters`), h2load and taskset. Server on core 0, h2load and
# the sink on core 1. Writes the table to .mesh/bench/results/defaults-alloc-<timestamp>.txt.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="$ROOT/.mesh/bench"
LOGS="$WORK/logs/defaults-alloc"
CALLS=150000; ROUNDS=2; BASELINE_DLL=""
SERVER_CORE=0; CLIENT_CORE=1

while [ $# -gt 0 ]; do
  case "$1" in
    --calls) CALLS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --baseline) BASELINE_DLL="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "run-defaults-alloc.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=bench-common.sh
source "$HERE/bench-common.sh"
log() { printf '\033[1;34m[defaults-alloc]\033[0m %s\n' "$*" >&2; }
median() { tr ' ' '\n' <<<"${1:-}" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "" }'; }
stop_servers_on_exit
require_load_tools
COUNTERS="$(command -v dotnet-counters || echo "$HOME/.dotnet/tools/dotnet-counters")"
[ -x "$COUNTERS" ] || { log "needs dotnet-counters: dotnet tool install -g dotnet-counters"; exit 1; }
[ -z "$BASELINE_DLL" ] || [ -f "$BASELINE_DLL" ] || { log "--baseline $BASELINE_DLL: no such file"; exit 2; }

mkdir -p "$WORK/results" "$LOGS"
log "building tests/Mesh.Benchmarks (Release)"
dotnet build "$HERE/Mesh.Benchmarks.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly >"$LOGS/build.log" 2>&1 \
  || { cat "$LOGS/build.log" >&2; exit 1; }
BENCH_DLL="$HERE/bin/Release/net10.0/Mesh.Benchmarks.dll"
BODIES="$WORK/bodies/defaults"
dotnet "$BENCH_DLL" defaults-bodies --out "$BODIES" >/dev/null
BEARER="$(cat "$BODIES/bearer.txt")"

# Starts a process pinned to a core and waits for its "listening on URL" line (stderr; stdout too for the sink —
# a full server's stdout is its JSON request log). Args: name, core, command…
start_pinned() {
  local name="$1" core="$2" out="$LOGS/$1.log"; shift 2
  if [ "$name" = otlp-sink ]; then taskset -c "$core" "$@" >"$out" 2>&1 & else taskset -c "$core" "$@" >/dev/null 2>"$out" & fi
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  for _ in $(seq 1 600); do
    if grep -q "listening on" "$out"; then STARTED_URL="$(grep -m1 -oE 'http://[0-9.]+:[0-9]+' "$out")"; return 0; fi
    kill -0 "$STARTED_PID" 2>/dev/null || { log "$name exited:"; cat "$out" >&2; exit 1; }
    sleep 0.1
  done
  log "$name did not print 'listening on' within 60 s"; exit 1
}

# Sends CALLS (or $3) calls to a server and checks every one got 200. Args: url, token|anon [, calls].
send() {
  local url="$1" mode="$2" n="${3:-$CALLS}" auth=() out="$LOGS/h2load.txt"
  [ "$mode" = token ] && auth=(-H "authorization: $BEARER")
  taskset -c "$CLIENT_CORE" h2load -n "$n" -c 8 -m 16 -t 1 -d "$BODIES/get-show.bin" -H 'content-type: application/grpc' \
    -H 'te: trailers' "${auth[@]}" "$url/mesh.catalog.v1.Catalog/GetShow" >"$out" 2>&1
  grep -qE "^status codes: $n 2xx" "$out" || { log "h2load: not every call succeeded"; cat "$out" >&2; exit 1; }
  grep -m1 "^finished in" "$out" | grep -oE '[0-9.]+s,' | tr -d 's,' >"$LOGS/last-seconds"
}

# Bytes per call: dotnet-counters samples the server's allocation rate each second from 3 s before the calls until
# well after them (it writes its file only when it stops on its own, hence a duration: 1.5× the warm-up's time for
# as many calls, + 8 s); the seconds above the idle rate (the lower of the first two samples) are summed, less that
# idle rate. Args: pid, url, token|anon, log name, seconds the warm-up took.
measure() {
  local pid="$1" url="$2" mode="$3" csv="$LOGS/$4.csv" seconds
  seconds="$(awk -v s="$5" 'BEGIN { printf "%d", s * 1.5 + 8 }')"
  rm -f "$csv"
  ( sleep 3; send "$url" "$mode" ) &
  "$COUNTERS" collect -p "$pid" --counters 'System.Runtime[dotnet.gc.heap.total_allocated]' --refresh-interval 1 \
    --format csv -o "$csv" --duration "$(printf '00:00:%02d:%02d' $((seconds / 60)) $((seconds % 60)))" >/dev/null 2>&1
  wait $! || { log "$4: the calls failed"; echo n/a; return 0; }
  awk -F, -v calls="$CALLS" '/total_allocated/ { v[++n] = $NF }
    END {
      if (n < 4) { print "n/a"; exit }
      idle = v[1] < v[2] ? v[1] : v[2]
      for (i = 1; i <= n; i++) if (v[i] > idle * 5 + 1e6) { sum += v[i] - idle }
      printf "%.0f", sum / calls }' "$csv"
}

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
start_pinned otlp-sink "$CLIENT_CORE" dotnet "$BENCH_DLL" otlp-sink
OTEL=(env OTEL_EXPORTER_OTLP_ENDPOINT="$STARTED_URL" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf OTEL_SERVICE_NAME=catalog)
declare -A URL PID BYTES WARM_SECONDS
SERVERS="defaults"
start_pinned defaults "$SERVER_CORE" "${OTEL[@]}" dotnet "$BENCH_DLL" defaults-server --kind full --key-pem "$BODIES/key.pem"
URL[defaults]="$STARTED_URL"; PID[defaults]="$STARTED_PID"
if [ -n "$BASELINE_DLL" ]; then
  SERVERS="defaults defaults-baseline"
  start_pinned defaults-baseline "$SERVER_CORE" "${OTEL[@]}" dotnet "$BASELINE_DLL" defaults-server --kind full --key-pem "$BODIES/key.pem"
  URL[defaults-baseline]="$STARTED_URL"; PID[defaults-baseline]="$STARTED_PID"
fi

for server in $SERVERS; do
  log "warm-up: $server, $CALLS calls with the token and $CALLS without"
  send "${URL[$server]}" token; WARM_SECONDS[$server-token]="$(cat "$LOGS/last-seconds")"
  send "${URL[$server]}" anon; WARM_SECONDS[$server-anon]="$(cat "$LOGS/last-seconds")"
done
for round in $(seq 1 "$ROUNDS"); do
  for server in $SERVERS; do
    for mode in token anon; do
      log "round $round/$ROUNDS: $server, $mode, $CALLS calls (load average $(cut -d' ' -f1 /proc/loadavg))"
      add BYTES "$server-$mode" "$(measure "${PID[$server]}" "${URL[$server]}" "$mode" "$server-$mode-r$round" "${WARM_SECONDS[$server-$mode]}")"
    done
  done
done

RESULT="$WORK/results/defaults-alloc-$(date -u +%Y%m%dT%H%M%SZ).txt"
{
  echo "Mesh defaults server, bytes allocated per call (dotnet-counters), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
  echo "mesh.catalog.v1.Catalog/GetShow, $CALLS calls per window (h2load -c 8 -m 16) after as many warm-up calls; median of $ROUNDS round(s)"
  printf '%-20s %12s %12s %14s\n' server "token B/call" "anon B/call" "token - anon"
  for server in $SERVERS; do
    t="$(m BYTES "$server-token")"; a="$(m BYTES "$server-anon")"
    printf '%-20s %12s %12s %14s\n' "$server" "$t" "$a" "$(awk -v t="$t" -v a="$a" 'BEGIN { print t - a }')"
  done
  echo "every round:"
  for server in $SERVERS; do echo "  $server: token ${BYTES[$server-token]} | anon ${BYTES[$server-anon]}"; done
  [ -z "$BASELINE_DLL" ] || echo "baseline: $BASELINE_DLL"
  echo "load average (1/5/15 min): at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$RESULT"
log "results: $RESULT"
