// SPDX-License-Identifier: GPL-2.0
/* kstarve guard: which threads are runnable but not running, since when, and
 * who holds each CPU. The scheduler programs only keep state: an event costs
 * one task-local-storage lookup (the thread's slot number) and stores into an
 * array value that userspace reads through mmap (starve_maps.h has the
 * layouts). A timer (end of file) finds the waits that cross the long-wait
 * threshold and wakes userspace for those only.
 *
 * Semantics (docs/semantics.md): a wait starts at the first wakeup of a thread
 * that is not on a CPU, or at a switch-out in state R/R+ (preempted), and ends
 * at its next switch-in. A second wakeup does not restart it. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "starve_maps.h"

char LICENSE[] SEC("license") = "GPL";

#define TASK_RUNNING 0
#define PF_EXITING 0x00000004
#define SLOT_LOST 0xffffffffu /* slot_plus_one of a thread that found no free slot */

/* slots and free_slots are sized by userspace before load
 * (bpf_map__set_max_entries); userspace pushes every slot number on
 * free_slots before attaching, the lowest on top. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, 8192);
  __type(key, __u32);
  __type(value, struct ks_thread);
} slots SEC(".maps");

/* LIFO, so that freed slots are reused first and the used ones stay low:
 * userspace reads slots [0, top_slot). */
struct {
  __uint(type, BPF_MAP_TYPE_STACK);
  __uint(max_entries, 8192);
  __type(value, __u32);
} free_slots SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct ks_task_slot);
} task_slot SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct ks_running);
} running SEC(".maps");

/* Each runqueue's clock (sched_clock_cpu, as of its last update) and what to
 * add to it for CLOCK_MONOTONIC, refreshed by that CPU's own events every
 * 10 ms: the scheduler has just updated the clock where these programs run
 * (__schedule, the wakeup's enqueue), so a load replaces a clock read, which
 * costs ~80 ns per event on a paravirtual clock (bench/detector_cost). */
struct ks_clock {
  __s64 offset_ns;       /* CLOCK_MONOTONIC - rq clock */
  __u64 refreshed_rq_ns; /* rq clock at the last refresh */
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1024); /* CPUs; userspace sets the possible count */
  __type(key, __u32);
  __type(value, struct ks_clock);
} clock_offset SEC(".maps");

#define REFRESH_NS 10000000ull

/* The scan timer (see the end of this file) and what it reports. */
struct scan_timer {
  struct bpf_timer timer;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct scan_timer);
} scan_timer SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 64 * 1024);
} crossings SEC(".maps");

/* Set by userspace before load. */
const volatile __u64 long_wait_ns = 20000000;
const volatile __u64 scan_period_ns = 10000000;
const volatile __u32 max_slots = 8192;
/* The guard's own process: it runs at FIFO 99 for a few microseconds at a
 * time, and is never the holder to blame (see ks_switch). */
const volatile __s32 self_tgid = 0;

/* The scan timer's own cost (its runs are not in the kernel's BPF stats). */
__u64 scan_runs = 0;
__u64 scan_run_ns = 0;
__u64 crossings_lost = 0;

/* Threads not followed because every slot was taken (read by userspace). */
__u64 lost_threads = 0;
/* One past the highest slot ever handed out. */
__u64 top_slot = 0;
/* The chronic-delay window now open; userspace advances it as it reads. */
__u64 window = 0;

/* Task fields are read directly, not with BPF_CORE_READ: tp_btf arguments
 * are BTF pointers the verifier lets us dereference (a plain load, CO-RE
 * relocated through vmlinux.h's preserve_access_index), where BPF_CORE_READ
 * is a bpf_probe_read_kernel helper call per field. */
static __always_inline __u32 task_cpu(struct task_struct *p) {
  if (bpf_core_field_exists(p->thread_info.cpu)) return p->thread_info.cpu;
  return 0;
}

/* The runqueue of `p`: its CFS runqueue's (every task has one, whatever its
 * class), with CONFIG_FAIR_GROUP_SCHED; 0 without (the callers then read the
 * clock). The `runqueues` per-CPU symbol is not in every kernel's kallsyms. */
static __always_inline struct rq *rq_of(struct task_struct *p) {
  if (!bpf_core_field_exists(((struct cfs_rq *)0)->rq)) return 0;
  struct cfs_rq *cfs = p->se.cfs_rq;
  return cfs ? cfs->rq : 0;
}

/* CLOCK_MONOTONIC now, from the clock of `rq` (runqueue of CPU `rq_cpu`),
 * which the scheduler updated just before the event (see the callers). */
static __always_inline __u64 mono_now(struct rq *rq, __u32 rq_cpu, __u32 this_cpu) {
  struct ks_clock *c = bpf_map_lookup_elem(&clock_offset, &rq_cpu);
  if (!rq || !c) return bpf_ktime_get_ns();
  __u64 rq_now = rq->clock;
  if (c->refreshed_rq_ns == 0 || (rq_cpu == this_cpu && rq_now - c->refreshed_rq_ns > REFRESH_NS)) {
    if (rq_cpu != this_cpu) return bpf_ktime_get_ns(); /* no offset of that CPU yet */
    c->offset_ns = (__s64)(bpf_ktime_get_ns() - rq_now);
    c->refreshed_rq_ns = rq_now;
  }
  return rq_now + c->offset_ns;
}

