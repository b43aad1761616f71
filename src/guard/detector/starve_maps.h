/* The layouts of the BPF maps of starve.bpf.c, shared by the BPF program (C,
 * types from vmlinux.h) and its C++ reader (types from <linux/types.h>).
 * Plain C so both compilers read it; sizes are multiples of 8 so per-CPU
 * values need no padding. */
#ifndef KSTARVE_GUARD_DETECTOR_STARVE_MAPS_H_
#define KSTARVE_GUARD_DETECTOR_STARVE_MAPS_H_

/* waiting: pid -> the wait of a thread that is runnable but not running. */
struct ks_wait {
  __u64 start_ns; /* CLOCK_MONOTONIC: first wakeup or switch-out in R/R+ */
  __u32 cpu;      /* runqueue it is queued on (wakeup target, migrations) */
  __u32 pad;
};

/* stats: pid -> the waits that ended since userspace last read the map. */
struct ks_wait_stats {
  __u64 sum_wait_ns;
  __u64 waits;
  __u64 max_wait_ns;
  __s32 holder_pid; /* who ran right before the longest wait ended */
  __s32 holder_prio;
  __u32 cpu; /* where the last wait ended */
  __u32 pad;
};

/* current (per-CPU array, one slot): who runs on each CPU now. */
struct ks_running {
  __s32 pid;
  __s32 prio;
};

#endif /* KSTARVE_GUARD_DETECTOR_STARVE_MAPS_H_ */
