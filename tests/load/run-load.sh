#!/usr/bin/env bash
# ./mesh load: the mixed workload (mixed.yml) through a running mesh's REST edge with Artillery. Arrivals ramp from
# 1/s to --rate over --ramp seconds, then hold --rate for --duration seconds, at most --max-vus users at once.
# Writes .mesh/bench/load-<time>.json (Artillery's report), .summary.json and .html (per endpoint: requests, req/s,
# p50/p95/p99, 4xx, errors; summarize.mjs), and prints the summary.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tests/load"

target="${MESH_EDGE:-http://localhost:8080}" rate=5 ramp=30 duration=120 max_vus=50 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --ramp) ramp="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --max-vus) max_vus="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "load: unknown option $1 (--target URL --rate N --ramp S --duration S --max-vus N --out FILE.json)" >&2; exit 2 ;;
  esac
done
mkdir -p "$ROOT/.mesh/bench"
out="${out:-$ROOT/.mesh/bench/load-$(date -u +%Y%m%dT%H%M%SZ).json}"

if ! curl -fsS -o /dev/null "$target/health"; then
  echo "load: nothing answers at $target/health — start the mesh first (./mesh up)" >&2; exit 1
fi

# Nothing leaves loopback: Artillery's usage telemetry is off.
export ARTILLERY_DISABLE_TELEMETRY=true MESH_EDGE="$target"
overrides=$(printf '{"config":{"phases":[{"duration":%d,"arrivalRate":1,"rampTo":%d,"maxVusers":%d,"name":"ramp"},{"duration":%d,"arrivalRate":%d,"maxVusers":%d,"name":"sustain"}]}}' \
  "$ramp" "$rate" "$max_vus" "$duration" "$rate" "$max_vus")
"$HERE/node_modules/.bin/artillery" run "$HERE/mixed.yml" --overrides "$overrides" --output "$out" --quiet
node "$HERE/summarize.mjs" "$out"
echo "report: $out, ${out%.json}.html, ${out%.json}.summary.json"
