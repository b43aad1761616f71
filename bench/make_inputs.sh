#!/usr/bin/env bash
# Record the benchmark inputs of bench/run.sh on this machine (bench/data/).
#
#   bench/make_inputs.sh            # needs root, tracefs, perf, trace-cmd, stress-ng
#
# One real workload, all of it pinned to CPU $CPU and bounded in time:
#   stress-ng --cpu 1                      a CPU hog (CFS)
#   stress-ng --cyclic 1                   a periodic real-time sleeper (every 100 us)
#   stress-ng --switch 1 --switch-freq F   a rate-limited pipe ping-pong (context switches)
# is recorded twice at the same time:
#   (a) perf record -k mono -a            -> data/perf.data
#   (b) ftrace in a private tracefs instance (instances/kstarve-bench, trace_clock mono)
# From these come the three text inputs, each with at least MIN_EVENTS events:
#   data/ftrace.txt       the instance's `trace` file
#   data/trace-cmd.txt    `trace-cmd report` of `trace-cmd extract -B kstarve-bench`
#   data/perf-script.txt  `perf script` of data/perf.data
# data/ftrace-recording.txt is the instance's `trace` file as recorded (never
# replicated): run.sh times kstarve on it against `perf sched latency` on
# data/perf.data, the same workload recorded at the same time.
# and data/ftrace-1g.txt, data/ftrace.txt replicated to about 1 GiB (the
# peak-RSS input). A text input whose recording has fewer than MIN_EVENTS
# events is replicated with timestamps shifted forward (bench/replicate.py);
# data/manifest.txt says which ones were, and how many events each holds.
#
# Safety: the top-level tracing state (tracing_on, set_event, current_tracer,
# buffers) is never written; only our own instance is, and it is removed on
# exit. The loads and perf are killed by pid on exit (EXIT trap, also on
# errors, SIGINT and SIGTERM), and each load has a `timeout -s KILL` backstop.
#
# Environment: CPU (1), DURATION (7 s), SWITCH_FREQ (60000), MIN_EVENTS
# (1000000), BIG_BYTES (1073741824), BUFFER_KB (per-CPU ring buffer, 262144).
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
DATA=${DATA:-$BENCH/data}
CPU=${CPU:-1}
DURATION=${DURATION:-7}
SWITCH_FREQ=${SWITCH_FREQ:-60000}
MIN_EVENTS=${MIN_EVENTS:-1000000}
BIG_BYTES=${BIG_BYTES:-1073741824}
BUFFER_KB=${BUFFER_KB:-262144}
TRACEFS=/sys/kernel/tracing
# shellcheck source=../scripts/lib/tracefs-instance.sh
source "$BENCH/../scripts/lib/tracefs-instance.sh"   # KSTARVE_EVENTS, instance_*
EVENTS=("${KSTARVE_EVENTS[@]}")
PERF_EVENTS=$KSTARVE_PERF_EVENTS
INST_NAME=kstarve-bench
INST=$TRACEFS/instances/$INST_NAME

