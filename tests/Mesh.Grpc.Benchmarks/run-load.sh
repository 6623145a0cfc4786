#!/usr/bin/env bash
# Load benchmark of Mesh.Grpc against two reference gRPC servers, in one run on this machine:
#   ours    Mesh.Grpc on Kestrel (tests/Mesh.Grpc.Benchmarks `serve`, Release)
#   cpp     C++ gRPC from Debian's libgrpc++ (reference/cpp/bench_server.cc, callback API)
#   grpcjs  @grpc/grpc-js (reference/node/bench-server.js)
# all serving grpc.testing.TestService. Each server in turn runs pinned to core 0 (taskset -c 0) while
# h2load (nghttp2) runs pinned to core 1, on loopback, for a fixed duration:
#   unary      UnaryCall, 64-byte request and response payloads, -c CLIENTS -m STREAMS   -> RPS, p50, p99
#   streaming  StreamingOutputCall asking for 1000 responses of 16 bytes              -> messages/s
# each after a warm-up of --warmup seconds (default 40: .NET's tiered JIT needs that long on one busy core).
# Optional --dotnet-client also measures streaming with Mesh.Grpc's own client (on core 1).
#
#   tests/Mesh.Grpc.Benchmarks/run-load.sh [--duration S] [--warmup S] [--settle S] [--clients C] [--streams M]
#                                          [--stream-clients C] [--stream-streams M] [--servers "ours cpp grpcjs"]
#                                          [--rounds N] [--quiet-wait S] [--dotnet-client]
# Servers take turns (ours, cpp, grpcjs, ours, cpp, …) for --rounds rounds (default 3); the table shows medians.
# The box may be shared: "others" is the share of the server's core (core 0) / the client's core (core 1) that other
# processes used during a run; --quiet-wait S waits up to S seconds before each run for both cores to be >= 90% idle.
# Installs what it needs when missing (Debian packages need root), builds into .mesh/bench/ and
# bin/obj (never committed), prints a table and writes it to .mesh/bench/results/<timestamp>.txt.
# Every server it starts is stopped by pid on exit, including Ctrl+C.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="$ROOT/.mesh/bench"
NODE_DIR="$ROOT/tests/node"

DURATION=10; WARMUP=40; SETTLE=2; CLIENTS=8; STREAMS=16; STREAM_CLIENTS=1; STREAM_STREAMS=8
SERVERS="ours cpp grpcjs"; DOTNET_CLIENT=0; ROUNDS=3; QUIET_WAIT=0
UNARY_SIZE=64; STREAM_MESSAGES=1000; STREAM_SIZE=16
SERVER_CORE=0; CLIENT_CORE=1

while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --settle) SETTLE="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --streams) STREAMS="$2"; shift 2 ;;
    --stream-clients) STREAM_CLIENTS="$2"; shift 2 ;;
    --stream-streams) STREAM_STREAMS="$2"; shift 2 ;;
    --servers) SERVERS="$2"; shift 2 ;;
    --dotnet-client) DOTNET_CLIENT=1; shift ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --quiet-wait) QUIET_WAIT="$2"; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "run-load.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=bench-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"

log() { printf '\033[1;34m[bench]\033[0m %s\n' "$*" >&2; }

# ---- stop every server we started, by pid, whatever way we leave ----
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ---- prerequisites ----
APT_PACKAGES=(nghttp2-client grpc-proto libgrpc++-dev protobuf-compiler-grpc protobuf-compiler pkg-config g++ nodejs npm)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs may come from elsewhere than Debian (e.g. nodesource): then node/npm on PATH are enough.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=($(printf '%s\n' "${missing[@]}" | grep -vx -e nodejs -e npm || true))
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then log "missing Debian packages: ${missing[*]} (sudo apt-get install -y ${missing[*]})"; exit 1; fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -d "$NODE_DIR/node_modules/@grpc/grpc-js" ]; then
  log "installing npm packages in tests/node"
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
if [ "$(nproc)" -lt 2 ]; then log "needs 2 cores (server on core $SERVER_CORE, client on core $CLIENT_CORE)"; exit 1; fi

