#!/usr/bin/env bash
# Service-defaults benchmark (issue #15, "Measure"): unary RPS of one real contract method, mesh.catalog.v1.Catalog/
# GetShow answered from memory (Defaults/ShowsFromMemory.cs, identical in every server), through our full service
# defaults vs the same method on a bare Grpc.AspNetCore server, in one run on this machine, alternating A/B.
#
#   bare        Mesh.Benchmarks defaults-server --kind bare: slim host, no logging, AddGrpc + MapGrpcService. The floor.
#   defaults    Mesh.Benchmarks defaults-server --kind full: WebApplication.CreateBuilder + AddServiceDefaults() +
#               AddTokenValidation() (fixed Mesh:Auth:Keys) + MapDefaultEndpoints(), Production (so its default trace
#               sampling: ServiceDefaults/Telemetry/TraceSampling.cs), framework log levels, OTLP/HTTP export (traces,
#               metrics, logs) to a local sink (otlp-sink); every call carries a valid ES256 bearer token, which
#               JwtBearer validates.
#   with --variants, three more, to tell where the cost is:
#   defaults-alltraces       a second full server with OTEL_TRACES_SAMPLER=parentbased_always_on: every call traced
#                            and exported (as Development does, and as every environment did before the sampling default)
#   defaults-anon            the first full server, called without the bearer token (no JwtBearer validation)
#   defaults-alltraces-anon  both: every call traced, no token
#   bare-anon                the bare server without the header (h2load sends the ~400-byte token to bare too, and
#                            decoding it is part of what the -anon modes save)
#   with --parts, three more: the bare server plus only what the target keeps on, to tell what those cost alone:
#   bare-telemetry           bare + ConfigureOpenTelemetry() (instrumentations, Production sampling, OTLP export to the sink)
#   bare-auth                bare + AddTokenValidation() (JwtBearer, authentication/authorization middleware, interceptor)
#   bare-both                bare + both
#   with --baseline DLL, one more: before/after in the same run, under the same load:
#   defaults-baseline        the full server from another build of this project (DLL = its bin/Release/net10.0/
#                            Mesh.Benchmarks.dll, e.g. from `git worktree add` / `git archive` of an earlier commit)
# Servers pinned to core 0 (all started once; only the measured one gets load), h2load and the OTLP sink on core 1.
# Every server is warmed up first (the JIT needs tens of seconds of load on one core), then ROUNDS rounds measure
# each mode in turn, the order reversed every other round; the table shows medians, RPS and CPU per request.
#
#   tests/Mesh.Benchmarks/run-defaults.sh [--duration S] [--warmup S] [--settle S] [--clients C] [--streams M]
#                                         [--rounds N] [--variants] [--parts] [--baseline DLL] [--no-latency]
#                                         [--quiet-wait S]
# Defaults: --duration 10 --warmup 30 --settle 2 --clients 8 --streams 16 --rounds 3 (about 2.5 minutes; with --variants
# about 5: use --rounds 2 --warmup 20 --duration 8 for about 3.5).
# "others" = share of core 0 / core 1 that processes other than ours took during a window (~0 for a clean number);
# --quiet-wait S waits up to S seconds before each window for both cores to be >= 90% idle. --no-latency: h2load
# keeps no per-request log (no p50/p99): that log costs the client core a write per call, which caps the servers' RPS
# and leaves part of core 0 to the kernel (docs/performance.md §6f). Builds Release, writes the
# table to .mesh/bench/results/defaults-<timestamp>.txt; stops the processes it started, by pid, on exit.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="$ROOT/.mesh/bench"
LOGS="$WORK/logs/defaults"

DURATION=10; WARMUP=30; SETTLE=2; CLIENTS=8; STREAMS=16; ROUNDS=3; QUIET_WAIT=0; VARIANTS=0; PARTS=0; BASELINE_DLL=""; LATENCY=1
SERVER_CORE=0; CLIENT_CORE=1

while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --settle) SETTLE="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --streams) STREAMS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --variants) VARIANTS=1; shift ;;
    --parts) PARTS=1; shift ;;
    --quiet-wait) QUIET_WAIT="$2"; shift 2 ;;
    --baseline) BASELINE_DLL="$2"; shift 2 ;;
    --no-latency) LATENCY=0; shift ;;
    -h|--help) sed -n '2,39p' "$0"; exit 0 ;;
    *) echo "run-defaults.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
