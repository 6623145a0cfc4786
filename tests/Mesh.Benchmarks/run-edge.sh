#!/usr/bin/env bash
# Edge benchmark (issues #6 and #17, "Measure"): one unary GET through services/Gateway (REST/JSON) vs the same
# method called directly over gRPC, against the same backend process, in one run on this machine.
#
#   backend  Mesh.Benchmarks edge-backend: mesh.bench.v1.Catalog/GetItem on Grpc.AspNetCore with the official JSON
#            transcoding (ServiceDefaults' AddGrpcServer): gRPC on h2c, REST on HTTP/1.1, pinned to core 0
#   gateway  Mesh.Benchmarks edge-gateway: services/Gateway (AddGateway/MapGateway: YARP) forwarding REST to the
#            backend's HTTP/1.1 endpoint, also pinned to core 0 (backend + gateway share one core; h2load has the other)
#   h2load   pinned to core 1, loopback only. Three ways of calling:
#     direct    POST /mesh.bench.v1.Catalog/GetItem over h2c (gRPC frame body: 5-byte prefix + GetItemRequest)
#     edge-h2   GET /v1/bench/42 over h2c (the gateway's HTTP2_PORT) — like for like with direct
#     edge-h1   GET /v1/bench/42 over HTTP/1.1 (HTTP_PORT), one request in flight per connection
#   with --backend-rest, two more, straight to the backend with the gateway idle (what the transcoder costs alone):
#     rest-h2   GET /v1/bench/42 over h2c on the backend's gRPC listener (which serves the REST routes too)
#     rest-h1   GET /v1/bench/42 over HTTP/1.1 on the backend's REST listener, one request in flight per connection
#   with --null-proxy, one more: the least a YARP edge can be (Mesh.Benchmarks edge-null-proxy: IHttpForwarder alone,
#   no routing, policy, logging or telemetry, forwarding over h2c to the backend's gRPC listener), on core 0 too:
#     proxy-h2  GET /v1/bench/42 over h2c through the null proxy
#   --bare-backend starts the backend with --kind bare: Grpc.AspNetCore + the official JSON transcoding, defaults, nothing
#   of ours (the packages' floor)
# Each round measures, in turn:
#   saturation  same concurrency for all (h2: -c CLIENTS -m STREAMS; h1: CLIENTS*STREAMS connections) -> RPS
#   fixed rate  RATE requests/s in total (h2load --rps, RATE_CLIENTS connections x RATE_STREAMS)       -> p50, p99
#               h2load starts every connection's due requests together (one thread), so with the defaults (4 x 8)
#               requests arrive in bursts of up to 32 and p50 mostly measures the wait behind a burst, which grows
#               with CPU per request; --rate-clients 1 --rate-streams 1 paces them one at a time (docs/performance.md §8a)
# while the direct case runs, the gateway is idle, so the backend has core 0 to itself.
#
#   tests/Mesh.Benchmarks/run-edge.sh [--duration S] [--warmup S] [--settle S] [--clients C] [--streams M]
#                                          [--rate RPS] [--rate-clients C] [--rate-streams M] [--rounds N] [--quiet-wait S]
#                                          [--counters N] [--bin DIR] [--backend-rest] [--bare-backend]
#                                          [--null-proxy]
# Defaults: --duration 10 --warmup 40 --settle 2 --clients 8 --streams 16 --rate 2000 --rate-clients 4 --rounds 3.
# --counters N: after the warm-up, send exactly N requests each of edge-h2, edge-h1 (saturation concurrency) and direct,
#   and print per request the gateway's bytes allocated and thread-pool work items (GET /debug/process-counters) and
#   the CPU µs of the gateway and the backend. The two counts barely depend on what else runs on the box; CPU µs does.
#   --rounds 0 stops there.
# The gateway reads Gateway__* from the environment: e.g. Gateway__InlineScheduling=true for an A/B run.
# --bin DIR: run an already built Mesh.Benchmarks from DIR (e.g. a copy of bin/Release/net10.0 kept for A/B
#   comparisons) instead of building the tree.
# "others" = share of core 0 / core 1 that processes other than ours took during a window; --quiet-wait S waits up
# to S seconds before each window for both cores to be >= 90% idle. Builds Release into bin/obj, writes the table to
# .mesh/bench/results/edge-<timestamp>.txt; stops the two servers it started by pid on exit, including Ctrl+C.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="$ROOT/.mesh/bench"
LOGS="$WORK/logs/edge"

