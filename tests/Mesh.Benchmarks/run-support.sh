#!/usr/bin/env bash
# Support chat benchmark (issue #21, "Measure"): chat messages per second through ONE support replica with N open
# conversations (customer and assigned agent each connected by a Chat stream; every customer sends its next message as
# soon as the previous one is acknowledged), and the delivery latency customer -> agent (p50/p90/p99).
#
#   tests/Mesh.Benchmarks/run-support.sh [--conversations N] [--agents A] [--seconds S] [--warmup S] [--quiet-wait S]
# Defaults: --conversations 1000 --agents 50 --seconds 20 --warmup 10 (about a minute after set-up).
# What runs: Mesh.Benchmarks support-chat starts PostgreSQL (durable: fsync on) as a process (Mesh.Servers launcher,
# data under /tmp, deleted afterwards), hosts support as its Program.cs composes it except the outbox relay, opens the
# tickets and 2N streams over loopback h2c from the same process. --quiet-wait S waits up to S seconds for both cores
# to be >= 90% idle first. Writes the result to .mesh/bench/results/support-chat-<timestamp>.txt.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
QUIET_WAIT=0
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --conversations|--agents|--seconds|--warmup) ARGS+=("$1" "$2"); shift 2 ;;
    --quiet-wait) QUIET_WAIT="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "run-support.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=bench-common.sh
source "$HERE/bench-common.sh"
log() { printf '\033[1;34m[support]\033[0m %s\n' "$*" >&2; }

log "building tests/Mesh.Benchmarks (Release; includes services/Support)"
dotnet build "$HERE/Mesh.Benchmarks.csproj" -c Release -v quiet -nologo >/dev/null
wait_until_quiet
log "machine before the run: load average $(cut -d' ' -f1-3 /proc/loadavg)"
cd "$ROOT"
exec dotnet "$HERE/bin/Release/net10.0/Mesh.Benchmarks.dll" support-chat --work "$ROOT/.mesh/bench" "${ARGS[@]}"