MODES="bare defaults"
[ "$VARIANTS" = 1 ] && MODES="bare defaults defaults-alltraces defaults-anon defaults-alltraces-anon bare-anon"
[ "$PARTS" = 1 ] && MODES="$MODES bare-telemetry bare-auth bare-both"
if [ -n "$BASELINE_DLL" ]; then
  [ -f "$BASELINE_DLL" ] || { echo "run-defaults.sh: --baseline $BASELINE_DLL: no such file" >&2; exit 2; }
  MODES="$MODES defaults-baseline"
fi

# shellcheck source=bench-common.sh
source "$HERE/bench-common.sh"
log() { printf '\033[1;34m[defaults]\033[0m %s\n' "$*" >&2; }

# Stops every process in PIDS on exit; checks h2load, nghttp, curl, taskset and two cores (bench-common.sh).
stop_servers_on_exit
require_load_tools

# ---- build, request body, token ----
mkdir -p "$WORK/results" "$LOGS"
log "building tests/Mesh.Benchmarks (Release)"
dotnet build "$HERE/Mesh.Benchmarks.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly >"$LOGS/build.log" 2>&1 \
  || { cat "$LOGS/build.log" >&2; exit 1; }
BENCH_DLL="$HERE/bin/Release/net10.0/Mesh.Benchmarks.dll"
BODIES="$WORK/bodies/defaults"
dotnet "$BENCH_DLL" defaults-bodies --out "$BODIES" >/dev/null
BODY="$BODIES/get-show.bin"
BEARER="$(cat "$BODIES/bearer.txt")"
GRPC_PATH=/mesh.catalog.v1.Catalog/GetShow

# Starts a process pinned to a core and waits for its "listening on URL" line (stdout or stderr). Args: name, core,
# command… (the process's stdout goes to /dev/null when NAME ends in -quietout: the full server's JSON request logs
# would fill the disk). Sets STARTED_PID and STARTED_URL.
start_pinned() {
  local name="$1" core="$2" out="$LOGS/$1.log"; shift 2
  : >"$out"
  if [ "${name%-quietout}" != "$name" ]; then
    taskset -c "$core" "$@" >/dev/null 2>"$out" &
  else
    taskset -c "$core" "$@" >"$out" 2>&1 &
  fi
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  for _ in $(seq 1 600); do
    if grep -q "listening on" "$out"; then
      STARTED_URL="$(grep -m1 "listening on" "$out" | grep -oE 'http://[0-9.]+:[0-9]+' | head -1)"
      return 0
    fi
    kill -0 "$STARTED_PID" 2>/dev/null || { log "$name exited:"; cat "$out" >&2; exit 1; }
    sleep 0.1
  done
  log "$name did not print 'listening on' within 60 s"; cat "$out" >&2; exit 1
}

cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }
h2load_rps() { grep -m1 "^finished in" "$1" | grep -oE '[0-9.]+ req/s' | grep -oE '^[0-9.]+'; }
client_cpu_seconds() {
  tail -1 "$LOGS/$1.clientcpu" | sed -E 's/([0-9]+)m([0-9.]+)s/\1 \2/g' | awk '{ print $1 * 60 + $2 + $3 * 60 + $4 }'
}
percentile_ms() {
  [ -f "$1" ] || { echo n/a; return 0; }
  awk '{ print $3 }' "$1" | sort -n | awk -v p="$2" '{ v[NR] = $1 } END {
    if (NR == 0) { print "n/a"; exit }
    i = int(p / 100 * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR
    printf "%.2f", v[i] / 1000 }'
}
median() { tr ' ' '\n' <<<"${1:-}" | tr -d '%' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "" }'; }

# The URL, pid and whether it sends the bearer token, per mode.
url_of() { case "$1" in bare-telemetry|bare-auth|bare-both) echo "${PART_URL[$1]}" ;; bare|bare-anon) echo "$BARE_URL" ;; defaults|defaults-anon) echo "$FULL_URL" ;; defaults-alltraces|defaults-alltraces-anon) echo "$ALL_URL" ;; defaults-baseline) echo "$BASE_URL" ;; esac; }
pid_of() { case "$1" in bare-telemetry|bare-auth|bare-both) echo "${PART_PID[$1]}" ;; bare|bare-anon) echo "$BARE_PID" ;; defaults|defaults-anon) echo "$FULL_PID" ;; defaults-alltraces|defaults-alltraces-anon) echo "$ALL_PID" ;; defaults-baseline) echo "$BASE_PID" ;; esac; }
auth_args() { case "$1" in *-anon) return 0 ;; esac; printf '%s\n' -H "authorization: $BEARER"; }