DURATION=10; WARMUP=40; SETTLE=2; CLIENTS=8; STREAMS=16; RATE=2000; RATE_CLIENTS=4; RATE_STREAMS=8; ROUNDS=3; QUIET_WAIT=0
COUNTERS=0; BIN_DIR=""; BACKEND_KIND=mesh; BACKEND_REST=0; NULL_PROXY=0
SERVER_CORE=0; CLIENT_CORE=1
MODES="direct edge-h2 edge-h1"

while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --settle) SETTLE="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --streams) STREAMS="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --rate-clients) RATE_CLIENTS="$2"; shift 2 ;;
    --rate-streams) RATE_STREAMS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --quiet-wait) QUIET_WAIT="$2"; shift 2 ;;
    --counters) COUNTERS="$2"; shift 2 ;;
    --bin) BIN_DIR="$(cd "$2" && pwd)"; shift 2 ;;
    --backend-rest) BACKEND_REST=1; shift ;;
    --bare-backend) BACKEND_KIND=bare; shift ;;
    --null-proxy) NULL_PROXY=1; shift ;;
    -h|--help) sed -n '2,43p' "$0"; exit 0 ;;
    *) echo "run-edge.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

[ "$BACKEND_REST" = 1 ] && MODES="$MODES rest-h2 rest-h1"
[ "$NULL_PROXY" = 1 ] && MODES="$MODES proxy-h2"

# shellcheck source=bench-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"

log() { printf '\033[1;34m[edge]\033[0m %s\n' "$*" >&2; }

# Stops every process in PIDS on exit; checks h2load, nghttp, curl, taskset and two cores (bench-common.sh).
stop_servers_on_exit
require_load_tools
[ $((RATE % RATE_CLIENTS)) -eq 0 ] || { log "--rate must be a multiple of --rate-clients"; exit 2; }

# ---- build ----
mkdir -p "$WORK/results" "$LOGS"
if [ -n "$BIN_DIR" ]; then
  log "using the already built $BIN_DIR (no build)"
  BENCH_DLL="$BIN_DIR/Mesh.Benchmarks.dll"
else
  log "building tests/Mesh.Benchmarks (Release; includes services/Gateway)"
  dotnet build "$HERE/Mesh.Benchmarks.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly >"$LOGS/build.log" 2>&1 \
    || { cat "$LOGS/build.log" >&2; exit 1; }
  BENCH_DLL="$HERE/bin/Release/net10.0/Mesh.Benchmarks.dll"
fi
dotnet "$BENCH_DLL" edge-bodies --out "$WORK/bodies" --id 42 >/dev/null
BODY="$WORK/bodies/get-item.bin"
GRPC_PATH=/mesh.bench.v1.Catalog/GetItem
REST_PATH=/v1/bench/42

# Starts a process on the server core and waits for its "listening on URL…" line. Args: name, command…
# Sets STARTED_PID and STARTED_URLS.
start_on_server_core() {
  local name="$1" out="$LOGS/$1.log"; shift
  : >"$out"
  taskset -c "$SERVER_CORE" "$@" >"$out" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  for _ in $(seq 1 300); do
    if grep -q "listening on" "$out"; then
      STARTED_URLS="$(grep -m1 "listening on" "$out" | grep -oE 'http://[0-9.]+:[0-9]+' | tr '\n' ' ')"
      return 0
    fi
    kill -0 "$STARTED_PID" 2>/dev/null || { log "$name exited:"; cat "$out" >&2; exit 1; }
    sleep 0.1
  done
  log "$name did not print 'listening on' within 30 s"; cat "$out" >&2; exit 1
}



cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }

# h2load on the client core. Args: log name, mode (direct|edge-h2|edge-h1), seconds, then extra h2load flags.
run_h2load() {
  local name="$1" mode="$2" seconds="$3"; shift 3
  local args=(-D "$seconds" --warm-up-time "$SETTLE" -t 1 --log-file "$LOGS/$name.times")
  rm -f "$LOGS/$name.times"   # h2load appends to its log file: without this, p50/p99 pool every earlier run's window
  case "$mode" in
    direct)  args+=(-d "$BODY" -H 'content-type: application/grpc' -H 'te: trailers' "$@" "$BACKEND_URL$GRPC_PATH") ;;
    edge-h2) args+=(-H 'accept: application/json' "$@" "$EDGE_H2_URL$REST_PATH") ;;
    edge-h1) args+=(--h1 -H 'accept: application/json' "$@" "$EDGE_H1_URL$REST_PATH") ;;
    rest-h2) args+=(-H 'accept: application/json' "$@" "$BACKEND_URL$REST_PATH") ;;
    proxy-h2) args+=(-H 'accept: application/json' "$@" "$PROXY_URL$REST_PATH") ;;
    rest-h1) args+=(--h1 -H 'accept: application/json' "$@" "$BACKEND_REST_URL$REST_PATH") ;;
  esac
  (
    taskset -c "$CLIENT_CORE" h2load "${args[@]}" >"$LOGS/$name.h2load" 2>&1
    times >"$LOGS/$name.clientcpu"
  )
  local failed errored
  failed="$(grep -m1 "^requests:" "$LOGS/$name.h2load" | grep -oE '[0-9]+ failed' | grep -oE '^[0-9]+' || true)"
  errored="$(grep -m1 "^requests:" "$LOGS/$name.h2load" | grep -oE '[0-9]+ errored' | grep -oE '^[0-9]+' || true)"
  [ "${failed:-1}" = 0 ] && [ "${errored:-1}" = 0 ] || { log "$name: failed requests"; cat "$LOGS/$name.h2load" >&2; exit 1; }
  # h2load counts any HTTP status as "succeeded"; insist on 2xx only.
  grep -qE '^status codes: [0-9]+ 2xx, 0 3xx, 0 4xx, 0 5xx' "$LOGS/$name.h2load" \
    || { log "$name: non-2xx responses"; cat "$LOGS/$name.h2load" >&2; exit 1; }
}

client_cpu_seconds() {
  tail -1 "$LOGS/$1.clientcpu" | sed -E 's/([0-9]+)m([0-9.]+)s/\1 \2/g' | awk '{ print $1 * 60 + $2 + $3 * 60 + $4 }'
}
h2load_rps() { grep -m1 "^finished in" "$1" | grep -oE '[0-9.]+ req/s' | grep -oE '^[0-9.]+'; }
percentile_ms() {
  awk '{ print $3 }' "$1" | sort -n | awk -v p="$2" '{ v[NR] = $1 } END {
    if (NR == 0) { print "n/a"; exit }
    i = int(p / 100 * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR
    printf "%.3f", v[i] / 1000 }'
}

declare -A RPS BCPU GCPU SOTH COTH P50 P99 RRPS ROTH
median() { tr ' ' '\n' <<<"${1:-}" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "" }'; }

