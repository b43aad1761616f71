#!/usr/bin/env bash
# What recording costs the brief's fio workload (issue 3): IOPS with no
# tracing, under `kstarve record`, `perf sched record` and `trace-cmd record`,
# side by side in one run.
#
#   bench/fio/record_overhead.sh [SECONDS]     (default 10 s measured per run)
#
# The workload is scripts/lib/fio-cases.sh's (libaio 4 KiB randwrite,
# iodepth 128, batch 128, O_DIRECT, ext4, pinned to CPU 1), case $CASE
# (default alone), measured for SECONDS after a warm-up of KSTARVE_FIO_RAMP
# (2) s. Each tracer wraps the run (`TRACER -- fio-cases.sh run ...`), so it
# records the whole run, warm-up included. ROUNDS (6) rounds of the four
# variants, the order reversed every other round. This VM's IOPS drift by
# 10 % over minutes, more than the costs measured, so each run is compared
# with the untraced run of its own round: per variant the median of those
# per-round changes (the verdict), the median IOPS, and the events the
# tracer lost. kstarve's line also gives its own CPU time while recording
# (`record -v`), which does not depend on the disk's noise. Then each
# recorder's own CPU while recording the same load (CPU_SECONDS; see that
# section), since the IOPS differences between recorders are below the noise.
#
# Tracers (see bench/fio/README.md):
#   kstarve     kstarve record -o FILE -- CMD        ($KSTARVE; skipped if it
#               has no `record` yet). Lost events: trace.lost_events of
#               `kstarve report --format json FILE`.
#   perf        perf sched record -o FILE -- CMD: perf's own fixed event set
#               (on Debian's perf 6.1: sched_switch, sched_stat_runtime,
#               sched_process_fork, sched_wakeup_new, sched_migrate_task,
#               sched_waking), not ours. Lost: LOST events of `perf report --stats`.
#   trace-cmd   trace-cmd record -d -k -B kstarve-bench-tc -e ... -o FILE CMD,
#               with kstarve's events ($EVENTS). Plain `trace-cmd record`
#               fails on this machine; -d and -k are what make it work here
#               without touching the global tracing state (README). Lost:
#               overrun + dropped events of `trace-cmd report --stat`.
#
# Safety: root; fio-cases.sh bounds, pins and cleans up fio; every tracer run
# is bounded by `timeout`. The top-level tracing state (tracing_on,
# current_tracer, set_event, trace_clock, buffer_size_kb, events/enable) and
# the list of tracefs instances are compared with a snapshot after every run:
# a change is reported and put back. trace-cmd's instance (left by -k) is
# removed. Trace files go to $OUT_DIR (default a directory in /dev/shm, so
# the trace writes do not compete with fio for the disk) and are deleted
# after each run.
#
# Environment: CASE, ROUNDS, CPU_SECONDS (30; 0 skips that part), KSTARVE (binary; default $BUILD/src/cli/kstarve),
# BUILD (build-bench), NO_BUILD=1 (do not build kstarve), OUT_DIR,
# TRACE_CMD_BUFFER_KB (trace-cmd -b, per CPU; default 8192, kstarve record's
# default), EVENTS.
# Exits 0 whatever the figures are (a report, not a test).
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH/../.." && pwd)
# shellcheck source=scripts/lib/fio-cases.sh
source "$ROOT/scripts/lib/fio-cases.sh"
# shellcheck source=bench/fio/tracing-state.sh
source "$BENCH/tracing-state.sh"

SECONDS_PER_RUN=${1:-10}
CASE=${CASE:-alone}
ROUNDS=${ROUNDS:-6}
BUILD=${BUILD:-$ROOT/build-bench}
KSTARVE=${KSTARVE:-$BUILD/src/cli/kstarve}
TC_INSTANCE=kstarve-bench-tc
# kstarve record's events (DefaultRecordEvents() in src/capture/tracefs_session.cc), as system:event.
EVENTS=${EVENTS:-sched:sched_switch sched:sched_waking sched:sched_wakeup sched:sched_wakeup_new
sched:sched_migrate_task sched:sched_process_fork sched:sched_process_exit
irq:irq_handler_entry irq:irq_handler_exit irq:softirq_entry irq:softirq_exit irq:softirq_raise}
VARIANTS=(none kstarve perf trace-cmd)