# h2load on the client core against one mode. Args: log name, mode, seconds.
run_h2load() {
  local name="$1" mode="$2" seconds="$3" auth=() times=()
  mapfile -t auth < <(auth_args "$mode")
  rm -f "$LOGS/$name.times"
  [ "$LATENCY" = 1 ] && times=(--log-file "$LOGS/$name.times")
  (
    taskset -c "$CLIENT_CORE" h2load -D "$seconds" --warm-up-time "$SETTLE" -c "$CLIENTS" -m "$STREAMS" -t 1 \
      -d "$BODY" -H 'content-type: application/grpc' -H 'te: trailers' "${auth[@]}" \
      "${times[@]}" "$(url_of "$mode")$GRPC_PATH" >"$LOGS/$name.h2load" 2>&1
    times >"$LOGS/$name.clientcpu"  # not piped: `times` in this subshell reports h2load's CPU
  )
  local failed errored
  failed="$(grep -m1 "^requests:" "$LOGS/$name.h2load" | grep -oE '[0-9]+ failed' | grep -oE '^[0-9]+' || true)"
  errored="$(grep -m1 "^requests:" "$LOGS/$name.h2load" | grep -oE '[0-9]+ errored' | grep -oE '^[0-9]+' || true)"
  [ "${failed:-1}" = 0 ] && [ "${errored:-1}" = 0 ] || { log "$name: failed requests"; cat "$LOGS/$name.h2load" >&2; exit 1; }
  grep -qE '^status codes: [0-9]+ 2xx, 0 3xx, 0 4xx, 0 5xx' "$LOGS/$name.h2load" \
    || { log "$name: non-2xx responses"; cat "$LOGS/$name.h2load" >&2; exit 1; }
}

# One call checked end to end (h2load sees only the HTTP status; gRPC errors travel in the trailers). Args: mode,
# expected grpc-status, authorization header value (empty = none).
check_call() {
  local mode="$1" expect="$2" authz="$3" out args=(-v -H 'content-type: application/grpc' -H 'te: trailers' -d "$BODY")
  [ -n "$authz" ] && args+=(-H "authorization: $authz")
  out="$(nghttp "${args[@]}" "$(url_of "$mode")$GRPC_PATH" 2>&1 | tr -d '\0' || true)"
  grep -aq "grpc-status: $expect" <<<"$out" \
    || { log "sanity call to $mode did not end with grpc-status $expect:"; grep -a -E ":status|grpc-" <<<"$out" >&2 || true; exit 1; }
}

# ---- start the OTLP sink (client core) and the servers (server core) ----
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
start_pinned otlp-sink "$CLIENT_CORE" dotnet "$BENCH_DLL" otlp-sink
SINK_URL="$STARTED_URL"
start_pinned bare-quietout "$SERVER_CORE" dotnet "$BENCH_DLL" defaults-server --kind bare
BARE_PID="$STARTED_PID"; BARE_URL="$STARTED_URL"
OTEL=(env OTEL_EXPORTER_OTLP_ENDPOINT="$SINK_URL" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf OTEL_SERVICE_NAME=catalog)
start_pinned defaults-quietout "$SERVER_CORE" "${OTEL[@]}" dotnet "$BENCH_DLL" defaults-server --kind full --key-pem "$BODIES/key.pem"
FULL_PID="$STARTED_PID"; FULL_URL="$STARTED_URL"
ALL_PID=""; ALL_URL=""
if [ "$VARIANTS" = 1 ]; then
  start_pinned defaults-alltraces-quietout "$SERVER_CORE" "${OTEL[@]}" OTEL_TRACES_SAMPLER=parentbased_always_on \
    dotnet "$BENCH_DLL" defaults-server --kind full --key-pem "$BODIES/key.pem"
  ALL_PID="$STARTED_PID"; ALL_URL="$STARTED_URL"
fi
declare -A PART_PID PART_URL
if [ "$PARTS" = 1 ]; then
  for part in bare-telemetry bare-auth bare-both; do
    start_pinned "$part-quietout" "$SERVER_CORE" "${OTEL[@]}" dotnet "$BENCH_DLL" defaults-server --kind "$part" --key-pem "$BODIES/key.pem"
    PART_PID[$part]="$STARTED_PID"; PART_URL[$part]="$STARTED_URL"
  done