# One measured window. Args: kind (sat|rate), mode, round. Records RPS, the CPU the backend and the gateway used,
# and what other processes took from each core.
window() {
  local kind="$1" mode="$2" round="$3" name="$2-$1-r$3" b0 g0 b1 g1 s0 c0 s1 c1 window_s ours_server
  wait_until_quiet
  if [ "$kind" = sat ]; then
    log "round $round/$ROUNDS, $mode: saturation for ${DURATION}s (+${SETTLE}s), load $(cut -d' ' -f1 /proc/loadavg)"
  else
    log "round $round/$ROUNDS, $mode: fixed rate $RATE req/s for ${DURATION}s (+${SETTLE}s)"
  fi
  local front="$GATEWAY_PID"; [ "$mode" = proxy-h2 ] && front="$PROXY_PID"   # the "gateway" columns: whichever edge the mode goes through
  b0="$(cpu_seconds "$BACKEND_PID")"; g0="$(cpu_seconds "$front")"
  s0=($(core_jiffies "$SERVER_CORE")); c0=($(core_jiffies "$CLIENT_CORE"))
  if [ "$kind" = sat ]; then
    if [ "$mode" = edge-h1 ] || [ "$mode" = rest-h1 ]; then run_h2load "$name" "$mode" "$DURATION" -c "$((CLIENTS * STREAMS))" -m 1
    else run_h2load "$name" "$mode" "$DURATION" -c "$CLIENTS" -m "$STREAMS"; fi
  else
    run_h2load "$name" "$mode" "$DURATION" -c "$RATE_CLIENTS" -m "$RATE_STREAMS" --rps "$((RATE / RATE_CLIENTS))"
  fi
  b1="$(cpu_seconds "$BACKEND_PID")"; g1="$(cpu_seconds "$front")"
  s1=($(core_jiffies "$SERVER_CORE")); c1=($(core_jiffies "$CLIENT_CORE"))
  window_s=$((DURATION + SETTLE))
  ours_server="$(awk -v a="$b0" -v b="$b1" -v c="$g0" -v d="$g1" 'BEGIN { print (b - a) + (d - c) }')"
  local oth
  oth="$(others_share "$(( s1[0] - s0[0] ))" "$(( s1[1] - s0[1] ))" "$ours_server")/$(others_share "$(( c1[0] - c0[0] ))" "$(( c1[1] - c0[1] ))" "$(client_cpu_seconds "$name")")"
  if [ "$kind" = sat ]; then
    add RPS "$mode" "$(h2load_rps "$LOGS/$name.h2load")"
    add BCPU "$mode" "$(awk -v a="$b0" -v b="$b1" -v w="$window_s" 'BEGIN { printf "%.0f", (b - a) / w * 100 }')"
    add GCPU "$mode" "$(awk -v a="$g0" -v b="$g1" -v w="$window_s" 'BEGIN { printf "%.0f", (b - a) / w * 100 }')"
    add SOTH "$mode" "$oth"
  else
    add RRPS "$mode" "$(h2load_rps "$LOGS/$name.h2load")"
    add P50 "$mode" "$(percentile_ms "$LOGS/$name.times" 50)"
    add P99 "$mode" "$(percentile_ms "$LOGS/$name.times" 99)"
    add ROTH "$mode" "$oth"
  fi
}

# ---- start the backend and the gateway (both on the server core) ----
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
start_on_server_core backend dotnet "$BENCH_DLL" edge-backend --port 0 --http-port 0 --kind "$BACKEND_KIND"
BACKEND_PID="$STARTED_PID"; read -r BACKEND_URL BACKEND_REST_URL <<<"$STARTED_URLS"
start_on_server_core gateway dotnet "$BENCH_DLL" edge-gateway --backend "$BACKEND_REST_URL"
GATEWAY_PID="$STARTED_PID"; read -r EDGE_H1_URL EDGE_H2_URL <<<"$STARTED_URLS"
PROXY_PID=""; PROXY_URL=""
if [ "$NULL_PROXY" = 1 ]; then
  start_on_server_core null-proxy dotnet "$BENCH_DLL" edge-null-proxy --backend "$BACKEND_URL"
  PROXY_PID="$STARTED_PID"; PROXY_URL="${STARTED_URLS%% *}"
  log "null proxy $PROXY_URL (pid $PROXY_PID) → $BACKEND_URL"