# ---- build ----
mkdir -p "$WORK/results" "$WORK/logs"
log "building the C++ reference server"
CPP_BIN="$("$HERE/reference/cpp/build.sh" "$WORK/cpp")"
log "building tests/Mesh.Grpc.Benchmarks (Release)"
dotnet build "$HERE/Mesh.Grpc.Benchmarks.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly >"$WORK/logs/build.log" 2>&1 \
  || { cat "$WORK/logs/build.log" >&2; exit 1; }
BENCH_DLL="$HERE/bin/Release/net10.0/Mesh.Grpc.Benchmarks.dll"
dotnet "$BENCH_DLL" request-bodies --out "$WORK/bodies" --unary-size "$UNARY_SIZE" \
  --stream-messages "$STREAM_MESSAGES" --stream-size "$STREAM_SIZE" >/dev/null

server_command() {
  case "$1" in
    ours)   echo "dotnet $BENCH_DLL serve --port 0" ;;
    cpp)    echo "$CPP_BIN --port 0" ;;
    grpcjs) echo "node $HERE/reference/node/bench-server.js --port 0" ;;
    *) log "unknown server '$1' (ours, cpp, grpcjs)"; exit 2 ;;
  esac
}

# Starts a server on the server core; sets SERVER_PID and SERVER_PORT.
start_server() {
  local name="$1" out="$WORK/logs/$1.log"
  : >"$out"
  # shellcheck disable=SC2046
  taskset -c "$SERVER_CORE" $(server_command "$name") >"$out" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 1 300); do
    if grep -q "listening" "$out"; then
      SERVER_PORT="$(grep -m1 listening "$out" | grep -oE '[0-9]+$')"
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { log "$name exited:"; cat "$out" >&2; exit 1; }
    sleep 0.1
  done
  log "$name did not print 'listening' within 30 s"; cat "$out" >&2; exit 1
}

stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 25); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  local kept=() pid
  for pid in "${PIDS[@]}"; do [ "$pid" = "$SERVER_PID" ] || kept+=("$pid"); done
  PIDS=("${kept[@]}")
}

# Busy and total jiffies of one core from /proc/stat ("busy total").

# Waits (up to QUIET_WAIT seconds) until both cores are at least 90% idle over a 2 s sample, so a run
# does not start in the middle of someone else's build. Logs what it saw.

# CPU seconds (user+system) the process has used so far.
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"
}

# One call checked end to end: HTTP 200 and grpc-status 0 in the trailers (h2load only sees HTTP status).
check_grpc_ok() {
  local path="$1" body="$2" out
  out="$(nghttp -v -H 'content-type: application/grpc' -H 'te: trailers' -d "$body" "http://127.0.0.1:$SERVER_PORT$path" 2>&1 | tr -d '\0' || true)"
  if ! grep -aq "grpc-status: 0" <<<"$out"; then
    log "sanity call $path did not return grpc-status 0:"; grep -a -E ":status|grpc-" <<<"$out" >&2 || true; exit 1
  fi
}

# h2load on the client core against the current server. Args: name, path, body, clients, streams[, seconds].
# Leaves the h2load output in $WORK/logs/NAME.h2load and per-request times in NAME.times.
run_h2load() {
  local name="$1" path="$2" body="$3" c="$4" m="$5"
  # In a subshell whose only child is h2load, so `times` afterwards gives h2load's CPU time.
  (
    taskset -c "$CLIENT_CORE" h2load -D "${6:-$DURATION}" --warm-up-time "$SETTLE" -c "$c" -m "$m" -t 1 \
      -d "$body" -H 'content-type: application/grpc' -H 'te: trailers' \
      --log-file "$WORK/logs/$name.times" \
      "http://127.0.0.1:$SERVER_PORT$path" >"$WORK/logs/$name.h2load" 2>&1
    times >"$WORK/logs/$name.clientcpu"  # not piped: a pipeline would run `times` in a child without children
  )
}