fi
BASE_PID=""; BASE_URL=""
if [ -n "$BASELINE_DLL" ]; then
  start_pinned defaults-baseline-quietout "$SERVER_CORE" "${OTEL[@]}" dotnet "$BASELINE_DLL" defaults-server --kind full --key-pem "$BODIES/key.pem"
  BASE_PID="$STARTED_PID"; BASE_URL="$STARTED_URL"
fi
log "bare $BARE_URL (pid $BARE_PID), defaults $FULL_URL (pid $FULL_PID)${ALL_URL:+, defaults-alltraces $ALL_URL (pid $ALL_PID)}${BASE_URL:+, defaults-baseline $BASE_URL (pid $BASE_PID)} on core $SERVER_CORE; OTLP sink $SINK_URL on core $CLIENT_CORE"

# ---- sanity: the method answers everywhere, and the full server really checks the token ----
check_call bare 0 "$BEARER"
check_call defaults 0 "$BEARER"
check_call defaults 0 ""                                 # GetShow is public: anonymous is fine…
check_call defaults 16 "${BEARER%?????}AAAAA"            # …but a token that is sent must be valid (UNAUTHENTICATED)
[ -z "$ALL_URL" ] || check_call defaults-alltraces 0 "$BEARER"
[ -z "$BASE_URL" ] || { check_call defaults-baseline 0 "$BEARER"; check_call defaults-baseline 16 "${BEARER%?????}AAAAA"; }
if [ "$PARTS" = 1 ]; then
  for part in bare-telemetry bare-auth bare-both; do check_call "$part" 0 "$BEARER"; done
  check_call bare-auth 16 "${BEARER%?????}AAAAA"; check_call bare-both 16 "${BEARER%?????}AAAAA"
fi
log "sanity calls ok (a corrupted token gets UNAUTHENTICATED from the defaults server)"

# ---- warm-up: every server gets the same load for WARMUP seconds ----
declare -A WRPS RPS CPU P50 P99 OTH
WARM_ORDER="$MODES"
for mode in $WARM_ORDER; do
  case "$mode" in *-anon) continue ;; esac   # same process as the mode without -anon
  wait_until_quiet
  log "warm-up: $mode for ${WARMUP}s"
  run_h2load "warmup-$mode" "$mode" "$WARMUP"
  add WRPS "$mode" "$(h2load_rps "$LOGS/warmup-$mode.h2load")"
done

# ---- measured windows ----
window() {
  local mode="$1" round="$2" name="$1-r$2" pid b0 b1 s0 s1 c0 c1 window_s
  pid="$(pid_of "$mode")"
  wait_until_quiet
  log "round $round/$ROUNDS, $mode: h2load -c $CLIENTS -m $STREAMS for ${DURATION}s (+${SETTLE}s), load average $(cut -d' ' -f1 /proc/loadavg)"
  b0="$(cpu_seconds "$pid")"; s0=($(core_jiffies "$SERVER_CORE")); c0=($(core_jiffies "$CLIENT_CORE"))
  run_h2load "$name" "$mode" "$DURATION"
  b1="$(cpu_seconds "$pid")"; s1=($(core_jiffies "$SERVER_CORE")); c1=($(core_jiffies "$CLIENT_CORE"))
  window_s=$((DURATION + SETTLE))
  add RPS "$mode" "$(h2load_rps "$LOGS/$name.h2load")"
  add CPU "$mode" "$(awk -v a="$b0" -v b="$b1" -v w="$window_s" 'BEGIN { printf "%.0f", (b - a) / w * 100 }')"
  add P50 "$mode" "$(percentile_ms "$LOGS/$name.times" 50)"
  add P99 "$mode" "$(percentile_ms "$LOGS/$name.times" 99)"
  add OTH "$mode" "$(others_share "$(( s1[0] - s0[0] ))" "$(( s1[1] - s0[1] ))" "$(awk -v a="$b0" -v b="$b1" 'BEGIN { print b - a }')")/$(others_share "$(( c1[0] - c0[0] ))" "$(( c1[1] - c0[1] ))" "$(client_cpu_seconds "$name")")"
}
REVERSED="$(tr ' ' '\n' <<<"$MODES" | tac | tr '\n' ' ')"
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then order="$MODES"; else order="$REVERSED"; fi
  for mode in $order; do window "$mode" "$round"; done
