#!/usr/bin/env bash
# shellcheck shell=bash
# The brief's fio workloads (BRIEF.md, "Measured on a development machine"),
# as one command and as a library for the benchmarks and live tests.
#
#   scripts/lib/fio-cases.sh run CASE SECONDS    # foreground; prints IOPS
#   scripts/lib/fio-cases.sh start CASE SECONDS  # background; prints fio's pid
#   scripts/lib/fio-cases.sh stop                # ends a started case, restores
#   scripts/lib/fio-cases.sh prepare | clean     # make / remove the test file
#   scripts/lib/fio-cases.sh command CASE SECONDS  # print the fio command line
#
#   source scripts/lib/fio-cases.sh; fio_cases_run cgroup 5
#
# CASE is one of
#   alone         fio by itself;
#   cgroup        fio in a cpu cgroup with cpu.shares 262144 (v1) or
#                 cpu.weight 10000 (v2, the maximum);
#   fifo          fio as SCHED_FIFO 10;
#   cgroup-fixed  cgroup, plus every kworker of the CPU (kworker/1:*) reniced
#                 to -20: the brief's manual fix;
#   fifo-fixed    fifo, plus every kworker of the CPU SCHED_RR 10.
# The fixed cases apply the fix before fio starts and, once a second, to
# kworkers of that CPU created meanwhile (kworkers are ephemeral), and restore
# every kworker they changed to its saved policy, priority and nice.
#
# The workload (the brief's, and the fsdevel report's in ../seeds): libaio
# 4 KiB random writes, O_DIRECT, iodepth 128, "batch 128", on a 1 GiB file on
# ext4, pinned to CPU 1 (taskset and --cpus_allowed). "Batch 128" is fio's
# --iodepth_batch_submit=128 --iodepth_batch_complete_max=128 with
# --iodepth_batch_complete_min=1 (fio's default, spelled out): submit the
# whole queue in one io_submit, reap between 1 and 128 completions per
# io_getevents. The file is written in full once (not just fallocated), so
# every run overwrites allocated blocks: no unwritten-extent conversion in the
# first run only.
#
# `run` measures SECONDS after a warm-up of KSTARVE_FIO_RAMP seconds (fio's
# --ramp_time, default 2; the total is RAMP + SECONDS). `start` runs fio for
# SECONDS in all, no warm-up (the caller decides when to look), and returns
# once fio's job process is running; `stop` (or fio's own end) cleans up, and
# stop prints the IOPS of the time fio ran if fio wrote them.
#
# The pid `start` prints is fio's job process: the one that submits and reaps
# the I/O and holds the CPU (fio's main process, its parent, mostly sleeps).
#
# Safety. Needs root. Every run is bounded (fio --runtime --time_based, and
# `timeout -s KILL` at RAMP + SECONDS + 30 s), pinned to the CPU, and runs
# under a lock (flock on $KSTARVE_FIO_LOCK): one case at a time on the
# machine. A supervisor process owns each run and cleans up when fio ends,
# on stop, and on INT/TERM/errors (EXIT trap): kills fio, removes the cgroup
# (and the +cpu it added to a v2 parent's subtree_control, if it did),
# restores the kworkers, removes the test file if it created it (unless
# KSTARVE_FIO_KEEP_FILE=1). What cleanup needs is in the state directory,
# so `stop` can also clean up after a supervisor that was killed.
# RT throttling (/proc/sys/kernel/sched_rt_runtime_us) is never written.
#
# Environment:
#   KSTARVE_FIO_DIR        test file directory (/var/tmp/kstarve-fio); a
#                          warning if it is not on ext4
#   KSTARVE_FIO_SIZE       test file size (1G)
#   KSTARVE_FIO_CPU        CPU to pin to (1)
#   KSTARVE_FIO_RAMP       warm-up seconds of `run` (2)
#   KSTARVE_FIO_KEEP_FILE  1: keep a test file this run created (for repeated
#                          runs; `clean` removes it). An existing file of the
#                          right size is always reused and kept.
#   KSTARVE_FIO_JSON       `run`: also copy fio's JSON output there
#   KSTARVE_FIO_CGROUP     auto (v1 cpu if mounted, else v2 with cpu), v1, v2
#   KSTARVE_FIO_STATE      state directory of start/stop (/run/kstarve-fio)
#   KSTARVE_FIO_LOCK       lock file (/run/kstarve-fio.lock)

