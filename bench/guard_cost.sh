#!/usr/bin/env bash
# CPU cost of `kstarve guard` when nothing starves: its utime+stime from
# /proc/PID/stat over SECONDS (default 30) idle, then under a context-switch
# load pinned to CPU 1 (stress-ng --switch, the pingpong of the research
# notes), for rules only and for --auto (with the detector). The bar: at most
# 1 % of one CPU. Needs root. Usage: bench/guard_cost.sh [KSTARVE] [SECONDS]
set -euo pipefail
bin=${1:-build/src/cli/kstarve}
secs=${2:-30}
[[ $(id -u) -eq 0 ]] || { echo "guard_cost: needs root"; exit 1; }
dir=$(mktemp -d /tmp/kstarve-guard-cost.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/rules.toml" <<'RULES'
[[rule]]
name = "kworkers of CPU 1 at nice -5"
match = { comm = "kworker/*", kernel_thread = true, cpus = [1] }
action = { nice = -5 }
RULES
chmod 600 "$dir/rules.toml"
hz=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

measure() {  # mode-name load(idle|switch) guard-args...
  local name=$1 load=$2
  shift 2
  "$bin" guard --journal-dir "$dir/run" --metrics off "$@" 2>"$dir/guard.log" &
  local pid=$!
  sleep 2  # startup scan and detector load are not the steady state
  local lpid=""
  if [[ $load == switch ]]; then
    taskset -c 1 stress-ng --switch 1 --timeout "$((secs + 2))s" >/dev/null 2>&1 &
    lpid=$!
    sleep 1
  fi
  local t0 c0 t1 c1
  t0=$(date +%s.%N)
  c0=$(cpu_ticks "$pid")
  sleep "$secs"
  c1=$(cpu_ticks "$pid")
  t1=$(date +%s.%N)
  kill -TERM "$pid"
  wait "$pid" || true
  [[ -n $lpid ]] && { kill "$lpid" 2>/dev/null || true; wait "$lpid" 2>/dev/null || true; }
  awk -v n="$name" -v l="$load" -v c="$((c1 - c0))" -v hz="$hz" -v a="$t0" -v b="$t1" \
    'BEGIN { printf "%-22s %-7s %7.3f %% of one CPU (%d ticks in %.1f s)\n", n, l, 100 * c / hz / (b - a), c, b - a }'
}

echo "kstarve guard CPU cost, $secs s per case ($(nproc) CPUs, $(uname -r))"
measure "rules" idle --rules "$dir/rules.toml"
measure "rules" switch --rules "$dir/rules.toml"
measure "rules + --auto" idle --rules "$dir/rules.toml" --auto --auto-match 'no-such-thread'
measure "rules + --auto" switch --rules "$dir/rules.toml" --auto --auto-match 'no-such-thread'