# CPU seconds h2load used in the last run (from `times`: "0m1.234s 0m0.567s").
client_cpu_seconds() {
  tail -1 "$WORK/logs/$1.clientcpu" | sed -E 's/([0-9]+)m([0-9.]+)s/\1 \2/g' | awk '{ print $1 * 60 + $2 + $3 * 60 + $4 }'
}

# "requests: N total, N started, N done, N succeeded, N failed ..." -> failures must be zero.
h2load_field() { grep -m1 "^requests:" "$1" | grep -oE "[0-9]+ $2" | grep -oE '^[0-9]+'; }
h2load_rps() { grep -m1 "^finished in" "$1" | grep -oE '[0-9.]+ req/s' | grep -oE '^[0-9.]+'; }

# p-th percentile (0-100) of the request durations (3rd column, microseconds) -> milliseconds.
percentile_ms() {
  awk '{ print $3 }' "$1" | sort -n | awk -v p="$2" '{ v[NR] = $1 } END {
    if (NR == 0) { print "n/a"; exit }
    i = int(p / 100 * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR
    printf "%.2f", v[i] / 1000 }'
}

# Per-server results, one value per round: "NAME" -> "v1 v2 v3".
declare -A WRPS RPS P50 P99 UCPU UEFF UOTH UCOTH MPS SCPU SEFF SOTH SCOTH NETMPS LOAD
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RESULT="$WORK/results/$STAMP.txt"

# Appends a value to NAME's list in the named array.
# Median of a list of numbers (values may carry a trailing %).
median() { tr ' ' '\n' <<<"${1:-}" | tr -d '%' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "" }'; }
# Share of the server's core used between two cpu_seconds readings over the run time, in %.
cpu_share() { awk -v a="$1" -v b="$2" -v d="$((DURATION + SETTLE))" 'BEGIN { printf "%.0f", (b - a) / d * 100 }'; }
# Work per second of server CPU time: rate / share (a comparison that holds up when other processes take the core).
per_cpu() { awk -v r="$1" -v c="$2" 'BEGIN { if (c > 0) printf "%.0f", r / (c / 100); else print "" }'; }

# Share of a core used by processes other than ours during the last run, in %.
# Args: busy jiffies, total jiffies, CPU seconds our process used on that core.

# Snapshots both cores (before a run) / records what other processes took from each (after it).
cores_before() { core_before=($(core_jiffies "$SERVER_CORE")); client_before=($(core_jiffies "$CLIENT_CORE")); }
cores_after() {  # args: result array for the server core, for the client core, h2load log name
  core_after=($(core_jiffies "$SERVER_CORE")); client_after=($(core_jiffies "$CLIENT_CORE"))
  add "$1" "$name" "$(others_share "$(( core_after[0] - core_before[0] ))" "$(( core_after[1] - core_before[1] ))" \
    "$(awk -v a="$before" -v b="$after" 'BEGIN { print b - a }')")"
  add "$2" "$name" "$(others_share "$(( client_after[0] - client_before[0] ))" "$(( client_after[1] - client_before[1] ))" \
    "$(client_cpu_seconds "$3")")"
}