FIO_CASES_SCRIPT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
FIO_CASES=(alone cgroup fifo cgroup-fixed fifo-fixed)

# Values of the cases, as in the brief.
FIO_CASES_SHARES=262144    # cgroup v1 cpu.shares
FIO_CASES_WEIGHT=10000     # cgroup v2 cpu.weight (its maximum)
FIO_CASES_FIFO_PRIO=10     # fio's SCHED_FIFO priority
FIO_CASES_FIX_NICE=-20     # cgroup-fixed: kworker nice
FIO_CASES_FIX_RR_PRIO=10   # fifo-fixed: kworker SCHED_RR priority

fio_cases_config() {
  FIO_DIR=${KSTARVE_FIO_DIR:-/var/tmp/kstarve-fio}
  FIO_SIZE=${KSTARVE_FIO_SIZE:-1G}
  FIO_CPU=${KSTARVE_FIO_CPU:-1}
  FIO_RAMP=${KSTARVE_FIO_RAMP:-2}
  FIO_FILE=$FIO_DIR/randwrite.dat
  FIO_STATE=${KSTARVE_FIO_STATE:-/run/kstarve-fio}
  FIO_LOCK=${KSTARVE_FIO_LOCK:-/run/kstarve-fio.lock}
}
fio_cases_config

fio_cases_log() { printf '[fio-cases %s] %s\n' "$(date +%T.%2N)" "$*" >&2; }
fio_cases_die() {
  fio_cases_log "ERROR: $*"
  exit 1
}

fio_cases_valid() {  # $1 = case name
  local c
  for c in "${FIO_CASES[@]}"; do [[ $1 == "$c" ]] && return 0; done
  return 1
}

# The fio arguments of a run: $1 = case, $2 = runtime s, $3 = ramp s, $4 = JSON output.
fio_cases_fio_args() {
  FIO_ARGS=(--name="kstarve-$1" --filename="$FIO_FILE" --size="$FIO_SIZE"
    --ioengine=libaio --rw=randwrite --bs=4k --direct=1
    --iodepth=128 --iodepth_batch_submit=128
    --iodepth_batch_complete_min=1 --iodepth_batch_complete_max=128
    --time_based --runtime="$2" --cpus_allowed="$FIO_CPU"
    --output-format=json --output="$4")
  if (($3 > 0)); then FIO_ARGS+=(--ramp_time="$3"); fi
}

# Prints the whole command line of a case (for reports).
fio_cases_command() {  # $1 = case, $2 = seconds
  fio_cases_valid "$1" || fio_cases_die "unknown case '$1' (expected one of: ${FIO_CASES[*]})"
  fio_cases_fio_args "$1" "$2" "$FIO_RAMP" FIO.json
  local prefix="taskset -c $FIO_CPU"
  case $1 in
    cgroup | cgroup-fixed) prefix="(in cgroup cpu.shares $FIO_CASES_SHARES / cpu.weight $FIO_CASES_WEIGHT) $prefix" ;;
    fifo | fifo-fixed) prefix="$prefix chrt -f $FIO_CASES_FIFO_PRIO" ;;
  esac
  case $1 in
    cgroup-fixed) prefix="(kworker/$FIO_CPU:* nice $FIO_CASES_FIX_NICE) $prefix" ;;
    fifo-fixed) prefix="(kworker/$FIO_CPU:* SCHED_RR $FIO_CASES_FIX_RR_PRIO) $prefix" ;;
  esac
  echo "$prefix fio ${FIO_ARGS[*]}"
}

