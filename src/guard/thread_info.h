// What the guard knows about one thread and the scheduling attributes it can
// change. Shared by the rules, the policy engine, the journal and the hosts
// (live over procfs/sched_setattr, simulated later).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kstarve::guard {

// Linux policy numbers (include/uapi/linux/sched.h).
enum class Policy : int { kOther = 0, kFifo = 1, kRr = 2, kBatch = 3, kIdle = 5, kDeadline = 6 };

const char* PolicyName(Policy p);  // "other", "fifo", "rr", "batch", "idle", "deadline"

struct SchedAttrs {
  Policy policy = Policy::kOther;
  int rt_priority = 0;  // 1..99 for fifo/rr
  int nice = 0;         // -20..19 for other/batch (idle ignores it)
  uint64_t dl_runtime_ns = 0, dl_deadline_ns = 0, dl_period_ns = 0;
  std::vector<int> affinity;  // allowed CPUs, sorted; empty = leave as is
  bool operator==(const SchedAttrs&) const = default;
};

// "fifo 10", "other nice -20", "deadline 200000/10000000"; plus " cpus 1" when affinity is set.
std::string Describe(const SchedAttrs& a);

// A thread identity that survives pid reuse: the start time (/proc/PID/stat
// field 22) differs between two threads that had the same pid.
struct ThreadId {
  int32_t pid = -1;
  uint64_t start_time = 0;
  bool operator==(const ThreadId&) const = default;
};

struct ThreadInfo {
  ThreadId id;
  int32_t tgid = -1;
  std::string comm;     // as /proc/PID/comm shows it (kworkers: "kworker/1:2-dio/vda")
  std::string process;  // comm of the thread group leader
  bool kernel_thread = false;
  int bound_cpu = -1;     // per-CPU kernel thread's CPU (from comm / affinity), -1 if none
  std::string workqueue;  // a kworker's current workqueue/function suffix, "" if none
  SchedAttrs attrs;       // current attributes (affinity filled in)
};

}  // namespace kstarve::guard