static __always_inline void raise_top(__u64 n) {
  /* A few tries: two first waits racing on two CPUs is already rare. */
  for (int i = 0; i < 4; i++) {
    __u64 cur = top_slot;
    if (cur >= n) return;
    if (__sync_val_compare_and_swap(&top_slot, cur, n) == cur) return;
  }
}

/* The slot of a thread that has one. */
static __always_inline struct ks_thread *slot_of(struct task_struct *p) {
  struct ks_task_slot *ts = bpf_task_storage_get(&task_slot, p, 0, 0);
  if (!ts || ts->slot_plus_one == 0 || ts->slot_plus_one == SLOT_LOST) return 0;
  __u32 idx = ts->slot_plus_one - 1;
  return bpf_map_lookup_elem(&slots, &idx);
}

/* The slot of a thread, given one at its first wait: the only allocation it
 * costs (task storage, and a pop from free_slots). */
static __always_inline struct ks_thread *slot_or_new(struct task_struct *p) {
  struct ks_task_slot *ts = bpf_task_storage_get(&task_slot, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (!ts || ts->slot_plus_one == SLOT_LOST) return 0;
  __u32 idx;
  if (ts->slot_plus_one != 0) {
    idx = ts->slot_plus_one - 1;
    return bpf_map_lookup_elem(&slots, &idx);
  }
  if (bpf_map_pop_elem(&free_slots, &idx) != 0) {
    ts->slot_plus_one = SLOT_LOST; /* not retried on each event of this thread */
    __sync_fetch_and_add(&lost_threads, 1);
    return 0;
  }
  struct ks_thread *t = bpf_map_lookup_elem(&slots, &idx);
  if (!t) return 0;
  struct ks_thread fresh = {.pid = p->pid, .window = window};
  *t = fresh;
  ts->slot_plus_one = idx + 1;
  raise_top((__u64)idx + 1);
  return t;
}

static __always_inline void start_wait(struct task_struct *p, __u32 cpu, __u64 now) {
  /* An exiting thread gets no new slot: sched_process_exit has freed it. */
  if (p->flags & PF_EXITING) return;
  struct ks_thread *t = slot_or_new(p);
  /* A thread already waiting keeps its first start. */
  if (t && t->wait_start_ns == 0) {
    t->wait_cpu = cpu;
    t->wait_start_ns = now;
  }
}

/* At sched_wakeup the thread is queued on its runqueue (whose clock the
 * enqueue has just updated), or was queued already (ttwu_runnable). The
 * thread that runs there is not waiting: it never went to sleep. */
static __always_inline void on_wakeup(struct task_struct *p) {
  if (p->pid == 0) return;
  __u32 cpu = task_cpu(p);
  struct rq *rq = rq_of(p);
  if (rq && rq->curr == p) return;
  if (!rq && p->on_cpu) return; /* (no runqueue pointer: as near as we can tell) */
  start_wait(p, cpu, mono_now(rq, cpu, bpf_get_smp_processor_id()));
}

/* sched_wakeup, not sched_waking: it comes after the enqueue, when the
 * runqueue clock is fresh and the thread's runqueue is known. */
SEC("tp_btf/sched_wakeup")
int BPF_PROG(ks_wakeup, struct task_struct *p) {
  on_wakeup(p);
  return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(ks_wakeup_new, struct task_struct *p) {
  on_wakeup(p);
  return 0;
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(ks_migrate, struct task_struct *p, int dest_cpu) {
  struct ks_thread *t = slot_of(p);
  if (t && t->wait_start_ns != 0) t->wait_cpu = dest_cpu;
  return 0;
}

/* Every exiting thread (do_exit): the slot is marked, not freed, so that its
 * last waits still reach the chronic window; userspace frees it after
 * reading it. The thread's task storage is disconnected from the slot (it
 * goes with the task; deleting it here cost ~2.7 µs a run), so nothing of
 * this thread writes to the slot any more. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(ks_exit, struct task_struct *p) {
  struct ks_task_slot *ts = bpf_task_storage_get(&task_slot, p, 0, 0);
  if (!ts || ts->slot_plus_one == 0 || ts->slot_plus_one == SLOT_LOST) return 0;
  __u32 idx = ts->slot_plus_one - 1;
  ts->slot_plus_one = SLOT_LOST;
  struct ks_thread *t = bpf_map_lookup_elem(&slots, &idx);
  if (t) {
    t->wait_start_ns = 0;
    t->exited = 1;
  }
  return 0;
}

static __always_inline void end_wait(struct task_struct *next, __u64 now, __u32 cpu, __s32 holder_pid,
                                     __s32 holder_prio) {
  struct ks_thread *t = slot_of(next);
  if (!t) return;
  __u64 start = t->wait_start_ns;
  if (start == 0) return;
  t->wait_start_ns = 0;
  __u64 d = now > start ? now - start : 0;
  /* Plain adds: a thread's wait ends only at its own switch-in, on one CPU
   * at a time, so no two programs update the same slot at once. */
  t->sum_wait_ns += d;
  t->waits += 1;
  __u64 w = window;
  if (t->window != w) {
    t->window = w;
    t->max_wait_ns = 0;
  }
  if (d > t->max_wait_ns) {
    t->max_wait_ns = d;
    t->holder_pid = holder_pid;
    t->holder_prio = holder_prio;
  }
  t->cpu = cpu;
}

/* prev_state is the 4th argument since Linux 5.18. */
SEC("tp_btf/sched_switch")
int BPF_PROG(ks_switch, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state) {
  __u32 cpu = bpf_get_smp_processor_id();
  __u64 now = mono_now(rq_of(next), cpu, cpu); /* __schedule updated this runqueue's clock */
  if (prev->pid != 0 && (preempt || prev_state == TASK_RUNNING)) start_wait(prev, cpu, now);
  __u32 zero = 0;
  struct ks_running *r = bpf_map_lookup_elem(&running, &zero);
  /* The guard's own short runs (it polls at FIFO 99) do not count as holding
   * the CPU: `running` keeps the thread the guard displaced, and a wait that
   * ends right after the guard ran is blamed on that thread. */
  __s32 holder_pid = prev->pid, holder_prio = prev->prio;
  if (r && self_tgid != 0 && prev->tgid == self_tgid) {
    holder_pid = r->pid;
    holder_prio = r->prio;
  }
  if (next->pid != 0) end_wait(next, now, cpu, holder_pid, holder_prio);
  if (r && (self_tgid == 0 || next->tgid != self_tgid)) {
    /* No comm: copying it on every switch costs more than userspace
     * reading /proc/PID/comm for the rare report. */
    r->pid = next->pid;
    r->prio = next->prio;
  }
  return 0;
}

/* Long waits are found in the kernel: a timer scans the slots in use every
 * scan_period_ns, or sooner when an open wait will cross long_wait_ns before
 * that, and pushes each wait that has crossed to `crossings` once. Userspace
 * sleeps on the ring buffer, so with nothing starving it wakes only for its
 * chronic windows instead of every long_wait_ns (each wakeup is a context
 * switch, most of the guard's own cost on a paravirtual VM). */
struct scan_ctx {
  __u64 now;
  __u64 next; /* when to scan again */
  __u64 top;
};

static long scan_slot(__u64 i, struct scan_ctx *ctx) {
  if (i >= ctx->top) return 1;
  __u32 idx = (__u32)i;
  struct ks_thread *t = bpf_map_lookup_elem(&slots, &idx);
  if (!t) return 1;
  __u64 start = t->wait_start_ns;
  if (start == 0 || t->reported_start_ns == start) return 0;
  __u64 crossing = start + long_wait_ns;
  if (crossing > ctx->now) {
    if (crossing < ctx->next) ctx->next = crossing;
    return 0;
  }
  t->reported_start_ns = start;
  struct ks_crossing *c = bpf_ringbuf_reserve(&crossings, sizeof(*c), 0);
  if (!c) {
    __sync_fetch_and_add(&crossings_lost, 1);
    return 0;
  }
  c->wait_start_ns = start;
  c->pid = t->pid;
  c->cpu = t->wait_cpu;
  bpf_ringbuf_submit(c, BPF_RB_FORCE_WAKEUP);
  return 0;
}

static int on_scan(void *map, __u32 *key, struct scan_timer *st) {
  __u64 now = bpf_ktime_get_ns();
  struct scan_ctx ctx = {.now = now, .next = now + scan_period_ns, .top = top_slot};
  bpf_loop(max_slots, scan_slot, &ctx, 0);
  __u64 after = bpf_ktime_get_ns();
  /* At least 100 us between scans, whatever the waits. */
  __u64 delay = ctx.next > after + 100000 ? ctx.next - after : 100000;
  bpf_timer_start(&st->timer, delay, 0);
  __sync_fetch_and_add(&scan_runs, 1);
  __sync_fetch_and_add(&scan_run_ns, after - now);
  return 0;
}

/* Run once by userspace (BPF_PROG_TEST_RUN) after attaching. */
SEC("syscall")
int ks_start_scan(void *ctx) {
  __u32 zero = 0;
  struct scan_timer *st = bpf_map_lookup_elem(&scan_timer, &zero);
  if (!st) return 1;
  if (bpf_timer_init(&st->timer, &scan_timer, 1 /* CLOCK_MONOTONIC */) != 0) return 2;
  if (bpf_timer_set_callback(&st->timer, on_scan) != 0) return 3;
  if (bpf_timer_start(&st->timer, scan_period_ns, 0) != 0) return 4;
  return 0;
}
