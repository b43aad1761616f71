#!/usr/bin/env bash
# Records the trace.dat test files of this directory (as root, on a machine
# with tracefs; kstarve's development VM, Linux 6.18, trace-cmd 3.1.6).
#
# trace-cmd record cannot enable ftrace there, so a tracefs instance records
# and `trace-cmd extract -k -B` writes the file (-k: the top-level tracing
# state is never touched). trace-cmd convert makes the other versions and
# compressions. kallsyms is cut down to the workqueue functions the trace
# names (blank_kallsyms.py) so the files stay small; the text of
# `trace-cmd report -t` is kept next to them (check_reports.sh compares).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
I=/sys/kernel/tracing/instances/kstarve_td

record() {  # $1 name, $2 buffer_size_kb, $3 seconds of load
  mkdir "$I"
  trap 'echo 0 > "$I/tracing_on" 2>/dev/null; rmdir "$I" 2>/dev/null; rm -rf "$work"' EXIT
  echo "$2" > "$I/buffer_size_kb"
  echo 'sched:sched_switch sched:sched_waking sched:sched_wakeup sched:sched_wakeup_new sched:sched_migrate_task
        sched:sched_process_fork sched:sched_process_exit sched:sched_stat_runtime irq:*
        workqueue:workqueue_execute_start workqueue:workqueue_execute_end' > "$I/set_event"
  echo 1 > "$I/tracing_on"
  timeout 3 taskset -c 1 stress-ng --switch 1 --switch-freq 2000 -t "$3" >/dev/null 2>&1 || true
  sh -c 'ls /proc >/dev/null; sync; sleep 0.05'
  echo 0 > "$I/tracing_on"
  trace-cmd extract -k -B kstarve_td -o "$1.raw.dat"
  rmdir "$I"
  trap 'rm -rf "$work"' EXIT
  trace-cmd convert --compression none -i "$1.raw.dat" -o "$1.v7.dat"
  trace-cmd report -t -i "$1.v7.dat" 2>/dev/null | grep -o 'function [A-Za-z0-9_.]*' | awk '{print $2}' |
    sort -u > "$1.keep"
  python3 "$here/blank_kallsyms.py" "$1.v7.dat" "$1.keep"
  trace-cmd report -t -i "$1.v7.dat" 2>/dev/null > "$1.report.txt"
}

record small 4096 0.3  # no events lost
record lost 32 0.5     # a 32 KiB buffer overflows: missed-events pages
trace-cmd convert --file-version 6 --compression none -i lost.v7.dat -o lost.v6.dat
trace-cmd convert --compression zstd -i lost.v7.dat -o lost.v7-zstd.dat
for f in small.v7.dat lost.v7.dat lost.v6.dat; do zstd -19 -q -f "$f" -o "$here/$f.zst"; done
cp lost.v7-zstd.dat "$here/"
for f in small lost; do zstd -19 -q -f "$f.report.txt" -o "$here/$f.report.txt.zst"; done
echo "written to $here"
