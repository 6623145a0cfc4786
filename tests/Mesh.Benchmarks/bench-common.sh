# Helpers shared by run-defaults.sh and run-edge.sh (and run-booking.sh's wait) (sourced, not run): per-core CPU accounting, waiting for a quiet
# box, and small aggregations over the rounds. They read the caller's globals (SERVER_CORE, CLIENT_CORE, QUIET_WAIT, …).

core_jiffies() {
  awk -v cpu="cpu$1" '$1 == cpu { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6 }' /proc/stat
}

wait_until_quiet() {
  [ "$QUIET_WAIT" -gt 0 ] || return 0
  local deadline=$((SECONDS + QUIET_WAIT)) a0 a1 b0 b1 busy
  while :; do
    a0=($(core_jiffies 0)); a1=($(core_jiffies 1)); sleep 2; b0=($(core_jiffies 0)); b1=($(core_jiffies 1))
    busy="$(awk -v b="$(( (b0[0] - a0[0]) + (b1[0] - a1[0]) ))" -v t="$(( (b0[1] - a0[1]) + (b1[1] - a1[1]) ))" 'BEGIN { printf "%.0f", t ? b / t * 100 : 0 }')"
    [ "$busy" -le 10 ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then log "still ${busy}% busy after ${QUIET_WAIT}s of waiting; measuring anyway"; return 0; fi
    log "machine ${busy}% busy (load $(cut -d' ' -f1 /proc/loadavg)); waiting for it to quiet down"
    sleep 8
  done
}

others_share() {
  awk -v busy="$1" -v total="$2" -v ours="$3" -v hz="$(getconf CLK_TCK)" \
      'BEGIN { o = total ? (busy - ours * hz) / total * 100 : 0; if (o < 0) o = 0; printf "%.0f", o }'
}

add() { local -n arr="$1"; arr[$2]="${arr[$2]:-}${arr[$2]:+ }$3"; }

m() { local -n arr="$1"; median "${arr[$2]:-}"; }

ratio() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2fx", a / b }'; }

# ---- shared by the h2load runners (run-defaults.sh, run-edge.sh); they define log(), SERVER_CORE and CLIENT_CORE ----

# Stops every process whose pid is in PIDS, by pid, whatever way the script leaves (TERM, then KILL after 2 s).
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
stop_servers_on_exit() {
  trap cleanup EXIT
  trap 'log "interrupted"; exit 130' INT TERM
}

require_load_tools() {
  local tool
  for tool in h2load nghttp curl taskset; do
    command -v "$tool" >/dev/null || { log "missing $tool (Debian: apt-get install nghttp2-client curl util-linux)"; exit 1; }
  done
  if [ "$(nproc)" -lt 2 ]; then log "needs 2 cores (servers on core $SERVER_CORE, h2load on core $CLIENT_CORE)"; exit 1; fi
}
