#!/usr/bin/env bash
# Analytics benchmark (issue 23, "Measure"): sustained ingestion (events/s until the stream consumer has counted every
# accepted event) and CheckRisk p50/p99 at a fixed arrival rate (1,000 calls/s by default).
#
#   tests/Mesh.Benchmarks/run-analytics.sh [--seconds S] [--producers P] [--risk-rate N] [--driver-process] [--quiet-wait S]
# Defaults: --seconds 20 --producers 8 --risk-rate 1000 (a few minutes: the consumer's catch-up is part of the number).
# --producers 0 skips ingestion: CheckRisk alone. CheckRisk's latency is given for all calls and per decision.
# --driver-process sends the CheckRisk calls from a child process instead of the service's own process.
# What runs: Mesh.Benchmarks analytics-load starts PostgreSQL (durable), Redis and RabbitMQ as processes (Mesh.Servers
# launchers, data under /tmp, deleted afterwards) and hosts analytics as its Program.cs composes it, in one process with
# the gRPC driver, on loopback. --quiet-wait S waits up to S seconds for both cores to be >= 90% idle first.
# Writes .mesh/bench/results/analytics-<timestamp>.txt.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
QUIET_WAIT=0
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds|--producers|--risk-rate) ARGS+=("$1" "$2"); shift 2 ;;
    --driver-process) ARGS+=("$1"); shift ;;
    --quiet-wait) QUIET_WAIT="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "run-analytics.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=bench-common.sh
source "$HERE/bench-common.sh"
log() { printf '\033[1;34m[analytics]\033[0m %s\n' "$*" >&2; }

log "building tests/Mesh.Benchmarks (Release; includes services/Analytics)"
dotnet build "$HERE/Mesh.Benchmarks.csproj" -c Release -v quiet -nologo >/dev/null
wait_until_quiet
log "machine before the run: load average $(cut -d' ' -f1-3 /proc/loadavg)"
cd "$ROOT"
exec dotnet "$HERE/bin/Release/net10.0/Mesh.Benchmarks.dll" analytics-load --work "$ROOT/.mesh/bench" "${ARGS[@]}"