log() { printf '[overhead %s] %s\n' "$(date +%T)" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

[[ $(id -u) == 0 ]] || die "must run as root"
[[ $SECONDS_PER_RUN =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive integer, got '$SECONDS_PER_RUN'"
fio_cases_valid "$CASE" || die "unknown CASE '$CASE' (one of: ${FIO_CASES[*]})"
for t in fio perf trace-cmd python3 timeout /usr/bin/time; do
  command -v $t >/dev/null || die "missing $t (scripts/install-deps.sh)"
done
[[ -d $TRACEFS/instances ]] || die "no tracefs at $TRACEFS"
[[ -e $TRACEFS/instances/$TC_INSTANCE ]] && die "$TRACEFS/instances/$TC_INSTANCE exists (another run?)"

if [[ -z ${OUT_DIR:-} ]]; then
  if [[ -d /dev/shm ]]; then OUT_DIR=$(mktemp -d /dev/shm/kstarve-overhead.XXXXXX); else OUT_DIR=$(mktemp -d); fi
  OWN_OUT=1
else
  mkdir -p "$OUT_DIR"
  OWN_OUT=0
fi
WORK=$(mktemp -d /tmp/kstarve-overhead.XXXXXX)
OWN_FILE=0

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  [[ -d $TRACEFS/instances/$TC_INSTANCE ]] && rmdir "$TRACEFS/instances/$TC_INSTANCE"
  tracing_state_check "$WORK/state.before" "at exit"
  [[ $OWN_FILE == 1 ]] && fio_cases_clean_file
  [[ $OWN_OUT == 1 ]] && rm -rf "$OUT_DIR"
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

tracing_state_save "$WORK/state.before"

# ------------------------------------------------------------ the tracers ---
have_kstarve_record() {
  if [[ ${NO_BUILD:-0} != 1 ]]; then
    if [[ ! -f $BUILD/build.ninja ]]; then
      cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKSTARVE_TESTS=OFF >/dev/null 2>&1 ||
        log "could not configure $BUILD"
    fi
    ninja -C "$BUILD" -j2 kstarve >"$WORK/build.log" 2>&1 || log "building kstarve failed (see below); using what is there"
  fi
  [[ -x $KSTARVE ]] && "$KSTARVE" --help 2>/dev/null | grep -qE '^  record +'
}
if have_kstarve_record; then
  KSTARVE_OK=1
else
  KSTARVE_OK=0
  log "SKIP kstarve: $KSTARVE has no 'record' command yet (set KSTARVE=path to one that does)"
fi

tc_events=()
for e in $EVENTS; do tc_events+=(-e "$e"); done
# The same ring buffer per CPU as kstarve record's default (--buffer-kb 8192).
tc_buffer=(-b "${TRACE_CMD_BUFFER_KB:-8192}")

RUN_CMD=("$FIO_CASES_SCRIPT" run "$CASE" "$SECONDS_PER_RUN")
LIMIT=$((FIO_RAMP + SECONDS_PER_RUN + 120))

# The command of variant $1 writing its trace to $2 (in array CMD).
variant_cmd() {
  case $1 in
    none) CMD=("${RUN_CMD[@]}") ;;
    kstarve) CMD=("$KSTARVE" record -v -o "$2" -- "${RUN_CMD[@]}") ;;
    perf) CMD=(perf sched record -o "$2" -- "${RUN_CMD[@]}") ;;
    trace-cmd) CMD=(trace-cmd record -d -k -o "$2" -B "$TC_INSTANCE" "${tc_buffer[@]}" "${tc_events[@]}" "${RUN_CMD[@]}") ;;
  esac
}

# Events the tracer of variant $1 lost, from its trace $2 ("?" if unknown).
lost_events() {
  case $1 in
    none) echo - ;;
    kstarve)
      timeout 300 "$KSTARVE" report --format json "$2" 2>/dev/null |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["trace"]["lost_events"])' 2>/dev/null || echo '?'
      ;;
    perf)
      perf report -i "$2" --stats 2>/dev/null |
        awk '/LOST(_SAMPLES)? events:/ {n += $3; seen = 1} END {print seen ? n : 0}'
      ;;
    trace-cmd)
      trace-cmd report --stat -i "$2" 2>/dev/null |
        awk '/^overrun:/ {n += $2} /^dropped events:/ {n += $3} END {print n + 0}'
      ;;
  esac
}