measure() {
  local name="$1" round="$2" before after log_file failed errored rps mps share
  add LOAD "$name" "$(cut -d' ' -f1 /proc/loadavg)"
  log "round $round/$ROUNDS, $name: starting on core $SERVER_CORE (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  start_server "$name"
  check_grpc_ok /grpc.testing.TestService/UnaryCall "$WORK/bodies/unary.bin"
  check_grpc_ok /grpc.testing.TestService/StreamingOutputCall "$WORK/bodies/stream.bin"

  # Warm-up: .NET's tiered JIT (with dynamic PGO) needs tens of seconds of load on one busy core before the
  # hot paths reach their final code; measuring earlier measures the JIT. The same warm-up is given to every
  # server; its RPS is reported too ("warm-up RPS") so the cold-start cost stays visible.
  wait_until_quiet
  log "$name: warm-up, unary for ${WARMUP}s and streaming for $((WARMUP / 4))s"
  run_h2load "$name-warmup-unary" /grpc.testing.TestService/UnaryCall "$WORK/bodies/unary.bin" "$CLIENTS" "$STREAMS" "$WARMUP"
  add WRPS "$name" "$(h2load_rps "$WORK/logs/$name-warmup-unary.h2load")"
  run_h2load "$name-warmup-stream" /grpc.testing.TestService/StreamingOutputCall "$WORK/bodies/stream.bin" \
    "$STREAM_CLIENTS" "$STREAM_STREAMS" "$((WARMUP / 4 > 1 ? WARMUP / 4 : 1))"

  wait_until_quiet
  log "$name: unary, h2load -c $CLIENTS -m $STREAMS for ${DURATION}s (+${SETTLE}s)"
  before="$(cpu_seconds "$SERVER_PID")"; cores_before
  run_h2load "$name-unary" /grpc.testing.TestService/UnaryCall "$WORK/bodies/unary.bin" "$CLIENTS" "$STREAMS"
  after="$(cpu_seconds "$SERVER_PID")"; cores_after UOTH UCOTH "$name-unary"
  log_file="$WORK/logs/$name-unary.h2load"
  failed="$(h2load_field "$log_file" failed)"; errored="$(h2load_field "$log_file" errored)"
  [ "${failed:-1}" = 0 ] && [ "${errored:-1}" = 0 ] || { log "$name unary: failed requests"; cat "$log_file" >&2; exit 1; }
  rps="$(h2load_rps "$log_file")"; share="$(cpu_share "$before" "$after")"
  add RPS "$name" "$rps"; add UCPU "$name" "$share"; add UEFF "$name" "$(per_cpu "$rps" "$share")"
  add P50 "$name" "$(percentile_ms "$WORK/logs/$name-unary.times" 50)"
  add P99 "$name" "$(percentile_ms "$WORK/logs/$name-unary.times" 99)"

  wait_until_quiet
  log "$name: streaming, h2load -c $STREAM_CLIENTS -m $STREAM_STREAMS, $STREAM_MESSAGES x ${STREAM_SIZE}-byte responses per call"
  before="$(cpu_seconds "$SERVER_PID")"; cores_before
  run_h2load "$name-stream" /grpc.testing.TestService/StreamingOutputCall "$WORK/bodies/stream.bin" "$STREAM_CLIENTS" "$STREAM_STREAMS"
  after="$(cpu_seconds "$SERVER_PID")"; cores_after SOTH SCOTH "$name-stream"
  log_file="$WORK/logs/$name-stream.h2load"
  failed="$(h2load_field "$log_file" failed)"; errored="$(h2load_field "$log_file" errored)"
  [ "${failed:-1}" = 0 ] && [ "${errored:-1}" = 0 ] || { log "$name streaming: failed requests"; cat "$log_file" >&2; exit 1; }
  mps="$(awk -v r="$(h2load_rps "$log_file")" -v n="$STREAM_MESSAGES" 'BEGIN { printf "%.0f", r * n }')"; share="$(cpu_share "$before" "$after")"
  add MPS "$name" "$mps"; add SCPU "$name" "$share"; add SEFF "$name" "$(per_cpu "$mps" "$share")"

  if [ "$DOTNET_CLIENT" = 1 ]; then
    log "$name: streaming with Mesh.Grpc's client on core $CLIENT_CORE"
    add NETMPS "$name" "$(taskset -c "$CLIENT_CORE" dotnet "$BENCH_DLL" stream-client --port "$SERVER_PORT" --seconds "$DURATION" \
      --streams "$STREAM_STREAMS" --stream-messages "$STREAM_MESSAGES" --stream-size "$STREAM_SIZE" | grep -oE '[0-9]+ messages/s' | grep -oE '^[0-9]+')"
  fi
  stop_server
}

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
  for name in $SERVERS; do measure "$name" "$round"; done
done


