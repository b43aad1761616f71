#!/usr/bin/env bash
# CPU cost of `kstarve guard` when nothing starves, over SECONDS (default 30)
# idle, then under a context-switch load pinned to CPU 1 (stress-ng --switch,
# the pingpong of the research notes), for rules only and for --auto (with
# the detector). The cost is the guard process's run time (schedstat, all its
# threads) PLUS the run time of its BPF programs, which run inside the
# switching tasks and never show in the process's own time
# (kstarve_guard_detector_bpf_seconds_total from its metrics endpoint, on a
# free port). The bar: at most 1 % of one CPU. Needs root.
# Usage: bench/guard_cost.sh [KSTARVE] [SECONDS]
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

cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{n += $1} END {print n + 0}'; }

# Seconds of all the guard's BPF programs so far; 0 without a detector.
bpf_seconds() {  # $1 = metrics port
  python3 - "$1" <<'PY'
import sys, urllib.request
text = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=5).read().decode()
print(sum(float(l.rsplit(None, 1)[1]) for l in text.splitlines()
          if l.startswith("kstarve_guard_detector_bpf_seconds_total")))
PY
}

measure() {  # mode-name load(idle|switch) guard-args...
  local name=$1 load=$2
  shift 2
  "$bin" guard --journal-dir "$dir/run" --metrics 127.0.0.1:0 "$@" 2>"$dir/guard.log" &
  local pid=$!
  sleep 2  # startup scan and detector load are not the steady state
  local port
  port=$(sed -n 's/.*metrics on [^ ]* (port \([0-9]*\)).*/\1/p' "$dir/guard.log" | head -1)
  [[ -n $port ]] || { echo "guard_cost: the guard did not start: $(tail -2 "$dir/guard.log")"; kill "$pid" 2>/dev/null; return 1; }
  local lpid=""
  if [[ $load == switch ]]; then
    taskset -c 1 stress-ng --switch 1 --timeout "$((secs + 2))s" >/dev/null 2>&1 &
    lpid=$!
    sleep 1
  fi
  local t0 c0 b0 t1 c1 b1
  # The metrics reads bracket the window: the guard's work for their
  # processes (proc connector events) and scrapes stays outside it.
  b0=$(bpf_seconds "$port")
  t0=$(date +%s.%N)
  c0=$(cpu_ns "$pid")
  sleep "$secs"
  c1=$(cpu_ns "$pid")
  t1=$(date +%s.%N)
  b1=$(bpf_seconds "$port")
  kill -TERM "$pid"
  wait "$pid" || true
  [[ -n $lpid ]] && { kill "$lpid" 2>/dev/null || true; wait "$lpid" 2>/dev/null || true; }
  awk -v n="$name" -v l="$load" -v c="$((c1 - c0))" -v b0="$b0" -v b1="$b1" -v a="$t0" -v b="$t1" \
    'BEGIN { p = c / 1e9; k = b1 - b0; d = b - a
             printf "%-22s %-7s %7.3f %% of one CPU (process %.3f %% + BPF programs %.3f %%, %.1f s)\n",
                    n, l, 100 * (p + k) / d, 100 * p / d, 100 * k / d, d }'
}

echo "kstarve guard CPU cost, $secs s per case ($(nproc) CPUs, $(uname -r))"
measure "rules" idle --rules "$dir/rules.toml"
measure "rules" switch --rules "$dir/rules.toml"
measure "rules + --auto" idle --rules "$dir/rules.toml" --auto --auto-match 'no-such-thread'
measure "rules + --auto" switch --rules "$dir/rules.toml" --auto --auto-match 'no-such-thread'