# IOPS (write) in fio's JSON output $1, as an integer.
fio_cases_iops() {
  # A fio stopped by a signal writes "fio: terminating on signal N" first.
  python3 -c 'import json, sys
text = open(sys.argv[1]).read()
d = json.loads(text[text.index("{"):])
print("%.0f" % sum(j["write"]["iops"] for j in d["jobs"]))' "$1"
}

# ------------------------------------------------------------- test file ---
fio_cases_size_bytes() {
  numfmt --from=iec "${FIO_SIZE%B}"
}

# Creates the test file if it is not there (written in full, O_DIRECT, then
# renamed into place, so an existing file is a complete one). Prints
# "created" or "reused".
fio_cases_prepare_file() {
  local want fs have
  want=$(fio_cases_size_bytes)
  mkdir -p "$FIO_DIR"
  fs=$(findmnt -no FSTYPE -T "$FIO_DIR" | head -1)
  [[ $fs == ext4 ]] || fio_cases_log "WARNING: $FIO_DIR is on '$fs', not ext4 (the brief's figures are on ext4)"
  if [[ -f $FIO_FILE ]]; then
    have=$(stat -c %s "$FIO_FILE")
    if [[ $have == "$want" ]]; then
      echo reused
      return 0
    fi
    fio_cases_log "$FIO_FILE has $have bytes, want $want: writing it again"
    rm -f "$FIO_FILE"
  fi
  fio_cases_log "writing $FIO_FILE ($FIO_SIZE, once)"
  rm -f "$FIO_FILE.tmp"
  timeout -s KILL 600 taskset -c "$FIO_CPU" fio --name=layout --filename="$FIO_FILE.tmp" \
    --size="$FIO_SIZE" --rw=write --bs=1M --direct=1 --ioengine=psync \
    --output-format=terse >/dev/null ||
    { rm -f "$FIO_FILE.tmp"; fio_cases_die "could not write $FIO_FILE.tmp"; }
  mv "$FIO_FILE.tmp" "$FIO_FILE"
  echo created
}

fio_cases_clean_file() {
  rm -f "$FIO_FILE" "$FIO_FILE.tmp"
  rmdir "$FIO_DIR" 2>/dev/null || true
}

# ---------------------------------------------------------------- cgroup ---
# Sets CG_DIR (the new cgroup), CG_KIND (v1|v2) and writes them to the state.
fio_cases_cgroup_create() {  # $1 = state dir
  local st=$1 want=${KSTARVE_FIO_CGROUP:-auto} v1 v2 name
  name=kstarve-fio-$$
  v1=$(findmnt -n -t cgroup -O cpu -o TARGET | head -1)
  v2=$(findmnt -n -t cgroup2 -o TARGET | head -1)
  if [[ $want != v2 && -n $v1 && -f $v1/cpu.shares ]]; then
    CG_KIND=v1
    CG_DIR=$v1/$name
  elif [[ $want != v1 && -n $v2 ]] && grep -qw cpu "$v2/cgroup.controllers"; then
    CG_KIND=v2
    CG_DIR=$v2/$name
    if ! grep -qw cpu "$v2/cgroup.subtree_control"; then
      # Needed to give a child a cpu.weight; undone by cleanup.
      echo "$v2" >"$st/cgroup.v2_enabled_cpu_in"
      echo +cpu >"$v2/cgroup.subtree_control" || fio_cases_die "could not enable cpu in $v2/cgroup.subtree_control"
    fi
  else
    fio_cases_die "no cgroup cpu controller (v1 cpu at '${v1:-none}', v2 at '${v2:-none}' without cpu; KSTARVE_FIO_CGROUP=$want)"
  fi
  echo "$CG_DIR" >"$st/cgroup"
  mkdir "$CG_DIR" || fio_cases_die "could not create $CG_DIR"
  if [[ $CG_KIND == v1 ]]; then
    echo "$FIO_CASES_SHARES" >"$CG_DIR/cpu.shares"
    fio_cases_log "cgroup $CG_DIR: cpu.shares $(cat "$CG_DIR/cpu.shares")"
  else
    echo "$FIO_CASES_WEIGHT" >"$CG_DIR/cpu.weight"
    fio_cases_log "cgroup $CG_DIR: cpu.weight $(cat "$CG_DIR/cpu.weight")"
  fi
}

