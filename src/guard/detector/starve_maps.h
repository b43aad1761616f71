/* The layouts of the BPF maps of starve.bpf.c, shared by the BPF program (C,
 * types from vmlinux.h) and its C++ reader (types from <linux/types.h>).
 * Plain C so both compilers read it; sizes are multiples of 8 so per-CPU
 * values need no padding. */
#ifndef KSTARVE_GUARD_DETECTOR_STARVE_MAPS_H_
#define KSTARVE_GUARD_DETECTOR_STARVE_MAPS_H_

/* slots[i]: one followed thread's open wait and the sums of its ended waits.
 * A thread gets a slot at its first wait (from the `free_slots` stack) and
 * keeps it until it exits; task-local storage holds its slot number, so a
 * scheduler event costs one task-storage lookup and stores into an array
 * value: no hash lookup, insert or delete. Userspace reads the array through
 * mmap, without a system call, and gives an exited thread's slot back once
 * it has read its last window. */
struct ks_thread {
  __u64 wait_start_ns; /* CLOCK_MONOTONIC start of the open wait; 0: not waiting */
  __u32 wait_cpu;      /* runqueue it waits on (wakeup target, migrations) */
  __s32 pid;           /* the thread (kernel tid) owning the slot; 0: free */
  /* Since the thread's first wait, never reset: userspace takes differences. */
  __u64 sum_wait_ns;
  __u64 waits;
  /* The longest wait that ended in window `window` (the global `window`
   * when it ended): userspace reads it for the window it closes. */
  __u64 max_wait_ns;
  __u64 window;
  __s32 holder_pid; /* who ran right before that longest wait ended */
  __s32 holder_prio;
  __u32 cpu;               /* where the last wait ended */
  __u32 exited;            /* the thread exited: userspace reads its last sums, then frees the slot */
  __u64 reported_start_ns; /* the open wait the scan timer has reported (its start) */
};

/* crossings (ring buffer): an open wait that has just become long, pushed by
 * the scan timer; userspace sleeps on the ring buffer instead of polling. */
struct ks_crossing {
  __u64 wait_start_ns;
  __s32 pid;
  __u32 cpu;
};

/* task_slot (task-local storage): slot number + 1 (0: none yet). */
struct ks_task_slot {
  __u32 slot_plus_one;
  __u32 pad;
};

/* running (per-CPU array, one slot): who runs on each CPU now. */
struct ks_running {
  __s32 pid;
  __s32 prio;
};

#endif /* KSTARVE_GUARD_DETECTOR_STARVE_MAPS_H_ */
