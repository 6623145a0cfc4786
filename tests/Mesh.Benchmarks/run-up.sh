#!/usr/bin/env bash
# `./mesh bench up`: what `./mesh up` costs a person once the project is built — seconds until every resource is
# healthy, the resident memory of the whole running mesh (every process it started, summed, by part), and how long
# Ctrl+C (SIGINT to the whole process group, as a terminal sends it) takes to leave nothing running.
#
# It runs the `mesh` script of any checkout of this project (--tree), so a before/after pair runs on one machine in one
# session: e.g. `git worktree add /work/wt-old ac80c4f` (the project's own app host, platform/Mesh.Hosting) against this
# tree (.NET Aspire's). Run 1 starts on an empty data directory (initdb, migrations, demo data); later runs start on the
# data run 1 left, as a person's second `./mesh up` does. Both kinds of app host get free ports, so a mesh already
# running on this machine is not disturbed.
#
#   ./mesh bench up [--tree DIR] [--runs N] [--settle S] [--out FILE]
#     --tree    the checkout whose `./mesh up` is measured (default: this one); build it first (`./mesh up` once)
#     --runs    starts to measure (default 3: one on empty data, then on kept data)
#     --settle  idle seconds between healthy and reading memory (default 30)
#     --out     appends one result line per run (default .mesh/bench/up-<time>.txt of this checkout)
#
# Every number comes with the load average of the machine when it was taken: other work on the box slows starts.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TREE="$ROOT"; RUNS=3; SETTLE=30; OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tree) TREE="$(cd "$2" && pwd)"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --settle) SETTLE="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "run-up.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
WORK="$ROOT/.mesh/bench/up-$STAMP"
OUT="${OUT:-$ROOT/.mesh/bench/up-$STAMP.txt}"
mkdir -p "$WORK" "$(dirname "$OUT")"
DATA="$WORK/data"

log() { printf '\033[1;34m[bench up]\033[0m %s\n' "$*" >&2; }
now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Which app host the checkout has decides how it is told where its data goes and how it says "all healthy".
if [ -d "$TREE/platform/Mesh.Hosting" ]; then
  KIND="own app host (platform/Mesh.Hosting)"
  up_env() { :; }
  up_args() { echo "--data $DATA --random-ports"; }
  # Printed once every resource is started and healthy (StartupView.Ready).
  all_healthy() { grep -q "The mesh is running." "$1"; }
  healthy_at() { grep -m1 "The mesh is running." "$1" | cut -d' ' -f1; }
  # Its first resource starts after it has built every project (ProjectBuilder).
  ORCHESTRATION_STARTS='\[mesh\] [a-z-]+ +Starting'
elif [ -f "$TREE/AppHost/Mesh.AppHost.csproj" ]; then
  KIND=".NET Aspire app host"
  # `./mesh up` keeps these when set (apphost_env): the dashboard, its OTLP receiver and its resource service.
  up_env() {
    echo "ASPNETCORE_URLS=http://localhost:$(free_port) ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:$(free_port)" \
      "ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=http://localhost:$(free_port)"
  }
  up_args() { echo "--Mesh:Data=$DATA --Mesh:EdgePort=$(free_port)"; }
  # The startup summary prints a resource's line on its ResourceReadyEvent, which Aspire raises once its health checks
  # pass; messaging-epmd has no line of its own (messaging waits for it).
  RESOURCES=(postgres usersdb catalogdb paymentdb bookingdb cache messaging users catalog payment booking gateway)
  all_healthy() {
    local name
    for name in "${RESOURCES[@]}"; do grep -qE "^[0-9.]+   $name +(ConnectionStrings__|grpc:|http:)" "$1" || return 1; done
  }
  healthy_at() {
    local name
    for name in "${RESOURCES[@]}"; do grep -m1 -E "^[0-9.]+   $name +(ConnectionStrings__|grpc:|http:)" "$1" | cut -d' ' -f1; done | sort -n | tail -1
  }
  ORCHESTRATION_STARTS='Starting DCP with arguments'