fio_cases_cgroup_remove() {  # $1 = state dir
  local st=$1 cg t parent
  [[ -f $st/cgroup ]] || return 0
  cg=$(cat "$st/cgroup")
  if [[ -d $cg ]]; then
    parent=$(dirname "$cg")
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      # Only our fio runs in it; move leftovers out (they are being killed).
      while read -r t; do echo "$t" 2>/dev/null >"$parent/cgroup.procs"; done <"$cg/cgroup.procs"
      rmdir "$cg" 2>/dev/null && break
      sleep 0.3
    done
    [[ -d $cg ]] && fio_cases_log "WARNING: could not remove $cg"
  fi
  if [[ ! -d $cg ]]; then rm -f "$st/cgroup"; fi
  if [[ -f $st/cgroup.v2_enabled_cpu_in ]]; then
    parent=$(cat "$st/cgroup.v2_enabled_cpu_in")
    if echo -cpu 2>/dev/null >"$parent/cgroup.subtree_control"; then
      rm -f "$st/cgroup.v2_enabled_cpu_in"
    else
      fio_cases_log "WARNING: could not disable cpu again in $parent/cgroup.subtree_control"
    fi
  fi
}

# -------------------------------------------------------------- kworkers ---
# The per-CPU kworkers of CPU $FIO_CPU: "pid" lines. Their comm is
# kworker/N:M or kworker/N:MH, with the current work queue's name appended.
fio_cases_cpu_kworkers() {
  ps -eo pid=,comm= | awk -v re="^kworker/$FIO_CPU:[0-9]+H?([-+].*)?$" '$2 ~ re {print $1}'
}

# Applies the case's fix to every kworker of the CPU not yet saved in
# $1/kworkers.saved (a line "pid class rtprio nice" per kworker, written
# before it is changed).
fio_cases_fix_kworkers() {  # $1 = state dir, $2 = case
  local st=$1 c=$2 pid attrs saved=$1/kworkers.saved
  touch "$saved"
  for pid in $(fio_cases_cpu_kworkers); do
    grep -q "^$pid " "$saved" && continue
    attrs=$(ps -o cls=,rtprio=,ni= -p "$pid") || continue  # exited meanwhile
    echo "$pid $attrs" >>"$saved"
    case $c in
      cgroup-fixed) renice -n "$FIO_CASES_FIX_NICE" -p "$pid" >/dev/null 2>&1 || true ;;
      fifo-fixed) chrt -r -p "$FIO_CASES_FIX_RR_PRIO" "$pid" >/dev/null 2>&1 || true ;;
    esac
  done
}

# Restores every kworker saved in $1/kworkers.saved that still exists (and is
# still a kworker of the CPU: pids can be reused), then checks it.
fio_cases_restore_kworkers() {  # $1 = state dir
  local saved=$1/kworkers.saved pid cls rtprio ni comm now n=0 bad=0
  [[ -f $saved ]] || return 0
  while read -r pid cls rtprio ni; do
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
    [[ $comm == kworker/"$FIO_CPU":* ]] || continue
    case $cls in
      TS) chrt -o -p 0 "$pid" && renice -n "$ni" -p "$pid" ;;
      B) chrt -b -p 0 "$pid" && renice -n "$ni" -p "$pid" ;;
      IDL) chrt -i -p 0 "$pid" ;;
      FF) chrt -f -p "$rtprio" "$pid" ;;
      RR) chrt -r -p "$rtprio" "$pid" ;;
    esac >/dev/null 2>&1
    n=$((n + 1))
    now=$(ps -o cls=,rtprio=,ni= -p "$pid" | xargs) || continue  # exited meanwhile
    if [[ $now != "$cls $rtprio $ni" ]]; then
      fio_cases_log "WARNING: kworker $pid ($comm) is '$now', was '$cls $rtprio $ni'"
      bad=$((bad + 1))
    fi
  done <"$saved"
  if ((bad == 0)); then
    fio_cases_log "restored $n kworker(s) of CPU $FIO_CPU"
    rm -f "$saved"
  else
    fio_cases_log "WARNING: $bad of $n kworker(s) of CPU $FIO_CPU not restored (saved in $saved)"
  fi
}

