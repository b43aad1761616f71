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
# ROUNDS (3) rounds, the row order reversed every other round. Per row: the
# median IOPS, its share of fio alone's median, and the guard's CPU time
# (utime+stime+cutime+cstime of /proc/PID/stat, from just before fio starts
# to just after it ends) in % of one CPU. Then PASS/FAIL against the bars:
# with rules >= 95 % of alone in both starved cases, with --auto >= 90 %,
# with nothing starving <= 1 % fewer IOPS and <= 1 % of one CPU.
#
# The guard is started GUARD_SETTLE (1) s before fio, stopped with SIGTERM
# after it (SIGKILL after 10 s, with a warning), and bounded by `timeout`.
# Before and after each guarded run the policy, RT priority and nice of every
# kernel thread are compared: a thread the guard left changed is reported.
# Rows whose guard or rules file does not exist yet are skipped with a message.
#
# Environment: ROUNDS, FIXED, GUARD_SETTLE, ALONE_RULES (default the cgroup
# rules), RULES_DIR (examples/rules), KSTARVE, BUILD (build-bench), NO_BUILD=1.
# Exits 0 whatever the figures are (a report, not a test).
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH/../.." && pwd)
# shellcheck source=scripts/lib/fio-cases.sh
source "$ROOT/scripts/lib/fio-cases.sh"

SECONDS_PER_RUN=${1:-10}
ROUNDS=${ROUNDS:-3}
FIXED=${FIXED:-1}
GUARD_SETTLE=${GUARD_SETTLE:-1}
BUILD=${BUILD:-$ROOT/build-bench}
KSTARVE=${KSTARVE:-$BUILD/src/cli/kstarve}
RULES_DIR=${RULES_DIR:-$ROOT/examples/rules}
CGROUP_RULES=$RULES_DIR/brief-cgroup-case.toml
FIFO_RULES=$RULES_DIR/brief-fifo-case.toml
ALONE_RULES=${ALONE_RULES:-$CGROUP_RULES}
CLK_TCK=$(getconf CLK_TCK)

log() { printf '[guard-iops %s] %s\n' "$(date +%T)" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

[[ $(id -u) == 0 ]] || die "must run as root"
[[ $SECONDS_PER_RUN =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive integer, got '$SECONDS_PER_RUN'"
for t in fio python3 timeout getconf; do
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

proc_cpu_ticks() {  # $1 = pid; utime+stime+cutime+cstime
  awk '{sub(/.*\) /, ""); print $12 + $13 + $14 + $15}' "/proc/$1/stat"
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

# One run of row $1: appends "label|iops|guard cpu %" to $WORK/results.
run_row() {
  local label case guard iops rc=0 cpu=- t0 t1 c0 c1 tpid changed
  IFS='|' read -r label case guard <<<"$1"
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
      "$KSTARVE" guard $guard >"$WORK/guard.log" 2>&1 &
    tpid=$!
    sleep "$GUARD_SETTLE"
    GUARD_PID=$(pgrep -P "$tpid" | head -1 || true)
    if [[ -z $GUARD_PID ]] || ! kill -0 "$GUARD_PID" 2>/dev/null; then
      wait "$tpid" || rc=$?
      log "$label: the guard did not start (exit $rc): $(tail -3 "$WORK/guard.log" | tr '\n' ' ')"
      echo "$label|FAILED|-" >>"$WORK/results"
      GUARD_PID=
      return 0
    fi
    c0=$(proc_cpu_ticks "$GUARD_PID")
  fi
  t0=$(date +%s.%N)
  iops=$(fio_cases_run "$case" "$SECONDS_PER_RUN") || rc=$?
  t1=$(date +%s.%N)
  if [[ -n $GUARD_PID ]]; then
    c1=$(proc_cpu_ticks "$GUARD_PID" 2>/dev/null || echo "$c0")
    cpu=$(python3 -c "print('%.2f' % (($c1 - $c0) / $CLK_TCK / ($t1 - $t0) * 100))")
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
    echo "$label|FAILED|$cpu" >>"$WORK/results"
    return 0
  fi
  if [[ $cpu == - ]]; then log "$label: $iops IOPS"; else log "$label: $iops IOPS, guard CPU $cpu %"; fi
  echo "$label|$iops|$cpu" >>"$WORK/results"
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
  for row in "${order[@]}"; do run_row "$row"; done
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
labels = list(dict.fromkeys(r[0] for r in rows))
iops = {l: [int(r[1]) for r in rows if r[0] == l and r[1] != "FAILED"] for l in labels}
cpu = {l: [float(r[2]) for r in rows if r[0] == l and r[2] != "-"] for l in labels}
failed = {l: sum(1 for r in rows if r[0] == l and r[1] == "FAILED") for l in labels}
med = {l: statistics.median(v) for l, v in iops.items() if v}
mcpu = {l: statistics.median(v) for l, v in cpu.items() if v}
alone = med.get("alone")
print(f"  {'case':<26} {'IOPS median':>11} {'% of alone':>10} {'guard CPU %':>11}  runs (IOPS)")
print(f"  {'-' * 26} {'-' * 11} {'-' * 10} {'-' * 11}  {'-' * 11}")
for l in labels:
    if l not in med:
        print(f"  {l:<26} {'failed':>11}  ({failed[l]} runs failed)")
        continue
    share = f"{med[l] / alone * 100:.1f}" if alone else "-"
    c = f"{mcpu[l]:.2f}" if l in mcpu else "-"
    extra = f" ({failed[l]} failed)" if failed[l] else ""
    print(f"  {l:<26} {med[l]:>11,.0f} {share:>10} {c:>11}  {' '.join(map(str, iops[l]))}{extra}")
print()
def bar(ok, text):
    print(f"  {'PASS' if ok else 'FAIL'}  {text}")
if not alone:
    print("  (no verdict: fio alone did not run)")
    sys.exit(0)
verdicts = 0
for mode, need in (("rules", 95), ("--auto", 90)):
    for case in ("cgroup", "fifo"):
        l = f"{case} + guard {mode}"
        if l in med:
            share = med[l] / alone * 100
            bar(share >= need, f"{l}: at least {need} % of fio alone: {share:.1f} %")
            verdicts += 1
for mode in ("rules", "--auto"):
    l = f"alone + guard {mode}"
    if l in med:
        cost = (1 - med[l] / alone) * 100
        bar(cost <= 1, f"{l}: costs at most 1 % of the IOPS: {cost:.1f} %")
        if l in mcpu:
            bar(mcpu[l] <= 1, f"{l}: at most 1 % of one CPU: {mcpu[l]:.2f} %")
        verdicts += 1
if verdicts == 0:
    print("  (no verdict: no guarded row ran)")
EOF