else
  log "$TREE has neither platform/Mesh.Hosting nor AppHost/Mesh.AppHost.csproj"; exit 1
fi

# Every process the mesh of app host $1 runs: its descendants, and DCP's (DCP detaches; it names the pid it monitors).
mesh_pids() {
  local root="$1"
  ps -e -o pid=,ppid=,args= | awk -v root="$root" '
    { pid[NR] = $1; parent[NR] = $2; $1 = ""; $2 = ""; cmd[NR] = $0 }
    END {
      keep[root] = 1
      for (i = 1; i <= NR; i++) if (cmd[i] ~ ("--monitor " root "( |$)")) keep[pid[i]] = 1
      do { grew = 0; for (i = 1; i <= NR; i++) if (!(pid[i] in keep) && (parent[i] in keep)) { keep[pid[i]] = 1; grew = 1 } } while (grew)
      for (p in keep) print p
    }'
}

part_of() {
  local pid="$1" root="$2" args
  args="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null || true)"
  if [ "$pid" = "$root" ]; then echo apphost
  elif [[ "$args" == *Aspire.Dashboard* ]]; then echo dashboard
  elif [[ "$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null || echo x)")" == dcp* ]]; then echo dcp
  # Aspire starts a project as `dotnet run --project … --no-build`, which stays as the service's parent.
  elif [[ "$args" == "dotnet run "* ]]; then echo launchers
  elif [[ "$args" =~ Mesh\.(Users|Catalog|Payment|Booking|Gateway) ]]; then echo services
  else echo servers
  fi
}

kb_of() { awk -v k="$2:" '$1 == k { print $2; exit }' "/proc/$1/$3" 2>/dev/null || echo 0; }

# "processes=N rss=… pss=… rss/pss by part (MiB): apphost=…/… dashboard=… dcp=… launchers=… services=… servers=…",
# and every process into $2.
memory() {
  local root="$1" detail="$2" pid part rss pss
  declare -A rss_by=() pss_by=()
  local rss_sum=0 pss_sum=0 count=0
  : > "$detail"
  for pid in $(mesh_pids "$root"); do
    [ -r "/proc/$pid/status" ] || continue
    rss="$(kb_of "$pid" VmRSS status)"; pss="$(kb_of "$pid" Pss smaps_rollup)"
    [ -n "$rss" ] || rss=0; [ -n "$pss" ] || pss=0
    part="$(part_of "$pid" "$root")"
    rss_by[$part]=$(( ${rss_by[$part]:-0} + rss )); pss_by[$part]=$(( ${pss_by[$part]:-0} + pss ))
    rss_sum=$((rss_sum + rss)); pss_sum=$((pss_sum + pss)); count=$((count + 1))
    printf '%8s %8s kB rss %8s kB pss  %-9s %s\n' "$pid" "$rss" "$pss" "$part" "$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-160)" >> "$detail"
  done
  local parts="" p
  for p in apphost dashboard dcp launchers services servers; do
    parts+=" $p=$(( ${rss_by[$p]:-0} / 1024 ))/$(( ${pss_by[$p]:-0} / 1024 ))"
  done
  echo "processes=$count rss=$((rss_sum / 1024))MiB pss=$((pss_sum / 1024))MiB rss/pss by part (MiB):$parts"
}

alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

MESH_PID=""; MESH_SET=()
cleanup() {
  # Only what this script started: the mesh's process group, then any of its processes still there, by pid.
  if [ -n "$MESH_PID" ] && alive "$MESH_PID"; then kill -INT -- "-$MESH_PID" 2>/dev/null || true; sleep 10; fi
  local pid
  for pid in "${MESH_SET[@]}"; do alive "$pid" && kill -KILL "$pid" 2>/dev/null || true; done
  MESH_PID=""; MESH_SET=()
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

log "measuring \`./mesh up\` of $TREE ($KIND, $(git -C "$TREE" rev-parse --short HEAD)); results → $OUT"
for run in $(seq 1 "$RUNS"); do
  [ "$run" = 1 ] && rm -rf "$DATA"
  kind="kept data"; [ "$run" = 1 ] && kind="empty data"
  output="$WORK/run$run.log"
  load_start="$(load)"
  t0="$(now)"
  # setsid: the mesh gets its own process group, as a terminal's foreground job has; `./mesh up` execs the app host,
  # so this pid is the app host's once it runs.
  # shellcheck disable=SC2046
  # Each output line gets the time it was printed, so the log tells where the seconds went.
  (cd "$TREE" && exec env $(up_env) setsid ./mesh up $(up_args)) \
    > >(while IFS= read -r line; do printf '%s %s\n' "$(now)" "$line"; done > "$output") 2>&1 < /dev/null &
  MESH_PID=$!
  t_exec=""; t_ready=""
  while :; do
    if [ -z "$t_exec" ] && tr '\0' ' ' < "/proc/$MESH_PID/cmdline" 2>/dev/null | grep -q 'Mesh.AppHost.dll'; then t_exec="$(now)"; fi
    # The time the last "healthy" line was printed, not when this loop noticed it.
    if all_healthy "$output"; then t_ready="$(healthy_at "$output")"; break; fi
    if ! alive "$MESH_PID"; then log "run $run: ./mesh up ended before every resource was healthy (see $output)"; exit 1; fi
    if awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 900) }'; then log "run $run: not healthy after 900 s (see $output)"; exit 1; fi
    sleep 0.2
  done
  load_ready="$(load)"
  total="$(awk -v a="$t0" -v b="$t_ready" 'BEGIN { printf "%.1f", b - a }')"
  start="$(awk -v a="${t_exec:-$t0}" -v b="$t_ready" 'BEGIN { printf "%.1f", b - a }')"
  t_orchestration="$(grep -m1 -E "^[0-9.]+ .*$ORCHESTRATION_STARTS" "$output" | cut -d' ' -f1)"
  resources="$(awk -v a="${t_orchestration:-$t0}" -v b="$t_ready" 'BEGIN { printf "%.1f", b - a }')"
  log "run $run ($kind): healthy after ${total} s (app host process ${start} s of it, orchestration ${resources} s); load ${load_ready}; settling ${SETTLE} s"
  sleep "$SETTLE"
  load_mem="$(load)"
  mem="$(memory "$MESH_PID" "$WORK/run$run.processes")"
  mapfile -t MESH_SET < <(mesh_pids "$MESH_PID")

  t_stop="$(now)"
  kill -INT -- "-$MESH_PID"
  while :; do
    left=0; for pid in "${MESH_SET[@]}"; do alive "$pid" && left=$((left + 1)); done
    [ "$left" = 0 ] && break
    if awk -v a="$t_stop" -v b="$(now)" 'BEGIN { exit !(b - a > 120) }'; then break; fi
    sleep 0.2
  done
  stopped="$(awk -v a="$t_stop" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
  leftovers=""; for pid in "${MESH_SET[@]}"; do alive "$pid" && leftovers+=" $pid"; done
  [ -n "$leftovers" ] && log "run $run: still running 120 s after SIGINT:$leftovers (killed)"
  cleanup

  line="$STAMP $(git -C "$TREE" rev-parse --short HEAD) [$KIND] run $run ($kind): up→healthy ${total} s (app host ${start} s, orchestration ${resources} s) load@start ${load_start} load@healthy ${load_ready} | $mem load@mem ${load_mem} | SIGINT→all gone ${stopped} s${leftovers:+ LEFT:$leftovers}"
  echo "$line" | tee -a "$OUT"
done
# The servers' data is only what the starts made; the logs and process lists stay.
rm -rf "$DATA"
log "per-process memory and each run's output: $WORK"