# One run of variant $1: appends "variant iops lost" to $WORK/results.
run_variant() {
  local v=$1 trace json rc=0 iops lost
  [[ $v == kstarve && $KSTARVE_OK == 0 ]] && return 0
  trace=$OUT_DIR/trace.$v
  json=$WORK/fio.json
  rm -f "$trace" "$json"
  variant_cmd "$v" "$trace"
  tracing_state_save "$WORK/state.run"
  KSTARVE_FIO_JSON=$json timeout -s INT -k 30 "$LIMIT" "${CMD[@]}" >"$WORK/$v.out" 2>"$WORK/$v.err" || rc=$?
  [[ $v == trace-cmd && -d $TRACEFS/instances/$TC_INSTANCE ]] && rmdir "$TRACEFS/instances/$TC_INSTANCE"
  tracing_state_check "$WORK/state.run" "after $v" || true
  if [[ $rc != 0 || ! -s $json ]]; then
    log "$v: failed (exit $rc): $(tail -3 "$WORK/$v.err" | tr '\n' ' ')"
    echo "$r $v FAILED -" >>"$WORK/results"
    rm -f "$trace"*
    return 0
  fi
  iops=$(fio_cases_iops "$json")
  lost=$([[ -e $trace ]] && lost_events "$v" "$trace" || echo -)
  [[ $v != none && ! -e $trace ]] && lost="no trace file"
  log "$v: $iops IOPS, lost events: $lost"
  echo "$r $v $iops $lost" >>"$WORK/results"
  if [[ $v == kstarve ]]; then
    sed -n 's/.*CPU while recording: .*(\([0-9.e+-]*\) % of one CPU).*/\1/p' "$WORK/$v.err" >>"$WORK/kstarve-cpu"
  fi
  rm -rf "$trace"*
}

# ------------------------------------------------------------------ runs ---
[[ $(fio_cases_prepare_file) == created ]] && OWN_FILE=1
export KSTARVE_FIO_KEEP_FILE=1
log "case $CASE, $ROUNDS rounds of ${VARIANTS[*]}, ${FIO_RAMP} s warm-up + $SECONDS_PER_RUN s measured per run"
: >"$WORK/results"
: >"$WORK/kstarve-cpu"
for ((r = 1; r <= ROUNDS; r++)); do
  order=("${VARIANTS[@]}")
  if ((r % 2 == 0)); then
    order=()
    for ((i = ${#VARIANTS[@]} - 1; i >= 0; i--)); do order+=("${VARIANTS[i]}"); done
  fi
  log "round $r/$ROUNDS: ${order[*]}"
  for v in "${order[@]}"; do run_variant "$v"; done
done

# ------------------------------------------------ the recorders' own CPU ---
# The IOPS above mix the kernel's cost of writing events (the same for
# kstarve and trace-cmd, which record the same events) with each recorder's
# own work, and this VM's IOPS noise is larger than the differences. So each
# recorder also records `sleep S` while fio runs on its own, and its process
# tree's CPU time (/usr/bin/time: user + system, 10 ms ticks) is taken for S = 5 and S =
# CPU_SECONDS (30): the difference over the extra seconds is what recording
# costs per second, without setup and the file written at the end.
CPU_SECONDS=${CPU_SECONDS:-30}
: >"$WORK/recorder-cpu"
tree_cpu() {  # CMD... -> user + system seconds of CMD and the children it waited for
  /usr/bin/time -f '%U %S' -o "$WORK/time.out" "$@" >/dev/null 2>&1 || true
  awk '{print $1 + $2}' "$WORK/time.out"
}
if ((CPU_SECONDS > 5)); then
  log "recorders' own CPU: each records sleep 5 and sleep $CPU_SECONDS while fio ($CASE) runs"
  fio_cases_start "$CASE" $((3 * (CPU_SECONDS + 5) + 60)) >/dev/null
  sleep 2
  for s in 5 "$CPU_SECONDS"; do
    for v in kstarve perf trace-cmd; do
      [[ $v == kstarve && $KSTARVE_OK == 0 ]] && continue
      trace=$OUT_DIR/cpu.$v
      case $v in
        kstarve) CMD=("$KSTARVE" record -o "$trace" -- sleep "$s") ;;
        perf) CMD=(perf sched record -o "$trace" -- sleep "$s") ;;
        trace-cmd) CMD=(trace-cmd record -d -k -o "$trace" -B "$TC_INSTANCE" "${tc_buffer[@]}" "${tc_events[@]}" sleep "$s") ;;
      esac
      tracing_state_save "$WORK/state.run"
      echo "$v $s $(tree_cpu timeout -s INT -k 30 $((s + 120)) "${CMD[@]}")" >>"$WORK/recorder-cpu"
      [[ $v == trace-cmd && -d $TRACEFS/instances/$TC_INSTANCE ]] && rmdir "$TRACEFS/instances/$TC_INSTANCE"
      tracing_state_check "$WORK/state.run" "after $v (CPU)" || true
      rm -rf "$trace"*
    done
  done
  fio_cases_stop >/dev/null 2>&1 || true
fi

# ----------------------------------------------------------------- table ---
print_commands() {
  local v
  echo "fio: $(fio_cases_command "$CASE" "$SECONDS_PER_RUN")"
  for v in "${VARIANTS[@]}"; do
    variant_cmd "$v" TRACE
    echo "$v: ${CMD[*]}"
  done
}