done
SINK_STATS="$(curl -s "$SINK_URL/stats" || echo unreachable)"
grep -qE 'traces=[1-9]' <<<"$SINK_STATS" || { log "the OTLP sink received no traces ($SINK_STATS): telemetry was not on"; exit 1; }

us_per_req() { awk -v c="${1:-}" -v r="${2:-}" 'BEGIN { if (r == "" || r == 0) print "n/a"; else printf "%.1f", c / 100 / r * 1e6 }'; }
RESULT="$WORK/results/defaults-$(date -u +%Y%m%dT%H%M%SZ).txt"
{
  echo "Mesh service-defaults benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(uname -r)"
  echo "mesh.catalog.v1.Catalog/GetShow from memory; servers pinned to core $SERVER_CORE, h2load and the OTLP sink to core $CLIENT_CORE"
  echo "h2load -c $CLIENTS -m $STREAMS ($((CLIENTS * STREAMS)) in flight), each window ${DURATION}s after ${SETTLE}s; warm-up ${WARMUP}s per server; median of $ROUNDS round(s), order reversed every other round"
  echo
  printf '%-23s %10s %6s %10s %8s %8s %9s %12s\n' mode "RPS" "cpu" "µs/req" "p50 ms" "p99 ms" "others" "warm-up RPS"
  for mode in $MODES; do
    printf '%-23s %10s %5s%% %10s %8s %8s %9s %12s\n' "$mode" "$(m RPS "$mode")" "$(m CPU "$mode")" \
      "$(us_per_req "$(m CPU "$mode")" "$(m RPS "$mode")")" "$(m P50 "$mode")" "$(m P99 "$mode")" \
      "$(m OTH "$mode" | head -1)" "$(m WRPS "$mode")"
  done
  echo
  echo "defaults / bare: RPS $(ratio "$(m RPS defaults)" "$(m RPS bare)") (target >= 0.80x)"
  if [ "$VARIANTS" = 1 ]; then
    echo "defaults-alltraces / bare: RPS $(ratio "$(m RPS defaults-alltraces)" "$(m RPS bare)") (every call traced and exported)"
    echo "defaults-anon / bare: RPS $(ratio "$(m RPS defaults-anon)" "$(m RPS bare)") (no bearer token sent)"
    echo "defaults-alltraces-anon / bare: RPS $(ratio "$(m RPS defaults-alltraces-anon)" "$(m RPS bare)") (every call traced, no token)"
    echo "defaults-anon / bare-anon: RPS $(ratio "$(m RPS defaults-anon)" "$(m RPS bare-anon)") (neither gets the header)"
  fi
  if [ "$PARTS" = 1 ]; then
    echo "bare-telemetry / bare: RPS $(ratio "$(m RPS bare-telemetry)" "$(m RPS bare)") (our telemetry alone)"
    echo "bare-auth / bare: RPS $(ratio "$(m RPS bare-auth)" "$(m RPS bare)") (token validation alone)"
    echo "bare-both / bare: RPS $(ratio "$(m RPS bare-both)" "$(m RPS bare)") (telemetry + token validation, nothing else of the defaults)"
  fi
  [ -z "$BASELINE_DLL" ] || echo "defaults-baseline / bare: RPS $(ratio "$(m RPS defaults-baseline)" "$(m RPS bare)"); defaults / defaults-baseline: RPS $(ratio "$(m RPS defaults)" "$(m RPS defaults-baseline)") (baseline: $BASELINE_DLL)"
  echo "OTLP sink received (requests/bytes): $SINK_STATS"
  echo
  echo "cpu = share of core $SERVER_CORE the measured server used; µs/req = its CPU time per request; others = % of"
  echo "core $SERVER_CORE / core $CLIENT_CORE that processes other than ours took during the window (~0 for a clean number)."
  echo "every round:"
  for mode in $MODES; do
    echo "  $mode: RPS ${RPS[$mode]} | cpu% ${CPU[$mode]} | p50 ${P50[$mode]} | p99 ${P99[$mode]} | others ${OTH[$mode]}"
  done
  echo "load average (1/5/15 min): at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$RESULT"
log "results: $RESULT, raw h2load output: $LOGS/"
