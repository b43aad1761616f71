# shellcheck shell=bash
# A private tracefs instance for recording scripts (scripts/fixtures/record.sh,
# bench/make_inputs.sh): sourced, not run. The top-level tracing state
# (tracing_on, set_event, current_tracer, its buffer) is never written.
# The caller defines log() and die().

TRACEFS=${TRACEFS:-/sys/kernel/tracing}

# The events `kstarve report` uses, as tracefs paths (subsystem/event).
KSTARVE_EVENTS=(
  sched/sched_switch sched/sched_waking sched/sched_wakeup sched/sched_wakeup_new
  sched/sched_migrate_task sched/sched_process_fork sched/sched_process_exit
  sched/sched_stat_runtime
  irq/irq_handler_entry irq/irq_handler_exit
  irq/softirq_raise irq/softirq_entry irq/softirq_exit
  workqueue/workqueue_execute_start workqueue/workqueue_execute_end
)
# The same, as `perf record -e` wants them.
KSTARVE_PERF_EVENTS=$(printf '%s,' "${KSTARVE_EVENTS[@]}" | sed 's#/#:#g; s/,$//')

# Creates instance directory $1, stopped, with the mono clock (the one perf
# can share: `perf record -k mono`), $2 KiB per CPU and the events enabled.
instance_create() {
  local dir=$1 buffer_kb=$2 e
  mkdir "$dir"
  echo 0 >"$dir/tracing_on"  # a new instance starts with tracing on
  echo mono >"$dir/trace_clock"
  echo "$buffer_kb" >"$dir/buffer_size_kb"
  for e in "${KSTARVE_EVENTS[@]}"; do echo 1 >"$dir/events/$e/enable"; done
  echo >"$dir/trace"
}

# Stops and removes instance $1 if it exists; quiet, for EXIT traps.
instance_remove() {
  local dir=$1
  [[ -d $dir ]] || return 0
  echo 0 2>/dev/null >"$dir/tracing_on"
  echo 0 2>/dev/null >"$dir/events/enable"
  rmdir "$dir" || log "could not remove $dir"
}

# Logs each CPU buffer's entries, overruns and drops; fails if any lost events.
instance_check_buffers() {
  local dir=$1 c ov dr bad=0
  for c in "$dir"/per_cpu/cpu*; do
    ov=$(awk '/^overrun:/ {print $2}' "$c/stats")
    dr=$(awk '/^dropped events:/ {print $3}' "$c/stats")
    log "  $(basename "$c"): $(awk '/^entries:/ {print $2}' "$c/stats") entries, overrun $ov, dropped $dr"
    [[ $ov == 0 && $dr == 0 ]] || bad=1
  done
  return $bad
}
