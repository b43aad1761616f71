// The host interface: everything the policy engine needs from the machine.
// The live host reads /proc and calls sched_setattr/sched_setaffinity; the
// simulator provides its own, so one policy engine serves both.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "guard/thread_info.h"

namespace kstarve::guard {

class Host {
 public:
  virtual ~Host() = default;
  // Every thread of the system (the periodic safety-net scan).
  virtual std::vector<ThreadInfo> ListThreads() = 0;
  // One thread; an error if it is gone.
  virtual Result<ThreadInfo> ReadThread(int32_t pid) = 0;
  // Sets attributes, but only if `id` still names the same thread (start
  // time checked right before the change); an error otherwise.
  virtual Status SetAttrs(const ThreadId& id, const SchedAttrs& attrs) = 0;
  // CLOCK_MONOTONIC in ns (the clock BPF's bpf_ktime_get_ns uses).
  virtual int64_t NowNs() = 0;
};

}  // namespace kstarve::guard