fi
log "backend $BACKEND_URL (gRPC) $BACKEND_REST_URL (REST) (pid $BACKEND_PID), gateway $EDGE_H1_URL (HTTP/1.1) $EDGE_H2_URL (h2c) (pid $GATEWAY_PID), all on core $SERVER_CORE"

# ---- one call of each kind checked end to end (h2load only sees HTTP status) ----
out="$(nghttp -v -H 'content-type: application/grpc' -H 'te: trailers' -d "$BODY" "$BACKEND_URL$GRPC_PATH" 2>&1 | tr -d '\0' || true)"
grep -aq "grpc-status: 0" <<<"$out" || { log "direct gRPC sanity call failed:"; echo "$out" >&2; exit 1; }
for url in "$EDGE_H1_URL" "$EDGE_H2_URL"; do
  if [ "$url" = "$EDGE_H2_URL" ]; then out="$(nghttp "$url$REST_PATH" 2>&1 || true)"; else out="$(curl -s "$url$REST_PATH" || true)"; fi
  grep -qE '"id": ?"?42' <<<"$out" && grep -qE '"name": ?"Ergonomic keyboard"' <<<"$out" \
    || { log "REST sanity call $url$REST_PATH failed: $out"; exit 1; }
done
if [ "$NULL_PROXY" = 1 ]; then
  out="$(nghttp "$PROXY_URL$REST_PATH" 2>&1 || true)"
  grep -qE '"id": ?"?42' <<<"$out" || { log "null proxy sanity call $PROXY_URL$REST_PATH failed: $out"; exit 1; }
fi
if [ "$BACKEND_REST" = 1 ]; then
  for url in "$BACKEND_URL" "$BACKEND_REST_URL"; do
    if [ "$url" = "$BACKEND_URL" ]; then out="$(nghttp "$url$REST_PATH" 2>&1 || true)"; else out="$(curl -s "$url$REST_PATH" || true)"; fi
    grep -qE '"id": ?"?42' <<<"$out" || { log "backend REST sanity call $url$REST_PATH failed: $out"; exit 1; }
  done
fi
log "sanity calls ok; REST body: $out"

# ---- warm-up: the JIT needs tens of seconds of load on one busy core (docs/performance.md, Honest notes) ----
wait_until_quiet
log "warm-up: edge-h2 for ${WARMUP}s, edge-h1 and direct for $((WARMUP / 4))s each"
run_h2load warmup-edge-h2 edge-h2 "$WARMUP" -c "$CLIENTS" -m "$STREAMS"
run_h2load warmup-edge-h1 edge-h1 "$((WARMUP / 4 > 1 ? WARMUP / 4 : 1))" -c "$((CLIENTS * STREAMS))" -m 1
run_h2load warmup-direct direct "$((WARMUP / 4 > 1 ? WARMUP / 4 : 1))" -c "$CLIENTS" -m "$STREAMS"
if [ "$NULL_PROXY" = 1 ]; then log "warm-up: proxy-h2 for ${WARMUP}s"; run_h2load warmup-proxy-h2 proxy-h2 "$WARMUP" -c "$CLIENTS" -m "$STREAMS"; fi
WARM_EDGE="$(h2load_rps "$LOGS/warmup-edge-h2.h2load")"

