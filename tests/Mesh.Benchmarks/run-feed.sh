#!/usr/bin/env bash
# Feed benchmark (issue 24, "Measure"): GetFeed p50/p99 and calls/s for C concurrent signed-in users, served from Redis
# (cached) and computed (uncached: Feed:CacheDuration = 0), in alternating rounds of one run; then SelectAds p50/p99.
#
#   tests/Mesh.Benchmarks/run-feed.sh [--seconds S] [--warmup S] [--rounds R] [--concurrency C] [--quiet-wait S]
# Defaults: --seconds 10 --warmup 5 --rounds 3 --concurrency 200 (about 1.5 minutes).
# What runs: Mesh.Benchmarks feed-load starts PostgreSQL and Redis as processes (Mesh.Servers launchers, data under
# /tmp, deleted afterwards), hosts the feed (with and without its cache) and the ads service as their Program.cs compose
# them, with in-memory catalog/rating/booking/analytics answers, and the gRPC driver, in one process on loopback.
# --quiet-wait S waits up to S seconds for both cores to be >= 90% idle first. Writes .mesh/bench/results/feed-<timestamp>.txt.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
QUIET_WAIT=0
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds|--warmup|--rounds|--concurrency) ARGS+=("$1" "$2"); shift 2 ;;
    --quiet-wait) QUIET_WAIT="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "run-feed.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=bench-common.sh
source "$HERE/bench-common.sh"
log() { printf '\033[1;34m[feed]\033[0m %s\n' "$*" >&2; }

command -v /usr/bin/redis-server >/dev/null || { log "redis-server missing (Debian: apt-get install redis-server)"; exit 1; }

log "building tests/Mesh.Benchmarks (Release; includes services/Feed and services/Ads)"
dotnet build "$HERE/Mesh.Benchmarks.csproj" -c Release -v quiet -nologo >/dev/null
wait_until_quiet
log "machine before the run: load average $(cut -d' ' -f1-3 /proc/loadavg)"
cd "$ROOT"
exec dotnet "$HERE/bin/Release/net10.0/Mesh.Benchmarks.dll" feed-load --work "$ROOT/.mesh/bench" "${ARGS[@]}"