# ------------------------------------------------------------ supervisor ---
# Kills what is left of fio (the `timeout` process group started it).
fio_cases_kill_fio() {  # $1 = state dir
  local st=$1 pg fio
  [[ -f $st/timeout.pid ]] || return 0
  pg=$(cat "$st/timeout.pid")
  fio=$(cat "$st/fio.pid" 2>/dev/null || true)
  # Only if that process group is still ours (fio's main pid is in it).
  if [[ -n $fio ]] && kill -0 "$fio" 2>/dev/null && [[ $(ps -o pgid= -p "$fio" | xargs) == "$pg" ]]; then
    kill -TERM "$fio" 2>/dev/null  # fio stops its jobs and writes its results
    for _ in $(seq 50); do kill -0 "$fio" 2>/dev/null || break; sleep 0.1; done
  fi
  if [[ -n $(pgrep -g "$pg" 2>/dev/null) ]]; then
    kill -KILL -- "-$pg" 2>/dev/null
    sleep 0.2
  fi
  rm -f "$st/timeout.pid"
}

# Everything cleanup needs is in the state directory $1.
fio_cases_cleanup_state() {  # $1 = state dir
  local st=$1
  [[ -d $st ]] || return 0
  set +e                # clean up as much as possible,
  trap '' INT TERM HUP  # and do not let a second signal cut it short
  fio_cases_kill_fio "$st"
  fio_cases_cgroup_remove "$st"
  fio_cases_restore_kworkers "$st"
  if [[ -f $st/own_file ]]; then
    fio_cases_clean_file
    rm -f "$st/own_file"
  fi
}

# supervise CASE SECONDS RAMP STATE: runs one case to its end (or to
# INT/TERM), then cleans up. Exit status: fio's.
fio_cases_supervise() {
  local c=$1 secs=$2 ramp=$3 st=$4 limit rc=0
  # fio inherits the lock: an orphaned fio still holds it.
  exec 9>"$FIO_LOCK"
  flock -n 9 || fio_cases_die "another fio case is running (lock $FIO_LOCK held by pid(s) $(fuser "$FIO_LOCK" 2>/dev/null | xargs))"
  SUPERVISE_STATE=$st
  trap 'fio_cases_cleanup_state "$SUPERVISE_STATE"; fio_cases_log "cleaned up"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  echo $$ >"$st/supervisor.pid"
  echo "$c" >"$st/case"
  local file
  file=$(fio_cases_prepare_file) || exit 1
  if [[ $file == created && ${KSTARVE_FIO_KEEP_FILE:-0} != 1 ]]; then
    touch "$st/own_file"
  fi
  local cg_procs=-
  case $c in
    cgroup | cgroup-fixed)
      fio_cases_cgroup_create "$st"
      cg_procs=$CG_DIR/cgroup.procs
      ;;
  esac
  case $c in
    cgroup-fixed | fifo-fixed) fio_cases_fix_kworkers "$st" "$c" ;;
  esac
  local sched=()
  case $c in fifo | fifo-fixed) sched=(chrt -f "$FIO_CASES_FIFO_PRIO") ;; esac
  fio_cases_fio_args "$c" "$secs" "$ramp" "$st/fio.json"
  limit=$((ramp + secs + 30))
  local warm=''
  ((ramp > 0)) && warm="$ramp s warm-up + "
  fio_cases_log "$c: fio for $warm$secs s on CPU $FIO_CPU"
  # The shell writes its pid (fio's, after the execs) and joins the cgroup.
  # shellcheck disable=SC2016
  timeout -s KILL "$limit" taskset -c "$FIO_CPU" sh -c \
    'echo $$ >"$1" && { [ "$2" = - ] || echo $$ >"$2"; } && shift 2 && exec "$@"' \
    sh "$st/fio.pid" "$cg_procs" "${sched[@]}" fio "${FIO_ARGS[@]}" 2>"$st/fio.err" &
  local tpid=$!
  echo "$tpid" >"$st/timeout.pid"
  # fio's job process: the child of fio's main process.
  local fio job=
  for _ in $(seq 100); do
    fio=$(cat "$st/fio.pid" 2>/dev/null || true)
    [[ -n $fio ]] && job=$(pgrep -P "$fio" -x fio | head -1 || true)
    [[ -n $job ]] && break
    kill -0 "$tpid" 2>/dev/null || break
    sleep 0.05
  done
  if [[ -n $job ]]; then
    echo "$job" >"$st/job.pid"
  else
    fio_cases_log "WARNING: fio's job process did not appear: $(tail -3 "$st/fio.err")"
  fi
  case $c in
    cgroup-fixed | fifo-fixed)
      while kill -0 "$tpid" 2>/dev/null; do
        fio_cases_fix_kworkers "$st" "$c"
        sleep 1 &
        wait -n $! "$tpid" || true
      done
      ;;
  esac
  wait "$tpid" || rc=$?
  rm -f "$st/timeout.pid"
  if [[ $rc != 0 ]]; then
    fio_cases_log "fio exited with $rc: $(tail -3 "$st/fio.err")"
  fi
  return $rc
}