# ---- per-request counts over a fixed number of requests (steady even on a busy box) ----
counter() { curl -s "$EDGE_H1_URL/debug/process-counters" | grep -oE "\"$1\": *[0-9]+" | grep -oE '[0-9]+$'; }
count_window() {
  local mode="$1" b0 g0 b1 g1 a0 w0 a1 w1 s0 s1
  wait_until_quiet
  b0="$(cpu_seconds "$BACKEND_PID")"; g0="$(cpu_seconds "$GATEWAY_PID")"; a0="$(counter allocatedBytes)"; w0="$(counter threadPoolWorkItems)"
  s0=($(core_jiffies "$SERVER_CORE"))
  local args=(-n "$COUNTERS" -c "$CLIENTS" -m "$STREAMS" -t 1)
  case "$mode" in
    direct)  args+=(-d "$BODY" -H 'content-type: application/grpc' -H 'te: trailers' "$BACKEND_URL$GRPC_PATH") ;;
    edge-h2) args+=(-H 'accept: application/json' "$EDGE_H2_URL$REST_PATH") ;;
    edge-h1) args=(-n "$COUNTERS" -c "$((CLIENTS * STREAMS))" -m 1 -t 1 --h1 -H 'accept: application/json' "$EDGE_H1_URL$REST_PATH") ;;
  esac
  taskset -c "$CLIENT_CORE" h2load "${args[@]}" >"$LOGS/counters-$mode.h2load" 2>&1
  grep -qE "^status codes: $COUNTERS 2xx" "$LOGS/counters-$mode.h2load" || { log "counters $mode: not all 2xx"; cat "$LOGS/counters-$mode.h2load" >&2; exit 1; }
  b1="$(cpu_seconds "$BACKEND_PID")"; g1="$(cpu_seconds "$GATEWAY_PID")"; a1="$(counter allocatedBytes)"; w1="$(counter threadPoolWorkItems)"
  s1=($(core_jiffies "$SERVER_CORE"))
  # The two counter reads themselves are two requests of the gateway: negligible against N.
  awk -v n="$COUNTERS" -v mode="$mode" -v a="$((a1 - a0))" -v w="$((w1 - w0))" -v g="$g0 $g1" -v b="$b0 $b1" \
      -v rps="$(h2load_rps "$LOGS/counters-$mode.h2load")" -v oth="$(others_share "$(( s1[0] - s0[0] ))" "$(( s1[1] - s0[1] ))" "$(awk -v a="$b0" -v b="$b1" -v c="$g0" -v d="$g1" 'BEGIN { print (b - a) + (d - c) }')")" \
      'BEGIN { split(g, G, " "); split(b, B, " ");
        if (mode == "direct") printf "counters %-8s %8d req  %9.0f req/s  backend %5.1f µs/req  (gateway idle)  others core 0: %s%%\n", mode, n, rps, (B[2] - B[1]) / n * 1e6, oth;
        else printf "counters %-8s %8d req  %9.0f req/s  gateway %5.1f µs/req  backend %5.1f µs/req  gateway %7.0f B/req  %5.2f work items/req  others core 0: %s%%\n",
          mode, n, rps, (G[2] - G[1]) / n * 1e6, (B[2] - B[1]) / n * 1e6, a / n, w / n, oth }' | tee -a "$LOGS/counters.txt" >&2
}
if [ "$COUNTERS" -gt 0 ]; then
  : >"$LOGS/counters.txt"
  for mode in edge-h2 edge-h1 direct; do count_window "$mode"; done
  [ "$ROUNDS" -gt 0 ] || { log "counters: $LOGS/counters.txt"; exit 0; }
fi

for round in $(seq 1 "$ROUNDS"); do
  for mode in $MODES; do window sat "$mode" "$round"; done
  for mode in $MODES; do window rate "$mode" "$round"; done
done

diff_ms() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b == "") print "n/a"; else printf "%.3f", a - b }'; }
# CPU microseconds per request of one process: cpu% / 100 / RPS.
us_per_req() { awk -v c="${1:-}" -v r="${2:-}" 'BEGIN { if (r == "" || r == 0) print "n/a"; else printf "%.1f", c / 100 / r * 1e6 }'; }