echo
echo "Recording overhead on the brief's fio workload (case $CASE), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "$(uname -r), $(nproc) CPUs, fio $(fio --version | sed 's/fio-//'), $(perf version), trace-cmd $(trace-cmd -h 2>&1 | awk '/version/ {print $3; exit}'), loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
print_commands | sed 's/^/  /'
echo
python3 - "$WORK/results" "$KSTARVE_OK" "$WORK/kstarve-cpu" "$WORK/recorder-cpu" <<'EOF'
import statistics, sys
cpu_rows = [(l.split()[0], int(l.split()[1]), float(l.split()[2])) for l in open(sys.argv[4]) if len(l.split()) == 3]
rows = [l.strip().split(None, 3) for l in open(sys.argv[1]) if l.strip()]
kstarve_ok = sys.argv[2] == "1"
cpu = [float(x) for x in open(sys.argv[3]).read().split()]
order = ["none", "kstarve", "perf", "trace-cmd"]
label = {"none": "no tracing", "kstarve": "kstarve record", "perf": "perf sched record",
         "trace-cmd": "trace-cmd record"}
ok_rows = [r for r in rows if r[2] != "FAILED"]
runs = {v: [int(r[2]) for r in ok_rows if r[1] == v] for v in order}
failed = {v: sum(1 for r in rows if r[1] == v and r[2] == "FAILED") for v in order}
lost = {v: [r[3] for r in ok_rows if r[1] == v] for v in order}
base_of_round = {r[0]: int(r[2]) for r in ok_rows if r[1] == "none"}
# The change of each run against the untraced run of its own round.
paired = {v: [(int(r[2]) / base_of_round[r[0]] - 1) * 100 for r in ok_rows if r[1] == v and r[0] in base_of_round]
          for v in order}
change = {v: statistics.median(paired[v]) for v in order if v != "none" and paired[v]}
med = {v: statistics.median(runs[v]) for v in order if runs[v]}
print(f"  {'variant':<18} {'change':>7} {'median IOPS':>11}  {'per-round change vs none (%)':<36} lost events per run")
print(f"  {'-' * 18} {'-' * 7} {'-' * 11}  {'-' * 36} {'-' * 19}")
for v in order:
    if v == "kstarve" and not kstarve_ok:
        print(f"  {label[v]:<18} {'skipped: no kstarve record yet':>40}")
        continue
    if not runs[v]:
        print(f"  {label[v]:<18} {'failed':>7}  ({failed[v]} runs failed)")
        continue
    ch = f"{change[v]:+.1f}%" if v in change else "-"
    per = " ".join(f"{x:+.1f}" for x in paired[v]) if v != "none" else "(IOPS) " + " ".join(str(x) for x in runs[v])
    extra = f" ({failed[v]} failed)" if failed[v] else ""
    print(f"  {label[v]:<18} {ch:>7} {med[v]:>11,.0f}  {per:<36} {' '.join(lost[v])}{extra}")
if cpu:
    print(f"\n  kstarve record's own CPU while recording: median {statistics.median(cpu):.2f} % of one CPU "
          f"(runs: {' '.join(f'{x:.2f}' for x in cpu)})")
print()
if kstarve_ok and "kstarve" in change:
    cost = -change["kstarve"]
    print(f"  {'PASS' if cost <= 3 else 'FAIL'}  kstarve record costs at most 3 % of the IOPS: {cost:.1f} % "
          f"(median of {len(paired['kstarve'])} per-round changes)")
    for peer in ("perf", "trace-cmd"):
        if peer in change:
            ok = change["kstarve"] > change[peer]
            print(f"  {'PASS' if ok else 'FAIL'}  kstarve record costs less than {label[peer]}: "
                  f"{-change['kstarve']:.1f} % vs {-change[peer]:.1f} %")
else:
    print("  (no verdict: kstarve record did not run)")
if cpu_rows:
    print("\n  Recorders' own CPU while recording the same load (process tree, sleep 5 vs sleep "
          f"{max(s for _, s, _ in cpu_rows)}: the extra seconds' CPU):")
    per = {}
    for v, s, c in cpu_rows:
        per.setdefault(v, {})[s] = c
    slope = {}
    for v in ("kstarve", "perf", "trace-cmd"):
        if v in per and len(per[v]) == 2:
            (s0, c0), (s1, c1) = sorted(per[v].items())
            slope[v] = (c1 - c0) / (s1 - s0) * 100
            print(f"    {label[v]:<18} {slope[v]:5.2f} % of one CPU   ({c0:.2f} s CPU for {s0} s, {c1:.2f} s for {s1} s)")
    if "kstarve" in slope:
        for peer in ("perf", "trace-cmd"):
            if peer in slope:
                ok = slope["kstarve"] < slope[peer]
                print(f"  {'PASS' if ok else 'FAIL'}  kstarve record's own CPU is below {label[peer]}'s: "
                      f"{slope['kstarve']:.2f} % vs {slope[peer]:.2f} %")
EOF
