// SPDX-License-Identifier: GPL-2.0
/* kstarve guard: which threads are runnable but not running, since when, and
 * who holds each CPU. Userspace polls the maps (no per-event wakeups), so the
 * programs only keep state: one or two map lookups per scheduler event, and
 * stores into the values they find (starve_maps.h says why no inserts).
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

/* The size is set by userspace before load (bpf_map__set_max_entries). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 8192);
  __type(key, __u32);
  __type(value, struct ks_thread);
} threads SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct ks_running);
} running SEC(".maps");

/* Threads not followed because the map was full (read by userspace). */
__u64 lost_threads = 0;
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

static __always_inline void start_wait(__u32 pid, __u32 cpu, __u64 now) {
  struct ks_thread *t = bpf_map_lookup_elem(&threads, &pid);
  if (t && t->exited) {
    /* The pid was reused before userspace removed the exited thread. */
    struct ks_thread fresh = {.wait_start_ns = now, .wait_cpu = cpu, .window = window};
    *t = fresh;
    return;
  }
  if (t) {
    /* A thread already waiting keeps its first start. */
    if (t->wait_start_ns == 0) {
      t->wait_cpu = cpu;
      t->wait_start_ns = now;
    }
    return;
  }
  /* The thread's first wait: the only insert it costs (see starve_maps.h). */
  struct ks_thread n = {.wait_start_ns = now, .wait_cpu = cpu, .window = window};
  if (bpf_map_update_elem(&threads, &pid, &n, BPF_NOEXIST) == -7 /* E2BIG: full */)
    __sync_fetch_and_add(&lost_threads, 1);
}

static __always_inline void on_wakeup(struct task_struct *p) {
  __u32 pid = p->pid;
  if (pid == 0) return;
  /* On a CPU and queued: it has not gone to sleep yet (the wakeup only sets
   * it running again), nothing to wait for. On a CPU but dequeued: it is
   * finishing its switch-out; the wakeup will queue it once it is off, so
   * the wait starts now. The CPU is its previous one; sched_migrate_task
   * follows if the wakeup picks another. */
  if (p->on_cpu && p->on_rq) return;
  start_wait(pid, task_cpu(p), bpf_ktime_get_ns());
}

/* sched_waking comes first in every wakeup; sched_wakeup is not needed. */
SEC("tp_btf/sched_waking")
int BPF_PROG(ks_waking, struct task_struct *p) {
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
  __u32 pid = p->pid;
  struct ks_thread *t = bpf_map_lookup_elem(&threads, &pid);
  if (t && t->wait_start_ns != 0) t->wait_cpu = dest_cpu;
  return 0;
}

/* Every exiting thread (do_exit): marked, not deleted, so that its last
 * waits still reach the chronic window; userspace deletes it after reading
 * it, and a reused pid meanwhile starts afresh (start_wait). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(ks_exit, struct task_struct *p) {
  __u32 pid = p->pid;
  struct ks_thread *t = bpf_map_lookup_elem(&threads, &pid);
  if (t) {
    t->wait_start_ns = 0;
    t->exited = 1;
  }
  return 0;
}

static __always_inline void end_wait(__u32 pid, __u64 now, __u32 cpu, struct task_struct *prev) {
  struct ks_thread *t = bpf_map_lookup_elem(&threads, &pid);
  if (!t) return;
  __u64 start = t->wait_start_ns;
  if (start == 0) return;
  t->wait_start_ns = 0;
  __u64 d = now > start ? now - start : 0;
  /* Plain adds: a thread's wait ends only at its own switch-in, on one CPU
   * at a time, so no two programs update the same entry at once. */
  t->sum_wait_ns += d;
  t->waits += 1;
  __u64 w = window;
  if (t->window != w) {
    t->window = w;
    t->max_wait_ns = 0;
  }
  if (d > t->max_wait_ns) {
    t->max_wait_ns = d;
    t->holder_pid = prev->pid;
    t->holder_prio = prev->prio;
  }
  t->cpu = cpu;
}

/* prev_state is the 4th argument since Linux 5.18. */
SEC("tp_btf/sched_switch")
int BPF_PROG(ks_switch, bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state) {
  __u64 now = bpf_ktime_get_ns();
  __u32 cpu = bpf_get_smp_processor_id();
  __u32 prev_pid = prev->pid;
  __u32 next_pid = next->pid;
  if (prev_pid != 0 && (preempt || prev_state == TASK_RUNNING)) start_wait(prev_pid, cpu, now);
  if (next_pid != 0) end_wait(next_pid, now, cpu, prev);
  __u32 zero = 0;
  struct ks_running *r = bpf_map_lookup_elem(&running, &zero);
  if (r) {
    /* No comm: copying it on every switch costs more than userspace
     * reading /proc/PID/comm for the rare report. */
    r->pid = next_pid;
    r->prio = next->prio;
  }
  return 0;
}