# ------------------------------------------------------------- commands ---
fio_cases_need_root() {
  [[ $(id -u) == 0 ]] || fio_cases_die "must run as root"
  [[ -d /sys/devices/system/cpu/cpu$FIO_CPU ]] || fio_cases_die "no CPU $FIO_CPU"
  local t
  for t in fio taskset timeout chrt renice flock pgrep python3 findmnt numfmt; do
    command -v $t >/dev/null || fio_cases_die "missing $t (scripts/install-deps.sh)"
  done
}

fio_cases_check_args() {  # $1 = case, $2 = seconds
  fio_cases_valid "${1:-}" || fio_cases_die "unknown case '${1:-}' (expected one of: ${FIO_CASES[*]})"
  [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || fio_cases_die "SECONDS must be a positive integer, got '${2:-}'"
  [[ $FIO_RAMP =~ ^[0-9]+$ ]] || fio_cases_die "KSTARVE_FIO_RAMP must be a whole number of seconds, got '$FIO_RAMP'"
}

# Foreground run: prints the IOPS of the measured window.
fio_cases_cmd_run() {
  fio_cases_check_args "$@"
  fio_cases_need_root
  local rc=0
  RUN_STATE=$(mktemp -d /tmp/kstarve-fio-run.XXXXXX)
  local st=$RUN_STATE
  "$FIO_CASES_SCRIPT" supervise "$1" "$2" "$FIO_RAMP" "$st" &
  RUN_SUPERVISOR=$!
  # The supervisor cleans up; pass INT/TERM on to it and wait for it.
  trap 'kill -TERM "$RUN_SUPERVISOR" 2>/dev/null; wait "$RUN_SUPERVISOR" || true; rm -rf "$RUN_STATE"; exit 143' INT TERM
  wait "$RUN_SUPERVISOR" || rc=$?
  trap - INT TERM
  if [[ $rc == 0 && -s $st/fio.json ]]; then
    [[ -n ${KSTARVE_FIO_JSON:-} ]] && cp "$st/fio.json" "$KSTARVE_FIO_JSON"
    fio_cases_iops "$st/fio.json" || rc=1
  elif [[ $rc == 0 ]]; then
    fio_cases_log "fio wrote no results: $(tail -3 "$st/fio.err" 2>/dev/null)"
    rc=1
  fi
  rm -rf "$st"
  return $rc
}

fio_cases_supervisor_alive() {  # $1 = state dir
  local p
  p=$(cat "$1/supervisor.pid" 2>/dev/null) || return 1
  kill -0 "$p" 2>/dev/null && grep -q 'fio-cases.sh' "/proc/$p/cmdline" 2>/dev/null
}

# Background run: prints fio's job pid once it runs.
fio_cases_cmd_start() {
  fio_cases_check_args "$@"
  fio_cases_need_root
  local st=$FIO_STATE job
  if [[ -d $st ]]; then
    fio_cases_supervisor_alive "$st" &&
      fio_cases_die "a case is already running ($(cat "$st/case" 2>/dev/null), supervisor $(cat "$st/supervisor.pid")): run '$FIO_CASES_SCRIPT stop' first"
    fio_cases_log "cleaning up after an earlier run in $st"
    fio_cases_cleanup_state "$st"
    rm -rf "$st"
  fi
  mkdir -p "$st"
  setsid "$FIO_CASES_SCRIPT" supervise "$1" "$2" 0 "$st" </dev/null >>"$st/log" 2>&1 &
  # Bounded: writing the test file (first run) takes a few seconds.
  for _ in $(seq 1200); do
    [[ -s $st/job.pid ]] && break
    if ! kill -0 $! 2>/dev/null; then
      fio_cases_die "the case did not start: $(tail -5 "$st/log")"
    fi
    sleep 0.1
  done
  [[ -s $st/job.pid ]] || fio_cases_die "fio did not start within 120 s: $(tail -5 "$st/log")"
  job=$(cat "$st/job.pid")
  echo "$job"
}

# Ends a started case; prints its IOPS if fio wrote them.
fio_cases_cmd_stop() {
  fio_cases_need_root
  local st=$FIO_STATE p
  if [[ ! -d $st ]]; then
    fio_cases_log "nothing to stop ($st does not exist)"
    return 0
  fi
  if fio_cases_supervisor_alive "$st"; then
    p=$(cat "$st/supervisor.pid")
    kill -TERM "$p"
    for _ in $(seq 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then
      fio_cases_log "WARNING: supervisor $p did not end in 30 s; killing it and cleaning up here"
      kill -KILL "$p" 2>/dev/null
    fi
  fi
  fio_cases_cleanup_state "$st"
  if [[ -s $st/fio.json ]]; then fio_cases_iops "$st/fio.json" 2>/dev/null || true; fi
  local left='' f
  for f in cgroup kworkers.saved cgroup.v2_enabled_cpu_in; do
    [[ -e $st/$f ]] && left+=" $f"
  done
  if [[ -n $left ]]; then
    fio_cases_log "WARNING: not everything was restored; kept $st ($left)"
    return 1
  fi
  rm -rf "$st"
}

fio_cases_usage() {
  cat >&2 <<EOF
usage: $FIO_CASES_SCRIPT run CASE SECONDS | start CASE SECONDS | stop | prepare | clean | command CASE SECONDS
CASE: ${FIO_CASES[*]}
EOF
  exit 2
}

fio_cases_main() {
  set -euo pipefail
  local cmd=${1:-}
  shift || true
  case $cmd in
    run) fio_cases_cmd_run "$@" ;;
    start) fio_cases_cmd_start "$@" ;;
    stop) fio_cases_cmd_stop ;;
    prepare) fio_cases_need_root && fio_cases_prepare_file >/dev/null ;;
    clean) fio_cases_clean_file ;;
    command) fio_cases_check_args "$@" && fio_cases_command "$@" ;;
    supervise) fio_cases_supervise "$@" ;;
    *) fio_cases_usage ;;
  esac
}

# Library functions for sourcing scripts.
fio_cases_run() { "$FIO_CASES_SCRIPT" run "$@"; }
fio_cases_start() { "$FIO_CASES_SCRIPT" start "$@"; }
fio_cases_stop() { "$FIO_CASES_SCRIPT" stop; }

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  fio_cases_main "$@"
fi