{
  echo "Mesh.Grpc load benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(uname -r)"
  echo "server pinned to core $SERVER_CORE, h2load pinned to core $CLIENT_CORE; each server warmed up (unary ${WARMUP}s, streaming $((WARMUP / 4))s),"
  echo "then each load ${DURATION}s measured after ${SETTLE}s; median of $ROUNDS round(s)"
  echo "unary: UnaryCall, ${UNARY_SIZE}-byte payload each way, h2load -c $CLIENTS -m $STREAMS"
  echo "streaming: StreamingOutputCall, $STREAM_MESSAGES x ${STREAM_SIZE}-byte responses per call, h2load -c $STREAM_CLIENTS -m $STREAM_STREAMS"
  echo
  printf '%-7s %10s %7s %7s %5s %7s %10s | %12s %5s %7s %12s' server "unary RPS" "p50 ms" "p99 ms" "cpu" "others" "RPS/cpu-s" "stream msg/s" "cpu" "others" "msg/cpu-s"
  [ "$DOTNET_CLIENT" = 1 ] && printf ' %14s' "our client"
  printf ' %13s\n' "warm-up RPS"
  for name in $SERVERS; do
    printf '%-7s %10s %7s %7s %4s%% %7s %10s | %12s %4s%% %7s %12s' "$name" "$(m RPS "$name")" "$(m P50 "$name")" "$(m P99 "$name")" \
      "$(m UCPU "$name")" "$(m UOTH "$name")/$(m UCOTH "$name")" "$(m UEFF "$name")" "$(m MPS "$name")" "$(m SCPU "$name")" "$(m SOTH "$name")/$(m SCOTH "$name")" "$(m SEFF "$name")"
    [ "$DOTNET_CLIENT" = 1 ] && printf ' %14s' "$(m NETMPS "$name")"
    printf ' %13s\n' "$(m WRPS "$name")"
  done
  echo
  case " $SERVERS " in *" ours "*)
    case " $SERVERS " in *" cpp "*)
      echo "ours/cpp:    unary RPS $(ratio "$(m RPS ours)" "$(m RPS cpp)") (target >= 0.90x), per cpu-s $(ratio "$(m UEFF ours)" "$(m UEFF cpp)");" \
           "streaming msg/s $(ratio "$(m MPS ours)" "$(m MPS cpp)"), per cpu-s $(ratio "$(m SEFF ours)" "$(m SEFF cpp)")" ;;
    esac
    case " $SERVERS " in *" grpcjs "*)
      echo "ours/grpcjs: unary RPS $(ratio "$(m RPS ours)" "$(m RPS grpcjs)"), per cpu-s $(ratio "$(m UEFF ours)" "$(m UEFF grpcjs)");" \
           "streaming msg/s $(ratio "$(m MPS ours)" "$(m MPS grpcjs)"), per cpu-s $(ratio "$(m SEFF ours)" "$(m SEFF grpcjs)")" ;;
    esac
    echo "ours streaming: $(m MPS ours) msg/s (target >= 200000)" ;;
  esac
  echo
  echo "cpu = share of core $SERVER_CORE the server used; others = % of the server core / % of the client core that other processes"
  echo "      took during the same run (both should be ~0 for numbers worth comparing)"
  echo "      cpu well under 100% with others near 0 means the client was the bottleneck. RPS/cpu-s, msg/cpu-s = work per"
  echo "      second of server CPU time, a comparison that holds up better when the box is shared."
  [ "$DOTNET_CLIENT" = 1 ] && echo "our client = StreamingOutputCall msg/s read by Mesh.Grpc's client (stream-client) instead of h2load"
  echo "warm-up RPS = unary RPS over the first ${WARMUP}s after start (includes JIT time for .NET and node)"
  echo "every round:"
  for name in $SERVERS; do
    echo "  $name: warm-up RPS ${WRPS[$name]} | RPS ${RPS[$name]} | cpu% ${UCPU[$name]} others% ${UOTH[$name]} / ${UCOTH[$name]} | msg/s ${MPS[$name]} | cpu% ${SCPU[$name]} others% ${SOTH[$name]} / ${SCOTH[$name]} | 1-min load ${LOAD[$name]}"
  done
  echo "load average (1/5/15 min): at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$RESULT"
log "results: $RESULT, raw h2load output of the last round: $WORK/logs/"
