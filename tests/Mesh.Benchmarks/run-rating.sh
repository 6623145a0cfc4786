#!/usr/bin/env bash
# Rating benchmark (issue #20, "Measure"): GET /v1/{item}/rating requests per second and p50/p99, served from Redis
# (cached) and from PostgreSQL (uncached: Rating:CacheDuration = 0), in the same run, in alternating rounds.
#
#   tests/Mesh.Benchmarks/run-rating.sh [--seconds S] [--warmup S] [--rounds R] [--concurrency C] [--items N] [--quiet-wait S]
# Defaults: --seconds 10 --warmup 10 --rounds 3 --concurrency 32 --items 1000 (about 1.5 minutes).
# What runs: Mesh.Benchmarks rating-load starts PostgreSQL (durable) and Redis as processes (Mesh.Servers launchers,
# data under /tmp, deleted afterwards), seeds --items aggregates in ratingdb, hosts two rating services as Program.cs
# composes them (with and without the cache) in one process with the HttpClient driver, on loopback. --quiet-wait S
# waits up to S seconds for both cores to be >= 90% idle first. Writes .mesh/bench/results/rating-<timestamp>.txt.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
QUIET_WAIT=0
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds|--warmup|--rounds|--concurrency|--items) ARGS+=("$1" "$2"); shift 2 ;;
    --quiet-wait) QUIET_WAIT="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "run-rating.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=bench-common.sh
source "$HERE/bench-common.sh"
log() { printf '\033[1;34m[rating]\033[0m %s\n' "$*" >&2; }

command -v /usr/bin/redis-server >/dev/null || { log "redis-server missing (Debian: apt-get install redis-server)"; exit 1; }

log "building tests/Mesh.Benchmarks (Release; includes services/Rating)"
dotnet build "$HERE/Mesh.Benchmarks.csproj" -c Release -v quiet -nologo >/dev/null
wait_until_quiet
log "machine before the run: load average $(cut -d' ' -f1-3 /proc/loadavg)"
cd "$ROOT"
exec dotnet "$HERE/bin/Release/net10.0/Mesh.Benchmarks.dll" rating-load --work "$ROOT/.mesh/bench" "${ARGS[@]}"
