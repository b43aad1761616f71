#!/usr/bin/env bash
# Live check of scripts/lib/fio-cases.sh: each case starts what it says
# (cgroup, SCHED_FIFO, the kworker fix, pinned to the CPU), and stop - also
# after its supervisor was killed - leaves nothing behind (no fio, no cgroup,
# no state, kworkers as before, the test file as before). About 40 s of fio
# on CPU 1. Needs root; exits 1 if a check fails, 0 if all pass.
#
#   bench/fio/check_fio_cases.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FC=$ROOT/scripts/lib/fio-cases.sh
# shellcheck source=scripts/lib/fio-cases.sh
source "$FC"

[[ $(id -u) == 0 ]] || { echo "check_fio_cases: must run as root" >&2; exit 1; }
FAILED=0
pass() { echo "  PASS  $*"; }
fail() {
  echo "  FAIL  $*"
  FAILED=$((FAILED + 1))
}
check() {  # $1 = description, rest = command that must succeed
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# pid cls rtprio ni of the CPU's kworkers.
kworker_attrs() {
  local pid
  for pid in $(fio_cases_cpu_kworkers); do
    echo "$pid $(ps -o cls=,rtprio=,ni= -p "$pid" | xargs)"
  done | LC_ALL=C sort
}
# Kworkers alive in both lists have the same attributes.
same_attrs() {  # $1 = before, $2 = after
  [[ -z $(LC_ALL=C join "$1" "$2" | awk '$2 != $5 || $3 != $6 || $4 != $7') ]]
}
our_fio_gone() { [[ -z $(pgrep -f -- "--name=kstarve-" || true) ]]; }
no_cgroup_left() { ! compgen -G "/sys/fs/cgroup/cpu/kstarve-fio-*" >/dev/null && ! compgen -G "/sys/fs/cgroup/unified/kstarve-fio-*" >/dev/null; }
is_positive_int() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
# Every kworker of list $1 still alive now has attributes matching $2 (an
# awk regex on "cls rtprio ni"); kworkers born since may not be fixed yet.
fixed_kworkers() {
  kworker_attrs >"$WORK/kw.now"
  LC_ALL=C join "$1" "$WORK/kw.now" | awk -v re="$2" '{ n++; if (($5 " " $6 " " $7) !~ re) bad = 1 } END { exit bad || n == 0 }'
}

WORK=$(mktemp -d /tmp/kstarve-check-fio.XXXXXX)
trap '"$FC" stop >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
rt_before=$(cat /proc/sys/kernel/sched_rt_runtime_us)
file_before=$([[ -f $FIO_FILE ]] && echo present || echo absent)
[[ -d $FIO_STATE ]] && { echo "check_fio_cases: $FIO_STATE exists: a case is running; stop it first" >&2; exit 1; }

echo "fio-cases.sh checks (test file $file_before before)"
cmdline=$("$FC" command fifo 5)
check "command: the brief's options" grep -q -- "--iodepth=128 --iodepth_batch_submit=128 --iodepth_batch_complete_min=1 --iodepth_batch_complete_max=128" <<<"$cmdline"
check "command: fifo is chrt -f 10, pinned" grep -q -- "taskset -c $FIO_CPU chrt -f 10 fio" <<<"$cmdline"
check "bad case is refused" bash -c "! '$FC' run nosuchcase 2 2>/dev/null"

iops=$(KSTARVE_FIO_RAMP=1 "$FC" run alone 2 2>"$WORK/run.err" || true)
check "run alone 2 prints IOPS ($iops)" is_positive_int "$iops"

# cgroup: fio's job in our cgroup, pinned; a second start is refused.
pid=$("$FC" start cgroup 6 2>"$WORK/start.err" || true)
if is_positive_int "$pid" && [[ -d /proc/$pid ]]; then
  check "start cgroup: pid $pid is fio" test "$(cat "/proc/$pid/comm")" = fio
  check "start cgroup: its parent is fio" test "$(ps -o comm= -p "$(ps -o ppid= -p "$pid" | xargs)")" = fio
  check "start cgroup: in a kstarve-fio cgroup" grep -qE '(cpu|^0:):/kstarve-fio-' "/proc/$pid/cgroup"
  check "start cgroup: pinned to CPU $FIO_CPU" test "$(taskset -cp "$pid" | awk '{print $NF}')" = "$FIO_CPU"
  check "start while running is refused" bash -c "! '$FC' start alone 2 >/dev/null 2>&1"
else
  fail "start cgroup printed '$pid': $(tail -2 "$WORK/start.err")"
fi
out=$("$FC" stop 2>"$WORK/stop.err") && rc=0 || rc=$?
check "stop: exit 0 and IOPS ($out)" is_positive_int "$out"
check "stop: no fio of ours left" our_fio_gone
check "stop: cgroup removed" no_cgroup_left
check "stop: state removed" test ! -e "$FIO_STATE"
check "stop again: nothing to stop, exit 0" "$FC" stop

# fifo: SCHED_FIFO 10.
pid=$("$FC" start fifo 4 2>"$WORK/start.err" || true)
if is_positive_int "$pid"; then
  check "start fifo: SCHED_FIFO 10" test "$(ps -o cls=,rtprio= -p "$pid" | xargs)" = "FF 10"
else
  fail "start fifo printed '$pid': $(tail -2 "$WORK/start.err")"
fi
"$FC" stop >/dev/null 2>&1 || fail "stop after fifo"

# The fixed cases: kworkers changed while running, restored after; for
# fifo-fixed the supervisor is killed first, so stop cleans up alone.
for c in cgroup-fixed fifo-fixed; do
  kworker_attrs >"$WORK/kw.before"
  pid=$("$FC" start "$c" 20 2>"$WORK/start.err" || true)
  if ! is_positive_int "$pid"; then
    fail "start $c printed '$pid': $(tail -2 "$WORK/start.err")"
    continue
  fi
  sleep 1
  if [[ $c == cgroup-fixed ]]; then
    check "$c: every kworker/$FIO_CPU:* at nice -20 while running" fixed_kworkers "$WORK/kw.before" '^TS - -20$'
  else
    check "$c: every kworker/$FIO_CPU:* SCHED_RR 10 while running" fixed_kworkers "$WORK/kw.before" '^RR 10 -$'
    kill -KILL "$(cat "$FIO_STATE/supervisor.pid")"
    sleep 0.3
  fi
  "$FC" stop >/dev/null 2>"$WORK/stop.err" || fail "$c: stop exit status: $(tail -2 "$WORK/stop.err")"
  kworker_attrs >"$WORK/kw.after"
  check "$c: kworkers restored$([[ $c == fifo-fixed ]] && echo ' (supervisor killed)')" same_attrs "$WORK/kw.before" "$WORK/kw.after"
  check "$c: no fio of ours left" our_fio_gone
  check "$c: no cgroup left" no_cgroup_left
done

check "sched_rt_runtime_us unchanged ($rt_before)" test "$(cat /proc/sys/kernel/sched_rt_runtime_us)" = "$rt_before"
file_after=$([[ -f $FIO_FILE ]] && echo present || echo absent)
check "test file as before ($file_before)" test "$file_after" = "$file_before"
echo "check_fio_cases: $FAILED failed"
((FAILED == 0))
