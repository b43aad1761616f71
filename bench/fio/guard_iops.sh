#!/usr/bin/env bash
# What `kstarve guard` wins back on the brief's fio workload, and what it
# costs when nothing starves (issue 4), side by side in one run.
#
#   bench/fio/guard_iops.sh [SECONDS]     (default 10 s measured per run)
#
# Rows (the fio cases are scripts/lib/fio-cases.sh's):
#   alone, cgroup, fifo                        no guard
#   cgroup-fixed, fifo-fixed                   the brief's manual fix, for
#                                              reference (FIXED=0 drops them)
#   cgroup + guard --rules, fifo + guard --rules   with examples/rules/brief-cgroup-case.toml
#                                              and brief-fifo-case.toml
#   cgroup + guard --auto, fifo + guard --auto     no rules
#   alone + guard --rules ($ALONE_RULES), alone + guard --auto: the cost
# ROUNDS (3) rounds, the row order reversed every other round, and with
# PAIRED=1 (the default) a run of fio alone before the first row and after
# every row: alone, X1, alone, X2, ..., alone. Per row: the share of fio
# alone's IOPS (each run against the mean of the alone runs right before and
# after it; with PAIRED=0 against the one alone run of its round), median
# over rounds. This VM's IOPS drift by ~10 % within minutes and runs late in
# a round came out lower than the alone run at its start (session 4: the
# rules, which change nothing when nothing starves, "cost" 14 %), so only
# neighbours are compared. Then the median IOPS, and the guard's CPU in
# % of one CPU, from just before fio starts to just after it ends: its
# process time (the run time of its threads, /proc/PID/task/*/schedstat) PLUS the run
# time of its BPF programs, which run inside the switching tasks and are not
# in the process time (kstarve_guard_detector_bpf_seconds_total from the
# guard's metrics endpoint, $GUARD_METRICS; the BPF share is also shown
# alone). Then PASS/FAIL against the bars: with rules >= 95 % of alone in
# both starved cases, with --auto >= 90 %, with nothing starving (the rows
# "alone + guard rules" and "alone + guard --auto") <= 1 % fewer IOPS and
# <= 1 % of one CPU.
#
# The guard is started GUARD_SETTLE (1) s before fio, stopped with SIGTERM
# after it (SIGKILL after 10 s, with a warning), and bounded by `timeout`.
# Before and after each guarded run the policy, RT priority and nice of every
# kernel thread are compared: a thread the guard left changed is reported.
# Rows whose guard or rules file does not exist yet are skipped with a message.
#
# Environment: ROUNDS, FIXED, GUARD_SETTLE, ALONE_RULES (default the cgroup
# rules), RULES_DIR (examples/rules), KSTARVE, BUILD (build-bench), NO_BUILD=1,
# GUARD_METRICS (127.0.0.1:9477, the guard's default; passed to it).
# Exits 0 whatever the figures are (a report, not a test).
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH/../.." && pwd)
# shellcheck source=scripts/lib/fio-cases.sh
source "$ROOT/scripts/lib/fio-cases.sh"

SECONDS_PER_RUN=${1:-10}
ROUNDS=${ROUNDS:-3}
FIXED=${FIXED:-1}
PAIRED=${PAIRED:-1}
SEQ=0  # run number, for finding each run's neighbouring alone runs
GUARD_SETTLE=${GUARD_SETTLE:-1}
BUILD=${BUILD:-$ROOT/build-bench}
KSTARVE=${KSTARVE:-$BUILD/src/cli/kstarve}
RULES_DIR=${RULES_DIR:-$ROOT/examples/rules}
CGROUP_RULES=$RULES_DIR/brief-cgroup-case.toml
FIFO_RULES=$RULES_DIR/brief-fifo-case.toml
ALONE_RULES=${ALONE_RULES:-$CGROUP_RULES}
GUARD_METRICS=${GUARD_METRICS:-127.0.0.1:9477}

