#!/usr/bin/env bash
# Notification broadcast benchmark (issue #22, "Measure"): a "new show in your city" broadcast to N users as
# notifications per second into the inbox, and the event -> inbox latency (p50/p99) of single booking.confirmed events
# published every --interval ms while it runs.
#
#   tests/Mesh.Benchmarks/run-notification.sh [--users N] [--batch B] [--interval MS] [--quiet-wait S]
# Defaults: --users 100000 --batch 500 --interval 20.
# What runs: Mesh.Benchmarks notification-broadcast starts PostgreSQL (durable) and RabbitMQ as processes (Mesh.Servers
# launchers, data under /tmp, deleted afterwards) and hosts notification as its Program.cs composes it (without the
# timed email/SMS rounds). --quiet-wait S waits up to S seconds for both cores to be >= 90% idle first. Writes the
# result to .mesh/bench/results/notification-broadcast-<timestamp>.txt.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
QUIET_WAIT=0
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --users|--batch|--interval) ARGS+=("$1" "$2"); shift 2 ;;
    --quiet-wait) QUIET_WAIT="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "run-notification.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=bench-common.sh
source "$HERE/bench-common.sh"
log() { printf '\033[1;34m[notification]\033[0m %s\n' "$*" >&2; }

log "building tests/Mesh.Benchmarks (Release; includes services/Notification)"
dotnet build "$HERE/Mesh.Benchmarks.csproj" -c Release -v quiet -nologo >/dev/null
wait_until_quiet
log "machine before the run: load average $(cut -d' ' -f1-3 /proc/loadavg)"
cd "$ROOT"
dotnet "$HERE/bin/Release/net10.0/Mesh.Benchmarks.dll" notification-broadcast --work "$ROOT/.mesh/bench" "${ARGS[@]}"
log "machine after the run: load average $(cut -d' ' -f1-3 /proc/loadavg)"