log() { printf '[make_inputs %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- cleanup ---
BG_PIDS=()   # the loads we started
PERF_PID=
WORK=

cleanup() {
  local rc=$? p
  set +e
  trap - EXIT INT TERM
  if [[ -n $PERF_PID ]] && kill -0 "$PERF_PID" 2>/dev/null; then
    kill -INT "$PERF_PID"
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$PERF_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$PERF_PID" 2>/dev/null
    wait "$PERF_PID" 2>/dev/null
  fi
  for p in "${BG_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null; done
  for p in "${BG_PIDS[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.3; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  instance_remove "$INST"
  [[ -n $WORK && -d $WORK ]] && rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# -------------------------------------------------------------- preflight ---
[[ $(id -u) == 0 ]] || die "must run as root"
[[ -d $TRACEFS/instances ]] || die "no tracefs at $TRACEFS"
[[ -e $INST ]] && die "$INST exists (another bench recording running? remove it with rmdir)"
for t in perf trace-cmd stress-ng python3 taskset timeout; do
  command -v $t >/dev/null || die "missing $t (scripts/install-deps.sh installs it)"
done
(( CPU < $(nproc) )) || die "CPU=$CPU but only $(nproc) CPUs"
mkdir -p "$DATA"
WORK=$(mktemp -d "$DATA/.work.XXXXXX")
top_on_before=$(cat $TRACEFS/tracing_on)

# ------------------------------------------------------------- recording ---
log "instance $INST_NAME: trace_clock mono, ${BUFFER_KB} KiB per CPU, ${#EVENTS[@]} events"
instance_create "$INST" "$BUFFER_KB"

log "perf record -k mono -a -e $PERF_EVENTS"
perf record -q -k mono -a -m 16384 -e "$PERF_EVENTS" -o "$WORK/perf.data" \
  >"$WORK/perf-record.log" 2>&1 &
PERF_PID=$!
sleep 2   # perf synthesizes the existing threads before it records
kill -0 "$PERF_PID" 2>/dev/null || die "perf record failed: $(cat "$WORK/perf-record.log")"

load() {  # bounded, pinned, remembered
  timeout -s KILL $((DURATION + 10)) taskset -c "$CPU" "$@" &
  BG_PIDS+=($!)
}
log "workload on CPU $CPU for ${DURATION} s: stress-ng --cpu 1, --cyclic 1 (100 us), --switch 1 (${SWITCH_FREQ}/s)"
echo 1 >"$INST/tracing_on"
t0=$(date +%s.%N)
load stress-ng --cpu 1 --timeout "$DURATION" -q
load stress-ng --cyclic 1 --cyclic-sleep 100000 --cyclic-policy fifo --cyclic-prio 50 --timeout "$DURATION" -q
load stress-ng --switch 1 --switch-freq "$SWITCH_FREQ" --timeout "$DURATION" -q
for p in "${BG_PIDS[@]}"; do wait "$p" || log "load $p exited with $?"; done
BG_PIDS=()
t1=$(date +%s.%N)
sleep 0.1
echo 0 >"$INST/tracing_on"
kill -INT "$PERF_PID"
wait "$PERF_PID" || true
PERF_PID=
log "recorded $(python3 -c "print(round($t1 - $t0, 2))") s"

# The ftrace buffer: `trace` (non-consuming) first, then trace-cmd extract
# (consuming) for trace-cmd report.
cat "$INST/trace" >"$WORK/ftrace.rec.txt"
instance_check_buffers "$INST" || die "the ftrace instance lost events; raise BUFFER_KB or lower SWITCH_FREQ"
echo 0 >"$INST/events/enable"
log "trace-cmd extract -k -B $INST_NAME"
# -k: without it extract resets the global tracing state (docs/research/).
trace-cmd extract -k -B "$INST_NAME" -o "$WORK/trace.dat" >"$WORK/extract.log" 2>&1 \
  || die "trace-cmd extract failed: $(tail -3 "$WORK/extract.log")"
instance_remove "$INST"
[[ $(cat $TRACEFS/tracing_on) == "$top_on_before" ]] || log "WARNING: top-level tracing_on changed under us"
trace-cmd report -i "$WORK/trace.dat" >"$WORK/trace-cmd.rec.txt" 2>"$WORK/report.log" \
  || die "trace-cmd report failed: $(tail -3 "$WORK/report.log")"

perf report -i "$WORK/perf.data" --stats >"$WORK/perf-stats.txt" 2>&1 || true
if grep -E 'LOST' "$WORK/perf-stats.txt" | grep -vqE ':\s+0\b'; then
  die "perf lost events: $(grep LOST "$WORK/perf-stats.txt")"
fi
log "perf script"
perf script -i "$WORK/perf.data" >"$WORK/perf-script.rec.txt" 2>"$WORK/perf-script.log"

# ------------------------------------------------------------ the inputs ---
mv "$WORK/perf.data" "$DATA/perf.data"
rm -f "$DATA"/*.txt "$DATA"/*.txt.tmp "$DATA/manifest.txt"
{
  echo "# bench/data/manifest.txt: written by bench/make_inputs.sh"
  echo "recorded=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "kernel=$(uname -r)"
  echo "cpus=$(nproc)"
  echo "cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "perf=$(perf version 2>&1)"
  echo "trace_cmd=$(trace-cmd -h 2>&1 | awk '/version/ {print $3; exit}')"
  echo "stress_ng=$(stress-ng --version 2>&1 | awk '{print $3; exit}' | tr -d ,)"
  echo "workload=on CPU $CPU for $DURATION s: stress-ng --cpu 1; stress-ng --cyclic 1 --cyclic-sleep 100000 (SCHED_FIFO 50); stress-ng --switch 1 --switch-freq $SWITCH_FREQ"
  echo "events=$PERF_EVENTS"
  echo "perf_data_bytes=$(stat -c %s "$DATA/perf.data")"
  echo "perf_data_samples=$(perf report -i "$DATA/perf.data" --stats 2>/dev/null | awk '/SAMPLE events:/ {print $3; exit}')"
} >"$DATA/manifest.txt"

# The recording as it is, for the comparison with perf sched latency on perf.data.
cp "$WORK/ftrace.rec.txt" "$DATA/ftrace-recording.txt"
echo "ftrace-recording.events=$(grep -vc '^#' "$DATA/ftrace-recording.txt" || true)" >>"$DATA/manifest.txt"
for f in ftrace trace-cmd perf-script; do
  python3 "$BENCH/replicate.py" --format "$f" --min-events "$MIN_EVENTS" --name "$f" \
    "$WORK/$f.rec.txt" "$DATA/$f.txt" >>"$DATA/manifest.txt"
done
log "ftrace-1g: data/ftrace.txt replicated to >= $BIG_BYTES bytes"
python3 "$BENCH/replicate.py" --format ftrace --min-bytes "$BIG_BYTES" --name ftrace-1g \
  "$DATA/ftrace.txt" "$DATA/ftrace-1g.txt" >>"$DATA/manifest.txt"
log "wrote $DATA:"
ls -l "$DATA" >&2
grep -E '^(ftrace|trace-cmd|perf-script|ftrace-1g)\.' "$DATA/manifest.txt" >&2
