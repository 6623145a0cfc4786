#!/usr/bin/env bash
# Booking benchmark (issues #10 and #15, "Measure"): confirmed bookings per second end to end over gRPC (CreateHold then
# Checkout paid through the real payment service) at saturating concurrency, with checkout p50/p99, beside two pgbench
# floors on the same PostgreSQL server in the same run, and the ratios:
#   take-seat  the bare "take seat if free" UPDATE (issue #10's floor);
#   replay     exactly the statements one booking issues (issue #15's floor, target >= 0.5x): the statement mix of the
#              measured window from pg_stat_statements, with the parameters of a booking captured afterwards
#              (log_statement = all), replayed by pgbench -M prepared on bookingdb and paymentdb (Booking/StatementReplay.cs).
#
#   tests/Mesh.Benchmarks/run-booking.sh [--seconds S] [--warmup S] [--concurrency C]
#                                        [--pgbench-clients C] [--pgbench-seconds S] [--quiet-wait S] [--statements] [--no-replay]
# Defaults: --seconds 20 --warmup 30 --concurrency 32 --pgbench-clients 32 --pgbench-seconds 15 (about 3 minutes).
# pg_stat_statements is on (PostgreSQL restarted once with it preloaded) for the replay; --statements also prints every
# statement of bookingdb and paymentdb in the measured window, per confirmed booking; --no-replay skips the replay
# (and pg_stat_statements, unless --statements).
# What runs: Mesh.Benchmarks booking-load starts PostgreSQL (durable: fsync on) and RabbitMQ as processes
# (Mesh.Servers launchers, data under /tmp, deleted afterwards), hosts booking and payment as their Program.cs compose
# them (stores, outbox relays, workers, token validation) plus an in-memory stand-in for the catalog contract, all on
# loopback h2c in one process with the driver (Grpc.Net.Client); then creates a 1M-row seats table and runs Debian's
# pgbench (/usr/lib/postgresql/*/bin/pgbench). --quiet-wait S waits up to S seconds for both cores to be >= 90% idle first.
# Writes the table to .mesh/bench/results/booking-<timestamp>.txt (replay scripts beside it); the servers it started
# stop on exit (by pid).
#
#   tests/Mesh.Benchmarks/run-booking.sh --coupon [--seconds S] [--warmup S] [--concurrency C] [--rounds R] [--quiet-wait S]
# Issue #19: checkout with a coupon vs without in the same run (Mesh.Benchmarks coupon-load): booking, payment and
# referral hosted as above, the same clients alternating R rounds of S seconds without and S seconds with one shared
# coupon (limits far above the run); confirmed bookings/s and checkout p50/p99 of each kind and their ratios.
# Defaults: --seconds 10 --warmup 20 --concurrency 32 --rounds 3 (about 2 minutes). No pgbench.
# Writes .mesh/bench/results/coupon-<timestamp>.txt.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
QUIET_WAIT=0
MODE=booking-load
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds|--warmup|--concurrency|--pgbench-clients|--pgbench-seconds) ARGS+=("$1" "$2"); shift 2 ;;
    --rounds) ARGS+=("$1" "$2"); shift 2 ;;
    --statements|--no-replay) ARGS+=("$1"); shift ;;
    --coupon) MODE=coupon-load; shift ;;
    --quiet-wait) QUIET_WAIT="$2"; shift 2 ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "run-booking.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=bench-common.sh
source "$HERE/bench-common.sh"
log() { printf '\033[1;34m[booking]\033[0m %s\n' "$*" >&2; }

if [ "$MODE" = coupon-load ]; then
  for flag in "${ARGS[@]}"; do
    case "$flag" in --pgbench-*|--statements|--no-replay) log "$flag does not apply to --coupon"; exit 2 ;; esac
  done
fi
if [ "$MODE" = booking-load ] && [[ " ${ARGS[*]} " == *" --rounds "* ]]; then log "--rounds applies to --coupon only"; exit 2; fi
ls /usr/lib/postgresql/*/bin/pgbench >/dev/null 2>&1 || { log "pgbench missing (Debian: apt-get install postgresql)"; exit 1; }
command -v /usr/lib/rabbitmq/bin/rabbitmq-server >/dev/null || { log "rabbitmq-server missing (Debian: apt-get install rabbitmq-server)"; exit 1; }

log "building tests/Mesh.Benchmarks (Release; includes services/Booking, services/Payment and services/Referral)"
dotnet build "$HERE/Mesh.Benchmarks.csproj" -c Release -v quiet -nologo >/dev/null
wait_until_quiet
log "machine before the run: load average $(cut -d' ' -f1-3 /proc/loadavg)"
cd "$ROOT"
exec dotnet "$HERE/bin/Release/net10.0/Mesh.Benchmarks.dll" "$MODE" --work "$ROOT/.mesh/bench" "${ARGS[@]}"