RESULT="$WORK/results/edge-$(date -u +%Y%m%dT%H%M%SZ).txt"
{
  echo "Mesh edge benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(uname -r)"
  echo "backend --kind $BACKEND_KIND (Grpc.AspNetCore + JSON transcoding, Catalog/GetItem) + gateway (services/Gateway, YARP) pinned to core $SERVER_CORE, h2load pinned to core $CLIENT_CORE"
  echo "saturation: h2 -c $CLIENTS -m $STREAMS ($((CLIENTS * STREAMS)) in flight); h1 $((CLIENTS * STREAMS)) connections x 1; fixed rate: $RATE req/s over $RATE_CLIENTS connections x $RATE_STREAMS streams"
  echo "each window ${DURATION}s measured after ${SETTLE}s; warm-up ${WARMUP}s; median of $ROUNDS round(s)"
  echo
  printf '%-8s %10s %8s %8s %10s %10s %8s | %9s %8s %8s %8s\n' mode "sat RPS" "backend" "gateway" "µs/req B" "µs/req G" "others" "rate RPS" "p50 ms" "p99 ms" "others"
  for mode in $MODES; do
    printf '%-8s %10s %7s%% %7s%% %10s %10s %8s | %9s %8s %8s %8s\n' "$mode" "$(m RPS "$mode")" "$(m BCPU "$mode")" "$(m GCPU "$mode")" \
      "$(us_per_req "$(m BCPU "$mode")" "$(m RPS "$mode")")" "$(us_per_req "$(m GCPU "$mode")" "$(m RPS "$mode")")" \
      "$(m SOTH "$mode" | head -1)" "$(m RRPS "$mode")" "$(m P50 "$mode")" "$(m P99 "$mode")" "$(m ROTH "$mode" | head -1)"
  done
  echo
  echo "edge-h2 / direct: RPS $(ratio "$(m RPS edge-h2)" "$(m RPS direct)") (target >= 0.60x); p50 added at $RATE req/s: $(diff_ms "$(m P50 edge-h2)" "$(m P50 direct)") ms (target <= 0.3 ms)"
  echo "edge-h1 / direct: RPS $(ratio "$(m RPS edge-h1)" "$(m RPS direct)"); p50 added at $RATE req/s: $(diff_ms "$(m P50 edge-h1)" "$(m P50 direct)") ms"
  [ "$NULL_PROXY" = 1 ] && echo "proxy-h2 / direct (YARP's forwarder alone, h2c both hops): RPS $(ratio "$(m RPS proxy-h2)" "$(m RPS direct)"); p50 added at $RATE req/s: $(diff_ms "$(m P50 proxy-h2)" "$(m P50 direct)") ms; proxy µs/req $(us_per_req "$(m GCPU proxy-h2)" "$(m RPS proxy-h2)") + backend $(us_per_req "$(m BCPU proxy-h2)" "$(m RPS proxy-h2)")"
  if [ "$BACKEND_REST" = 1 ]; then
    echo "rest-h2 / direct (no edge): RPS $(ratio "$(m RPS rest-h2)" "$(m RPS direct)"); backend µs/req $(us_per_req "$(m BCPU rest-h2)" "$(m RPS rest-h2)") vs $(us_per_req "$(m BCPU direct)" "$(m RPS direct)")"
    echo "rest-h1 / direct (no edge): RPS $(ratio "$(m RPS rest-h1)" "$(m RPS direct)"); backend µs/req $(us_per_req "$(m BCPU rest-h1)" "$(m RPS rest-h1)") vs $(us_per_req "$(m BCPU direct)" "$(m RPS direct)")"
  fi
  echo "warm-up (first ${WARMUP}s after start) edge-h2 RPS: $WARM_EDGE"
  echo
  echo "backend/gateway = share of core $SERVER_CORE each process used during the saturation window; µs/req B/G = CPU time per"
  echo "request of the backend / the gateway; others = % of core $SERVER_CORE / core $CLIENT_CORE other processes took (should be ~0)."
  echo "every round:"
  for mode in $MODES; do
    echo "  $mode: sat RPS ${RPS[$mode]} | backend% ${BCPU[$mode]} gateway% ${GCPU[$mode]} | others ${SOTH[$mode]} | p50 ${P50[$mode]} | p99 ${P99[$mode]} | rate RPS ${RRPS[$mode]} | others ${ROTH[$mode]}"
  done
  echo "load average (1/5/15 min): at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$RESULT"
log "results: $RESULT, raw h2load output: $LOGS/"
