// The context snapshot saved with every recording: what the scheduler knew
// about each thread (policy, priority, nice, affinity, cgroup and its
// weight) and the scheduler's knobs. A trace says who ran; the snapshot says
// why the scheduler preferred it. `kstarve record` writes it beside the
// trace as TRACE.context.json; `kstarve report` reads it when present.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace kstarve {

struct CgroupCpu {
  std::string path;  // the thread's cgroup in the hierarchy that has the cpu controller, "/" for the root
  int version = 0;   // 1 (cpu controller of cgroup v1), 2 (unified), 0 unknown
  std::optional<uint64_t> cpu_shares;  // v1 cpu.shares
  std::optional<uint64_t> cpu_weight;  // v2 cpu.weight (or derived from shares, see weight_source)
  std::string weight_source;           // "cpu.weight", "cpu.shares" (converted as the kernel does), "" unknown
  std::string cpu_max;  // v2 cpu.max ("max 100000"), or v1 "quota period" from cfs_quota_us/cfs_period_us
  std::optional<int64_t> rt_runtime_us;  // v1 cpu.rt_runtime_us, if present
};

struct ThreadContext {
  int32_t pid = -1;
  int32_t tgid = -1;
  std::string comm;
  std::string process;  // comm of the thread group leader
  int policy = 0;       // SCHED_OTHER 0, FIFO 1, RR 2, BATCH 3, IDLE 5, DEADLINE 6
  int rt_priority = 0;  // 1..99 for FIFO/RR, else 0
  int nice = 0;
  uint64_t dl_runtime_ns = 0, dl_deadline_ns = 0, dl_period_ns = 0;  // SCHED_DEADLINE only
  std::string allowed_cpus;    // as /proc/PID/status Cpus_allowed_list prints it ("1", "0-1")
  bool kernel_thread = false;  // PF_KTHREAD
  uint64_t start_time = 0;     // /proc/PID/stat field 22, clock ticks since boot: tells reused pids apart
  CgroupCpu cgroup;
};

struct SchedKnobs {
  std::optional<uint64_t> base_slice_ns;  // /sys/kernel/debug/sched/base_slice_ns (EEVDF)
  std::vector<std::string> features;      // /sys/kernel/debug/sched/features, as listed (NO_X for off)
  std::optional<int64_t> rt_runtime_us;   // /proc/sys/kernel/sched_rt_runtime_us
  std::optional<int64_t> rt_period_us;    // /proc/sys/kernel/sched_rt_period_us
  // /sys/kernel/debug/sched/fair_server/cpuN/{runtime,period} (6.12+), ns, by CPU
  std::map<int, std::pair<uint64_t, uint64_t>> fair_server;
  std::vector<std::string> unreadable;  // knobs that exist but could not be read, and why
};

struct ContextSnapshot {
  std::string kernel_release;  // uname -r
  std::string kernel_version;  // uname -v
  int cpus = 0;                // online CPUs
  int64_t taken_at_ns = 0;     // CLOCK_MONOTONIC when taken
  SchedKnobs knobs;
  std::map<int32_t, ThreadContext> threads;  // by pid
};

// Reads /proc, cgroupfs and the scheduler knobs of the running system.
// Threads that exit while being read are skipped; unreadable knobs are
// listed in knobs.unreadable, not errors.
Result<ContextSnapshot> CollectContext();

// Adds threads of `later` that `base` lacks (threads that appeared during a
// recording); `base` keeps what it had (the attributes at the start).
void MergeContext(ContextSnapshot& base, const ContextSnapshot& later);

// JSON, schema "kstarve.context/1".
std::string ContextToJson(const ContextSnapshot& snapshot);
// `name` is the file name used in error messages.
Result<ContextSnapshot> ContextFromJson(const std::string& text, const std::string& name);

// The snapshot file that belongs to a trace file: TRACE.context.json.
std::string ContextPathFor(const std::string& trace_path);

}  // namespace kstarve