log() { printf '[guard-iops %s] %s\n' "$(date +%T)" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

[[ $(id -u) == 0 ]] || die "must run as root"
[[ $SECONDS_PER_RUN =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive integer, got '$SECONDS_PER_RUN'"
for t in fio python3 timeout; do
  command -v $t >/dev/null || die "missing $t (scripts/install-deps.sh)"
done

WORK=$(mktemp -d /tmp/kstarve-guard-iops.XXXXXX)
OWN_FILE=0
GUARD_PID=

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [[ -n $GUARD_PID ]] && kill -0 "$GUARD_PID" 2>/dev/null; then
    kill -TERM "$GUARD_PID"
    for _ in $(seq 100); do kill -0 "$GUARD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$GUARD_PID" 2>/dev/null
  fi
  [[ $OWN_FILE == 1 ]] && fio_cases_clean_file
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------- the guard ---
have_guard() {
  if [[ ${NO_BUILD:-0} != 1 ]]; then
    if [[ ! -f $BUILD/build.ninja ]]; then
      cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKSTARVE_TESTS=OFF >/dev/null 2>&1 ||
        log "could not configure $BUILD"
    fi
    ninja -C "$BUILD" -j2 kstarve >"$WORK/build.log" 2>&1 || log "building kstarve failed; using what is there"
  fi
  [[ -x $KSTARVE ]] && "$KSTARVE" --help 2>/dev/null | grep -qE '^  guard +'
}
GUARD_OK=0
if have_guard; then GUARD_OK=1; else log "SKIP guard rows: $KSTARVE has no 'guard' command yet (set KSTARVE=path to one that does)"; fi

# The guard wants a root-owned rules file no one else can write: use a copy
# with mode 0644 if the checkout's is not.
rules_file() {  # $1 = rules file; prints the path to use, fails if missing
  local f=$1 copy
  [[ -f $f ]] || return 1
  if [[ $(stat -c %u "$f") == 0 && $(($(stat -c '%#a' "$f") & 022)) == 0 ]]; then
    echo "$f"
  else
    copy=$WORK/$(basename "$f")
    install -m 0644 -o root -g root "$f" "$copy"
    echo "$copy"
  fi
}

# "pid cls rtprio ni comm" of every kernel thread (children of kthreadd).
kthread_attrs() {
  ps -eo pid=,ppid=,cls=,rtprio=,ni=,comm= | awk '$2 == 2 || $1 == 2 {print $1, $3, $4, $5, $6}' | sort -n
}

# Kernel threads alive before and after whose attributes differ.
kthreads_changed() {  # $1 = before, $2 = after
  python3 - "$1" "$2" <<'EOF'
import sys
def load(p):
    out = {}
    for line in open(p):
        f = line.split(None, 4)
        if len(f) == 5:
            out[f[0]] = (f[1:4], f[4].strip())
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
for pid in sorted(set(a) & set(b), key=int):
    if a[pid][0] != b[pid][0] and a[pid][1].split("-")[0] == b[pid][1].split("-")[0]:
        print(f"{pid} {b[pid][1]}: {' '.join(a[pid][0])} -> {' '.join(b[pid][0])}")
EOF
}

# Other kstarve guards (another test or daemon) change the same kernel
# threads: their pids, not counting ours.
other_guards() {
  pgrep -f -- 'kstarve guard( |$)' | grep -vx "${GUARD_PID:-none}" | xargs || true
}
OTHER_GUARDS_SEEN=

# CPU time of every thread of process $1 in ns (schedstat: exact run time,
# where utime+stime come in 10 ms ticks, a tenth of the 1 % bar in a 10 s run).
proc_cpu_ns() {
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{n += $1} END {print n + 0}'
}

# Seconds the guard's BPF programs have run (all programs), from its metrics
# endpoint; "none" when it has no detector (rules only) or the kernel keeps
# no BPF statistics; fails if the endpoint does not answer.
guard_bpf_seconds() {
  python3 - "$GUARD_METRICS" <<'EOF'
import sys, urllib.request
text = urllib.request.urlopen(f"http://{sys.argv[1]}/metrics", timeout=5).read().decode()
vals = [float(l.rsplit(None, 1)[1]) for l in text.splitlines()
        if l.startswith("kstarve_guard_detector_bpf_seconds_total")]
print(sum(vals) if vals else "none")
EOF
}

# ------------------------------------------------------------------ rows ---
# A row is "label case guard-args...": guard "-" = no guard.
ROWS=("alone|alone|-" "cgroup|cgroup|-" "fifo|fifo|-")
((FIXED == 1)) && ROWS+=("cgroup-fixed (manual fix)|cgroup-fixed|-" "fifo-fixed (manual fix)|fifo-fixed|-")
add_guard_row() {  # $1 = label, $2 = case, $3 = rules file or --auto
  if ((GUARD_OK == 0)); then
    SKIPPED+=("$1: no kstarve guard yet")
    return
  fi
  if [[ $3 == --auto ]]; then
    ROWS+=("$1|$2|--auto")
  elif f=$(rules_file "$3"); then
    ROWS+=("$1|$2|--rules $f")
  else
    SKIPPED+=("$1: no rules file $3 yet")
  fi
}
SKIPPED=()
add_guard_row "cgroup + guard rules" cgroup "$CGROUP_RULES"
add_guard_row "fifo + guard rules" fifo "$FIFO_RULES"
add_guard_row "cgroup + guard --auto" cgroup --auto
add_guard_row "fifo + guard --auto" fifo --auto
add_guard_row "alone + guard rules" alone "$ALONE_RULES"
add_guard_row "alone + guard --auto" alone --auto
for s in "${SKIPPED[@]}"; do log "SKIP $s"; done

# One run of row $1 in round $2: appends "round|label|iops|guard cpu %|of
# which BPF %|run number" to $WORK/results.
run_row() {
  local label case guard iops rc=0 cpu=- bpf=- t0 t1 c0 c1 b0=none b1=none tpid changed round=$2
  IFS='|' read -r label case guard <<<"$1"
  SEQ=$((SEQ + 1))
  local others
  others=$(other_guards)
  if [[ -n $others ]]; then
    log "WARNING: $label: other kstarve guard(s) running (pid $others): this row's IOPS and restore check are not the guard's alone"
    OTHER_GUARDS_SEEN+="$label (pid $others); "
  fi
  if [[ $guard != - ]]; then
    kthread_attrs >"$WORK/kthreads.before"
    # shellcheck disable=SC2086  # guard holds the options
    timeout -s TERM -k 10 $((FIO_RAMP + SECONDS_PER_RUN + 60 + GUARD_SETTLE)) \
      "$KSTARVE" guard --metrics "$GUARD_METRICS" $guard >"$WORK/guard.log" 2>&1 &
    tpid=$!
    sleep "$GUARD_SETTLE"
    GUARD_PID=$(pgrep -P "$tpid" | head -1 || true)
    if [[ -z $GUARD_PID ]] || ! kill -0 "$GUARD_PID" 2>/dev/null; then
      wait "$tpid" || rc=$?
      log "$label: the guard did not start (exit $rc): $(tail -3 "$WORK/guard.log" | tr '\n' ' ')"
      echo "$round|$label|FAILED|-|-" >>"$WORK/results"
      GUARD_PID=
      return 0
    fi
    b0=$(guard_bpf_seconds) || {
      log "WARNING: $label: no metrics at $GUARD_METRICS: the BPF run time is not counted"
      b0=none
    }
    c0=$(proc_cpu_ns "$GUARD_PID")
  fi
  t0=$(date +%s.%N)
  iops=$(fio_cases_run "$case" "$SECONDS_PER_RUN") || rc=$?
  t1=$(date +%s.%N)
  if [[ -n $GUARD_PID ]]; then
    c1=$(proc_cpu_ns "$GUARD_PID")
    [[ $b0 != none ]] && { b1=$(guard_bpf_seconds) || b1=none; }
    # The guard's cost: its process time plus its BPF programs' run time.
    read -r cpu bpf < <(python3 -c "
dt = $t1 - $t0
proc = ($c1 - $c0) / 1e9
bpf = None if '$b0' == 'none' or '$b1' == 'none' else float('$b1') - float('$b0')
print('%.2f' % ((proc + (bpf or 0)) / dt * 100), '-' if bpf is None else '%.2f' % (bpf / dt * 100))")
    kill -TERM "$GUARD_PID" 2>/dev/null || log "$label: the guard had already exited: $(tail -3 "$WORK/guard.log" | tr '\n' ' ')"
    for _ in $(seq 100); do kill -0 "$GUARD_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$GUARD_PID" 2>/dev/null; then
      log "WARNING: $label: the guard did not stop within 10 s of SIGTERM; killing it"
      kill -KILL "$GUARD_PID"
    fi
    wait "$tpid" 2>/dev/null || true
    GUARD_PID=
    kthread_attrs >"$WORK/kthreads.after"
    changed=$(kthreads_changed "$WORK/kthreads.before" "$WORK/kthreads.after")
    [[ -n $changed ]] && log "WARNING: $label: kernel threads changed across the guarded run (not restored by the guard, or changed by something else): $(echo "$changed" | tr '\n' ';')"
  fi
  if [[ $rc != 0 || -z $iops ]]; then
    log "$label: fio failed (exit $rc)"
    echo "$round|$label|FAILED|$cpu|$bpf|$SEQ" >>"$WORK/results"
    return 0
  fi
  if [[ $cpu == - ]]; then
    log "$label: $iops IOPS"
  else
    log "$label: $iops IOPS, guard CPU $cpu % (of which BPF programs: $bpf %)"
  fi
  echo "$round|$label|$iops|$cpu|$bpf|$SEQ" >>"$WORK/results"
}

# ------------------------------------------------------------------ runs ---
[[ $(fio_cases_prepare_file) == created ]] && OWN_FILE=1
export KSTARVE_FIO_KEEP_FILE=1
log "${#ROWS[@]} rows x $ROUNDS rounds, ${FIO_RAMP} s warm-up + $SECONDS_PER_RUN s measured per run"
: >"$WORK/results"
for ((r = 1; r <= ROUNDS; r++)); do
  order=("${ROWS[@]}")
  if ((r % 2 == 0)); then
    order=()
    for ((i = ${#ROWS[@]} - 1; i >= 0; i--)); do order+=("${ROWS[i]}"); done
  fi
  log "round $r/$ROUNDS"
  if ((PAIRED == 1)); then
    run_row "${ROWS[0]}" "$r"  # ROWS[0] is alone
    for row in "${order[@]}"; do
      [[ $row == "${ROWS[0]}" ]] && continue
      run_row "$row" "$r"
      run_row "${ROWS[0]}" "$r"
    done
  else
    for row in "${order[@]}"; do run_row "$row" "$r"; done
  fi
done

# ----------------------------------------------------------------- table ---
echo
echo "kstarve guard on the brief's fio workload, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "$(uname -r), $(nproc) CPUs, fio $(fio --version | sed 's/fio-//'), loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
for c in alone cgroup fifo; do echo "  $c: $(fio_cases_command "$c" "$SECONDS_PER_RUN")"; done
for row in "${ROWS[@]}"; do
  IFS='|' read -r label _ guard <<<"$row"
  [[ $guard != - ]] && echo "  $label: $KSTARVE guard $guard"
done
for s in "${SKIPPED[@]}"; do echo "  skipped: $s"; done
[[ -n $OTHER_GUARDS_SEEN ]] && echo "  WARNING: other kstarve guards were running during: $OTHER_GUARDS_SEEN- figures not valid"
echo
python3 - "$WORK/results" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if l.strip()]
labels = list(dict.fromkeys(r[1] for r in rows))
ok = [r for r in rows if r[2] != "FAILED"]
iops = {l: [int(r[2]) for r in ok if r[1] == l] for l in labels}
cpu = {l: [float(r[3]) for r in rows if r[1] == l and r[3] != "-"] for l in labels}
bpf = {l: [float(r[4]) for r in rows if r[1] == l and r[4] != "-"] for l in labels}
failed = {l: sum(1 for r in rows if r[1] == l and r[2] == "FAILED") for l in labels}
med = {l: statistics.median(v) for l, v in iops.items() if v}
mcpu = {l: statistics.median(v) for l, v in cpu.items() if v}
mbpf = {l: statistics.median(v) for l, v in bpf.items() if v}
# Each run against fio alone next to it: the mean of the alone runs right
# before and after it (PAIRED=1), else the alone run of its round.
alone_runs = sorted((int(r[5]), int(r[2])) for r in ok if r[1] == "alone")
alone_of_round = {r[0]: int(r[2]) for r in ok if r[1] == "alone"}
def reference(r):
    seq = int(r[5])
    near = [i for s, i in alone_runs if abs(s - seq) == 1]
    if near:
        return sum(near) / len(near)
    return alone_of_round.get(r[0])
ratios = {l: [int(r[2]) / reference(r) * 100 for r in ok if r[1] == l and reference(r)]
          for l in labels}
share = {l: statistics.median(v) for l, v in ratios.items() if v}
print(f"  {'case':<26} {'% of alone':>10} {'IOPS median':>11} {'guard CPU %':>11} {'of it BPF':>9}  "
      f"per-round % of alone (IOPS)")
print(f"  {'-' * 26} {'-' * 10} {'-' * 11} {'-' * 11} {'-' * 9}  {'-' * 28}")
for l in labels:
    if l not in med:
        print(f"  {l:<26} {'failed':>10}  ({failed[l]} runs failed)")
        continue
    sh = f"{share[l]:.1f}" if l in share else "-"
    c = f"{mcpu[l]:.2f}" if l in mcpu else "-"
    b = f"{mbpf[l]:.2f}" if l in mbpf else "-"
    per = " ".join(f"{x:.1f}" for x in ratios[l]) + " " if l != "alone" else ""
    extra = f" ({failed[l]} failed)" if failed[l] else ""
    print(f"  {l:<26} {sh:>10} {med[l]:>11,.0f} {c:>11} {b:>9}  {per}({' '.join(map(str, iops[l]))}){extra}")
print()
print("  % of alone: median over rounds of each run's IOPS / the fio alone runs next to it"
      + (" (before and after)." if any(abs(a - b) == 2 for (a, _), (b, _) in zip(alone_runs, alone_runs[1:])) else
         " (that round's)."))
print("  guard CPU %: the guard process's CPU time + its BPF programs' run time, % of one CPU (median).")
print()
def bar(ok, text):
    print(f"  {'PASS' if ok else 'FAIL'}  {text}")
if not alone_of_round:
    print("  (no verdict: fio alone did not run)")
    sys.exit(0)
verdicts = 0
for mode, need in (("rules", 95), ("--auto", 90)):
    for case in ("cgroup", "fifo"):
        l = f"{case} + guard {mode}"
        if l in share:
            bar(share[l] >= need, f"{l}: at least {need} % of fio alone: {share[l]:.1f} %")
            verdicts += 1
for mode in ("rules", "--auto"):
    l = f"alone + guard {mode}"
    if l in share:
        cost = 100 - share[l]
        bar(cost <= 1, f"{l}: costs at most 1 % of the IOPS: {cost:.1f} %")
        if l in mcpu:
            b = f", of which BPF {mbpf[l]:.2f} %" if l in mbpf else " (no BPF programs counted)"
            bar(mcpu[l] <= 1, f"{l}: at most 1 % of one CPU: {mcpu[l]:.2f} %{b}")
        verdicts += 1
if verdicts == 0:
    print("  (no verdict: no guarded row ran)")
EOF
